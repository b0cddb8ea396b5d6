//! Speech recognition with whisper.cpp (through whisper-rs).
//!
//! A [`Model`] is loaded once and reused; each transcription gets a fresh whisper state.
//! Input is 16 kHz mono f32 samples (see the `audio` module for decoding files).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

/// Whisper's input sample rate.
pub const SAMPLE_RATE: u32 = 16_000;

#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    #[error("cannot load the model {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("transcription failed: {0}")]
    Transcribe(String),
    #[error("no audio to transcribe")]
    Empty,
}

/// Options for one transcription.
#[derive(Debug, Clone)]
pub struct Options {
    /// `None` detects the language; otherwise a code such as `en`.
    pub language: Option<String>,
    pub translate: bool,
    /// `None` uses the number of physical cores.
    pub threads: Option<usize>,
    /// Vocabulary hints passed as the initial prompt.
    pub prompt: Option<String>,
    /// Beam width; 1 is greedy decoding.
    pub beam_size: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            language: None,
            translate: false,
            threads: None,
            prompt: None,
            beam_size: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Seconds from the start of the audio.
    pub start: f64,
    pub end: f64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transcript {
    pub text: String,
    pub segments: Vec<Segment>,
    pub language: Option<String>,
    pub audio_seconds: f64,
    #[serde(with = "seconds")]
    pub processing: Duration,
}

mod seconds {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

/// A loaded whisper model.
pub struct Model {
    context: WhisperContext,
    path: PathBuf,
}

impl Model {
    pub fn load(path: &Path) -> Result<Self, AsrError> {
        route_native_logs();
        let load_err = |reason: String| AsrError::Load {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(load_err("no such file".into()));
        }
        let utf8 = path
            .to_str()
            .ok_or_else(|| load_err("the path is not valid UTF-8".into()))?;
        let context = WhisperContext::new_with_params(utf8, WhisperContextParameters::default())
            .map_err(|e| {
                load_err(format!(
                    "whisper.cpp refused it ({e}); is it a whisper ggml model?"
                ))
            })?;
        Ok(Self {
            context,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_multilingual(&self) -> bool {
        self.context.is_multilingual()
    }

    /// Transcribes 16 kHz mono samples.
    pub fn transcribe(&self, samples: &[f32], options: &Options) -> Result<Transcript, AsrError> {
        if samples.is_empty() {
            return Err(AsrError::Empty);
        }
        let started = Instant::now();
        let mut state = self
            .context
            .create_state()
            .map_err(|e| AsrError::Transcribe(e.to_string()))?;
        let strategy = if options.beam_size > 1 {
            SamplingStrategy::BeamSearch {
                beam_size: options.beam_size as i32,
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(options.threads.unwrap_or_else(default_threads) as i32);
        params.set_translate(options.translate);
        // English-only models ignore the language; "auto" on them would be an error.
        let language = match (&options.language, self.is_multilingual()) {
            (_, false) => Some("en"),
            (Some(code), true) if code != "auto" => Some(code.as_str()),
            _ => Some("auto"),
        };
        params.set_language(language);
        if let Some(prompt) = &options.prompt {
            params.set_initial_prompt(prompt);
        }
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_suppress_nst(true);

        state
            .full(params, samples)
            .map_err(|e| AsrError::Transcribe(e.to_string()))?;

        let mut segments = Vec::new();
        for segment in state.as_iter() {
            let text = segment
                .to_str_lossy()
                .map_err(|e| AsrError::Transcribe(e.to_string()))?
                .trim()
                .to_string();
            if text.is_empty() {
                continue;
            }
            // whisper.cpp timestamps are in centiseconds.
            segments.push(Segment {
                start: segment.start_timestamp() as f64 / 100.0,
                end: segment.end_timestamp() as f64 / 100.0,
                text,
            });
        }
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let lang_id = state.full_lang_id_from_state();
        let language = whisper_rs::get_lang_str(lang_id).map(str::to_string);
        Ok(Transcript {
            text,
            segments,
            language,
            audio_seconds: samples.len() as f64 / SAMPLE_RATE as f64,
            processing: started.elapsed(),
        })
    }
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
