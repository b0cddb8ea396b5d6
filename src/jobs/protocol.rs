//! The JSON-lines protocol between the queue and `hookscribe worker`, the subprocess that
//! runs whisper.cpp. One JSON object per line in each direction.

use serde::{Deserialize, Serialize};

use crate::asr::{TranscribeOptions, Transcript};
use crate::pipeline::Stage;

/// Queue -> worker (stdin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Transcribe {
        id: i64,
        path: String,
        /// Path of the ggml model file; the worker keeps it loaded for the next job.
        model: String,
        /// Path of the voice activity model, when only the speech is to be transcribed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vad_model: Option<String>,
        /// Resolved against the settings already: the worker reads no settings.
        #[serde(default)]
        options: TranscribeOptions,
    },
    /// Stop the job with this id as soon as possible.
    Cancel { id: i64 },
}

/// Worker -> queue (stdout).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Sent once at start-up.
    Ready {
        version: String,
    },
    Progress {
        id: i64,
        stage: Stage,
        percent: u8,
    },
    Result {
        id: i64,
        transcript: Transcript,
    },
    Error {
        id: i64,
        message: String,
        cancelled: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_tagged_json_lines() {
        let line = serde_json::to_string(&Request::Cancel { id: 7 }).unwrap();
        assert_eq!(line, r#"{"type":"cancel","id":7}"#);
        let event: Event = serde_json::from_str(
            r#"{"type":"progress","id":7,"stage":"transcribing","percent":40}"#,
        )
        .unwrap();
        assert!(matches!(
            event,
            Event::Progress {
                id: 7,
                stage: Stage::Transcribing,
                percent: 40
            }
        ));
        let request: Request = serde_json::from_str(
            r#"{"type":"transcribe","id":1,"path":"/a.wav","model":"/m.bin","options":{"beam_size":1,"word_timestamps":true}}"#,
        )
        .unwrap();
        let Request::Transcribe { id, options, .. } = request else {
            panic!("a transcribe request");
        };
        assert_eq!(id, 1);
        assert_eq!(options.beam(), 1);
        assert!(options.word_timestamps && !options.translate);
    }
}
