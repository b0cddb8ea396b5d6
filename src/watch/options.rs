//! What a watched folder does with its files: which ones it takes, how they are
//! transcribed, what is written next to them, and who hears of them. Stored as JSON with
//! the folder, so options can grow.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::export::Format;

/// Common audio and video files Hookscribe can decode.
pub const DEFAULT_INCLUDE: &[&str] = &[
    "*.wav", "*.mp3", "*.m4a", "*.aac", "*.flac", "*.ogg", "*.oga", "*.opus", "*.aif", "*.aiff",
    "*.caf", "*.mp4", "*.m4v", "*.mov", "*.mkv", "*.webm",
];

/// What to do with a source file once its transcript is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "lowercase", tag = "action", content = "subfolder")]
pub enum After {
    #[default]
    Leave,
    /// Move it into this subfolder of the watched folder.
    Move(String),
}

/// Per-folder options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FolderOptions {
    #[serde(default)]
    pub recursive: bool,
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Formats written next to the source (or into `output_dir`).
    #[serde(default)]
    pub formats: Vec<Format>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<String>,
    #[serde(default)]
    pub after: After,
    /// Attached to every job from this folder and carried into its webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "Record<string, unknown> | null")]
    pub metadata: Option<serde_json::Value>,
    /// Scan on a timer instead of relying on file-system events (network shares).
    #[serde(default)]
    pub poll: bool,
    /// A file must keep its size and modification time this long to count as complete.
    pub stable_ms: u64,
    /// Transcribe a file again even when the same content was transcribed before.
    #[serde(default)]
    pub rerun_duplicates: bool,
    /// The webhook endpoints this folder's jobs notify; `None`: every subscribed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<Vec<i64>>,
}

impl Default for FolderOptions {
    fn default() -> Self {
        Self {
            recursive: false,
            include: DEFAULT_INCLUDE.iter().map(|s| s.to_string()).collect(),
            exclude: Vec::new(),
            model: None,
            language: None,
            formats: Vec::new(),
            output_dir: None,
            after: After::Leave,
            metadata: None,
            poll: false,
            stable_ms: 2000,
            rerun_duplicates: false,
            webhooks: None,
        }
    }
}

impl FolderOptions {
    /// Reads stored options; `Err` says what is wrong with them.
    pub fn from_stored(value: &serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(value.clone())
            .map_err(|e| format!("its options cannot be read ({e})"))
    }

    pub fn to_stored(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The transcription options a job from this folder gets.
    pub fn transcribe_options(&self) -> crate::asr::TranscribeOptions {
        crate::asr::TranscribeOptions {
            model: self.model.clone(),
            language: self.language.clone(),
            ..Default::default()
        }
    }
}
