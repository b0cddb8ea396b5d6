//! Speech recognition with whisper.cpp (through whisper-rs).
//!
//! A [`Model`] is loaded once and reused (see [`ModelCache`]); each transcription gets a
//! fresh whisper state. Audio arrives as a stream of 16 kHz mono chunks and is transcribed
//! in windows of a few minutes, each ending where whisper's next 30-second pass would start,
//! with the previous window's tokens as the prompt: memory stays flat however long the
//! recording (whisper.cpp would otherwise compute the mel spectrogram of the whole input up
//! front), and decoding overlaps transcription. With two threads or more, a long window runs
//! as two halves side by side (lanes.rs).

mod callbacks;
mod guard;
mod lanes;
mod options;
mod prompt;
mod vad;
mod window;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use whisper_rs::{WhisperContext, WhisperContextParameters};

use crate::cancel::CancelFlag;
pub use hookscribe_types::{Segment, Transcript, Word};
pub use options::{TranscribeOptions, DEFAULT_BEAM_SIZE, MAX_BEAM_SIZE, MAX_THREADS};
pub use vad::Vad;

/// Whisper's input sample rate.
pub const SAMPLE_RATE: u32 = 16_000;

#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    #[error("cannot load the model {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("whisper.cpp failed: {0}")]
    Whisper(String),
    #[error("cancelled")]
    Cancelled,
    #[error("language '{0}' is not one Whisper knows; use a code such as en, de, fr, or auto")]
    UnknownLanguage(String),
    #[error("the model {model} understands English only; it cannot transcribe '{language}' or translate (use a multilingual model such as base or small)")]
    EnglishOnly { model: String, language: String },
    /// The audio source failed part-way (a decode error).
    #[error("{0}")]
    Source(String),
}

/// A loaded whisper model.
pub struct Model {
    context: WhisperContext,
    path: PathBuf,
    name: String,
}

impl Model {
    pub fn load(path: &Path) -> Result<Self, AsrError> {
        let utf8 = loadable(path)?;
        let load_err = |reason: String| AsrError::Load {
            path: path.to_path_buf(),
            reason,
        };
        let context = WhisperContext::new_with_params(utf8, WhisperContextParameters::default())
            .map_err(|e| {
                load_err(format!(
                    "whisper.cpp refused it ({e}); is it a whisper ggml model?"
                ))
            })?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.strip_suffix(".bin").unwrap_or(n).to_string())
            .unwrap_or_default();
        tracing::debug!(model = %name, path = %path.display(), "model loaded");
        Ok(Self {
            context,
            path: path.to_path_buf(),
            name,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_multilingual(&self) -> bool {
        self.context.is_multilingual()
    }

    /// Transcribes 16 kHz mono samples held in memory.
    pub fn transcribe(
        &self,
        samples: &[f32],
        options: &TranscribeOptions,
        vad: Option<&Vad>,
        progress: impl FnMut(u8),
        cancel: &CancelFlag,
    ) -> Result<Transcript, AsrError> {
        let chunks = std::iter::once(Ok::<_, AsrError>(samples.to_vec()));
        self.transcribe_stream(
            chunks,
            Some(samples.len() as u64),
            options,
            vad,
            progress,
            cancel,
        )
    }

    /// Transcribes 16 kHz mono audio arriving in chunks (as a decoder produces it).
    /// `total_samples` (if known) makes progress exact; `progress` gets whole percents,
    /// never decreasing, ending at 100 on success. With a `vad`, only the speech it finds
    /// is transcribed (the timestamps stay those of the recording).
    pub fn transcribe_stream<E: std::fmt::Display>(
        &self,
        chunks: impl IntoIterator<Item = Result<Vec<f32>, E>>,
        total_samples: Option<u64>,
        options: &TranscribeOptions,
        vad: Option<&Vad>,
        mut progress: impl FnMut(u8),
        cancel: &CancelFlag,
    ) -> Result<Transcript, AsrError> {
        let started = Instant::now();
        let language = self.check_language(options)?;
        let mut monotonic = callbacks::Monotonic::new(&mut progress);
        let mut run = window::Run::new(self, options, language, vad, cancel)?;
        let mut buffer = window::Buffer::default();
        for chunk in chunks {
            if cancel.is_cancelled() {
                return Err(AsrError::Cancelled);
            }
            let chunk = chunk.map_err(|e| AsrError::Source(e.to_string()))?;
            buffer.push(&chunk);
            while buffer.len() >= window::WINDOW_SAMPLES {
                run.window(&mut buffer, false, total_samples, &mut monotonic)?;
            }
        }
        while !buffer.is_empty() {
            run.window(&mut buffer, true, total_samples, &mut monotonic)?;
        }
        monotonic.report(100);
        let (segments, language) = run.finish();
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Transcript {
            text,
            segments,
            language,
            model: self.name.clone(),
            audio_seconds: buffer.consumed() as f64 / SAMPLE_RATE as f64,
            processing_seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The language to pass to whisper.cpp (`None` = detect).
    fn check_language(
        &self,
        options: &TranscribeOptions,
    ) -> Result<Option<&'static str>, AsrError> {
        let requested = options
            .language
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("auto"))
            .map(str::to_ascii_lowercase);
        let known = match &requested {
            Some(code) => Some(
                whisper_rs::get_lang_id(code)
                    .and_then(whisper_rs::get_lang_str)
                    .ok_or_else(|| AsrError::UnknownLanguage(code.clone()))?,
            ),
            None => None,
        };
        if self.is_multilingual() {
            return Ok(known);
        }
        // English-only models: English is the only answer, and they cannot translate.
        match requested.as_deref() {
            Some(code) if code != "en" => Err(AsrError::EnglishOnly {
                model: self.name.clone(),
                language: code.to_string(),
            }),
            _ if options.translate => Err(AsrError::EnglishOnly {
                model: self.name.clone(),
                language: "translate".into(),
            }),
            _ => Ok(Some("en")),
        }
    }
}

/// A model file as loaded: its path and modification time (a replaced file is reloaded).
type ModelKey = (PathBuf, Option<std::time::SystemTime>);

/// Models (Whisper's and the voice activity model) loaded once and shared, keyed by file.
#[derive(Default)]
pub struct ModelCache {
    models: Mutex<HashMap<ModelKey, Arc<Model>>>,
    vads: Mutex<HashMap<ModelKey, Arc<Vad>>>,
}

impl ModelCache {
    pub fn get(&self, path: &Path) -> Result<Arc<Model>, AsrError> {
        cached(&self.models, path, Model::load)
    }

    pub fn vad(&self, path: &Path) -> Result<Arc<Vad>, AsrError> {
        cached(&self.vads, path, Vad::load)
    }
}

/// The loaded `path` from `loaded`, loading it (and forgetting an older version of the
/// same file) when needed.
fn cached<T>(
    loaded: &Mutex<HashMap<ModelKey, Arc<T>>>,
    path: &Path,
    load: impl FnOnce(&Path) -> Result<T, AsrError>,
) -> Result<Arc<T>, AsrError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let modified = std::fs::metadata(&canonical)
        .and_then(|m| m.modified())
        .ok();
    let key = (canonical, modified);
    let mut loaded = loaded.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(model) = loaded.get(&key) {
        return Ok(model.clone());
    }
    let model = Arc::new(load(path)?);
    loaded.retain(|(p, _), _| *p != key.0);
    loaded.insert(key, model.clone());
    Ok(model)
}

/// A model file's path as whisper.cpp takes it (UTF-8), once it is known to be a file;
/// whisper.cpp's logging is routed first, so that its complaints reach the log.
fn loadable(path: &Path) -> Result<&str, AsrError> {
    route_native_logs();
    let load_err = |reason: &str| AsrError::Load {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if !path.is_file() {
        return Err(load_err("no such file"));
    }
    path.to_str()
        .ok_or_else(|| load_err("the path is not valid UTF-8"))
}

/// Sends whisper.cpp's and ggml's logging through `tracing` (target `whisper_rs`)
/// instead of letting it write to stderr.
fn route_native_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(whisper_rs::install_logging_hooks);
}

/// Physical cores: whisper.cpp gains nothing from hyper-threads.
pub fn default_threads() -> usize {
    num_cpus::get_physical().clamp(1, 16)
}
