//! File in, transcript out: decoding (on its own thread) streams 16 kHz chunks straight
//! into windowed transcription, so the two overlap and memory stays bounded.

use std::path::Path;
use std::sync::mpsc;

use crate::asr::{AsrError, Model, TranscribeOptions, Transcript};
use crate::audio::{AudioError, Decoder};
use crate::cancel::CancelFlag;

/// Decoded chunks waiting for the transcriber (each ~0.1-1 s of audio): enough to keep
/// whisper busy, small enough to bound memory.
const QUEUE_CHUNKS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error("{path}: {source}")]
    Asr {
        path: String,
        #[source]
        source: AsrError,
    },
}

impl PipelineError {
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self,
            PipelineError::Asr {
                source: AsrError::Cancelled,
                ..
            } | PipelineError::Audio(AudioError::Cancelled { .. })
        )
    }
}

/// Where a transcription is, for progress bars and UI events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Decoding,
    Transcribing,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decoding => "decoding",
            Self::Transcribing => "transcribing",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "decoding" => Some(Self::Decoding),
            "transcribing" => Some(Self::Transcribing),
            _ => None,
        }
    }
}

/// Transcribes one file. `progress` gets (stage, percent); percent never decreases and
/// reaches 100 on success.
pub fn transcribe_file(
    model: &Model,
    path: &Path,
    options: &TranscribeOptions,
    mut progress: impl FnMut(Stage, u8),
    cancel: &CancelFlag,
) -> Result<Transcript, PipelineError> {
    progress(Stage::Decoding, 0);
    let decoder = Decoder::open(path, cancel.clone())?;
    let total = decoder.total_output_samples();
    let (sender, receiver) = mpsc::sync_channel::<Result<Vec<f32>, AudioError>>(QUEUE_CHUNKS);
    let decoding = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            for chunk in decoder {
                // The transcriber hung up (failed or cancelled): stop decoding.
                if sender.send(chunk).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| AudioError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;

    // The first decode error ends the stream; keep it so the user sees the real cause
    // rather than a generic "source failed".
    let mut decode_error = None;
    let chunks = receiver.iter().map_while(|chunk| match chunk {
        Ok(samples) => Some(Ok::<_, String>(samples)),
        Err(e) => {
            decode_error = Some(e);
            None
        }
    });
    let result = model.transcribe_stream(
        chunks,
        total,
        options,
        |p| progress(Stage::Transcribing, p),
        cancel,
    );
    let _ = decoding.join();
    if let Some(error) = decode_error {
        return Err(error.into());
    }
    let transcript = result.map_err(|source| PipelineError::Asr {
        path: path.display().to_string(),
        source,
    })?;
    if transcript.audio_seconds == 0.0 {
        return Err(AudioError::NoSamples {
            path: path.to_path_buf(),
        }
        .into());
    }
    Ok(transcript)
}
