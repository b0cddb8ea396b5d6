//! How to transcribe: one set of options from the CLI, the window, a watched folder or the
//! local API, stored with a queued job, sent through the worker protocol and read by
//! whisper. Whatever is left `None` is filled from the settings in one place
//! (`Settings::resolve`) before the work starts.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Beam width when neither the request nor the `beam_size` setting says.
pub const DEFAULT_BEAM_SIZE: u32 = 5;
/// The widest beam accepted.
pub const MAX_BEAM_SIZE: u32 = 16;
/// The most threads accepted.
pub const MAX_THREADS: u32 = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TranscribeOptions {
    /// A model name (installed or in the catalog) or a path to a ggml file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `auto` (detect) or a language code such as `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Translate the speech to English.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub translate: bool,
    /// Vocabulary hints: names and terms the recording uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Beam width; 1 is greedy decoding (faster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beam_size: Option<u32>,
    /// CPU threads; `None` uses the physical cores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    /// Also time each word.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub word_timestamps: bool,
    /// Transcribe only the speech that voice activity detection finds (pauses skipped);
    /// `None` follows the `vad` setting. Resolved to `Some(true)` only where the voice
    /// activity model is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vad: Option<bool>,
}

impl TranscribeOptions {
    /// The beam width to decode with.
    pub fn beam(&self) -> usize {
        self.beam_size
            .unwrap_or(DEFAULT_BEAM_SIZE)
            .clamp(1, MAX_BEAM_SIZE) as usize
    }

    /// Threads for whisper.cpp.
    pub fn thread_count(&self) -> usize {
        match self.threads {
            Some(n) => n.clamp(1, MAX_THREADS) as usize,
            None => super::default_threads(),
        }
    }

    /// Checks what a user can get wrong before a job is queued: the ranges, the prompt's
    /// length. (The model and the language are checked against what is installed and
    /// what Whisper knows by `Settings::resolve`.)
    pub fn check(&self) -> Result<(), String> {
        if let Some(beam) = self.beam_size {
            if !(1..=MAX_BEAM_SIZE).contains(&beam) {
                return Err(format!(
                    "beam size {beam} is out of range: use 1 (greedy) to {MAX_BEAM_SIZE}"
                ));
            }
        }
        if let Some(threads) = self.threads {
            if !(1..=MAX_THREADS).contains(&threads) {
                return Err(format!(
                    "{threads} threads is out of range: use 1 to {MAX_THREADS}"
                ));
            }
        }
        if let Some(prompt) = &self.prompt {
            if prompt.chars().count() > 2000 {
                return Err("the prompt is longer than 2,000 characters; Whisper reads only its last few hundred words".into());
            }
            // whisper.cpp takes the prompt as a C string: a NUL would end it early (and
            // whisper-rs refuses it by panicking on the transcription thread).
            if prompt.contains('\0') {
                return Err("the prompt contains a NUL character (\\0); remove it".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_job_options_still_read_and_new_ones_round_trip() {
        // Jobs queued before beam size and threads were options.
        let old: TranscribeOptions =
            serde_json::from_str(r#"{"model":"tiny.en","translate":true}"#).unwrap();
        assert_eq!(old.model.as_deref(), Some("tiny.en"));
        assert!(old.translate);
        assert_eq!(old.beam(), 5);
        let full = TranscribeOptions {
            beam_size: Some(1),
            threads: Some(2),
            word_timestamps: true,
            ..old
        };
        let text = serde_json::to_string(&full).unwrap();
        assert_eq!(
            serde_json::from_str::<TranscribeOptions>(&text).unwrap(),
            full
        );
        assert_eq!(
            serde_json::to_string(&TranscribeOptions::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn out_of_range_options_are_refused_with_the_range() {
        let wide = TranscribeOptions {
            beam_size: Some(0),
            ..TranscribeOptions::default()
        };
        assert!(wide.check().unwrap_err().contains("1 (greedy) to 16"));
        let many = TranscribeOptions {
            threads: Some(999),
            ..TranscribeOptions::default()
        };
        assert!(many.check().unwrap_err().contains("1 to 256"));
    }

    #[test]
    fn a_prompt_with_a_nul_character_is_refused_before_it_reaches_whisper() {
        let nul = TranscribeOptions {
            prompt: Some("Acme\0Widgets".into()),
            ..TranscribeOptions::default()
        };
        assert!(nul.check().unwrap_err().contains("NUL character"));
        let fine = TranscribeOptions {
            prompt: Some("Acme Widgets, Q3 review".into()),
            ..TranscribeOptions::default()
        };
        assert!(fine.check().is_ok());
    }
}
