//! File in, transcript out: decoding (on its own thread) streams 16 kHz chunks straight
//! into windowed transcription, so the two overlap and memory stays bounded.

use std::path::Path;
use std::sync::mpsc;

use crate::asr::{AsrError, Model, TranscribeOptions, Transcript, Vad};
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

/// Transcribes one file (only its speech, given a `vad`). `progress` gets (stage,
/// percent); percent never decreases and reaches 100 on success.
pub fn transcribe_file(
    model: &Model,
    vad: Option<&Vad>,
    path: &Path,
    options: &TranscribeOptions,
    mut progress: impl FnMut(Stage, u8),
    cancel: &CancelFlag,
) -> Result<Transcript, PipelineError> {
    progress(Stage::Decoding, 0);
    let decoder = Decoder::open(path, cancel.clone())?;
    let total = decoder.total_output_samples();
    let (sender, receiver) = mpsc::sync_channel::<Result<Vec<f32>, AudioError>>(QUEUE_CHUNKS);
    let source = path.to_path_buf();
    let decoding = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || feed(decoder, &sender, &source))
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
        vad,
        |p| progress(Stage::Transcribing, p),
        cancel,
    );
    if decoding.join().is_err() && decode_error.is_none() {
        // `feed` catches the decoder's panics; this is one outside it.
        decode_error = Some(crashed(path, "the decoding thread panicked"));
    }
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

/// Sends the decoder's chunks to the transcriber until either side is done. A panic in
/// the decoder (a bug, or a file that trips one) ends the stream with an error naming the
/// file, so the job fails with the reason instead of completing with a silently
/// shortened transcript.
fn feed(
    chunks: impl Iterator<Item = Result<Vec<f32>, AudioError>>,
    sender: &mpsc::SyncSender<Result<Vec<f32>, AudioError>>,
    path: &Path,
) {
    let fed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for chunk in chunks {
            // The transcriber hung up (failed or cancelled): stop decoding.
            if sender.send(chunk).is_err() {
                return;
            }
        }
    }));
    if let Err(panic) = fed {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        // The receiver may be gone already (the transcription failed first): nothing to tell.
        let _ = sender.send(Err(crashed(path, &reason)));
    }
}

fn crashed(path: &Path, reason: &str) -> AudioError {
    AudioError::Decode {
        path: path.to_path_buf(),
        reason: format!("the decoder crashed ({reason}); the file may be damaged"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoder_that_panics_ends_the_stream_with_an_error_naming_the_file() {
        let (sender, receiver) = mpsc::sync_channel(8);
        let chunks = (0..5).map(|n| match n {
            0 | 1 => Ok(vec![0.0_f32; 1600]),
            _ => panic!("index out of bounds: the len is 3 but the index is 7"),
        });
        let path = Path::new("/recordings/broken.m4a");
        std::thread::spawn(move || feed(chunks, &sender, path))
            .join()
            .expect("feed catches the panic");
        let got: Vec<_> = receiver.iter().collect();
        assert_eq!(got.len(), 3, "two chunks, then the error, then the end");
        assert!(got[0].is_ok() && got[1].is_ok());
        let error = got[2]
            .as_ref()
            .expect_err("the last item is the error")
            .to_string();
        assert!(error.contains("/recordings/broken.m4a"), "{error}");
        assert!(
            error.contains("the decoder crashed (index out of bounds"),
            "{error}"
        );
    }

    #[test]
    fn a_transcriber_that_hangs_up_stops_the_decoder() {
        let (sender, receiver) = mpsc::sync_channel(1);
        drop(receiver);
        let mut pulled = 0;
        let chunks = std::iter::from_fn(|| {
            pulled += 1;
            Some(Ok(vec![0.0_f32; 16]))
        });
        feed(chunks.take(1000), &sender, Path::new("a.wav"));
        assert_eq!(pulled, 1, "decoding stops at the first chunk nobody takes");
    }
}
