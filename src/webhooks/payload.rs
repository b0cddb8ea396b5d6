//! What receivers get: the event types and the three body formats (see docs/WEBHOOKS.md).
//!
//! A body is built once, when its message is created, and stored; retries and replays
//! send the same bytes.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use ts_rs::TS;

use crate::asr::Segment;
pub use hookscribe_types::time::rfc3339_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub enum EventType {
    #[serde(rename = "transcription.completed")]
    TranscriptionCompleted,
    #[serde(rename = "transcription.failed")]
    TranscriptionFailed,
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl EventType {
    /// The events an endpoint can subscribe to (`webhook.test` is always allowed).
    pub const SUBSCRIBABLE: [EventType; 2] =
        [Self::TranscriptionCompleted, Self::TranscriptionFailed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TranscriptionCompleted => "transcription.completed",
            Self::TranscriptionFailed => "transcription.failed",
            Self::WebhookTest => "webhook.test",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::TranscriptionCompleted,
            Self::TranscriptionFailed,
            Self::WebhookTest,
        ]
        .into_iter()
        .find(|event| event.as_str() == text.trim())
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an endpoint wants its bodies shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "BodyFormat")]
pub enum Format {
    /// Everything: text, segments, source, metadata, timings.
    #[default]
    Full,
    /// Ids, status, source name and a text excerpt, for size-limited receivers.
    Compact,
    /// One level of keys (text included), for Zapier's field mapping.
    Flat,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Compact => "compact",
            Self::Flat => "flat",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "full" => Some(Self::Full),
            "compact" => Some(Self::Compact),
            "flat" => Some(Self::Flat),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
            .ok_or_else(|| format!("unknown body format '{text}'; choose full, compact or flat"))
    }
}

/// Characters of text in a compact body.
pub const EXCERPT_CHARS: usize = 280;

/// What a job event says, gathered from the store in the completing transaction.
#[derive(Debug, Clone)]
pub struct JobFacts {
    pub job_id: i64,
    pub source_path: String,
    pub sha256: Option<String>,
    pub bytes: Option<i64>,
    /// The watched folder's path, for jobs that came from one.
    pub folder: Option<String>,
    pub metadata: Option<Value>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub finished_at: i64,
    /// Where the local API serves the transcript, when the API is on: compact bodies
    /// carry an excerpt, and the receiver fetches the rest from here.
    pub transcript_url: Option<String>,
    pub outcome: JobOutcome,
}

#[derive(Debug, Clone)]
pub enum JobOutcome {
    Completed(Completed),
    Failed { error: String },
}

/// A completed job's transcript, as its events describe it.
#[derive(Debug, Clone)]
pub struct Completed {
    pub transcript_id: i64,
    /// The earlier job whose transcript this one reuses (same recording).
    pub duplicate_of: Option<i64>,
    pub text: String,
    pub segments: Vec<Segment>,
    pub language: Option<String>,
    pub model: String,
    pub duration_s: f64,
    pub processing_s: f64,
}

impl JobFacts {
    pub fn event(&self) -> EventType {
        match self.outcome {
            JobOutcome::Completed(_) => EventType::TranscriptionCompleted,
            JobOutcome::Failed { .. } => EventType::TranscriptionFailed,
        }
    }

    fn file_name(&self) -> String {
        std::path::Path::new(&self.source_path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.source_path.clone())
    }

    fn status(&self) -> &'static str {
        match self.outcome {
            JobOutcome::Completed(_) => "completed",
            JobOutcome::Failed { .. } => "failed",
        }
    }
}

/// The body of a job event in `format`, as bytes ready to sign and send.
pub fn job_body(facts: &JobFacts, format: Format, now_ms: i64) -> Vec<u8> {
    let data = match format {
        Format::Full => full(facts),
        Format::Compact => compact(facts),
        Format::Flat => return to_bytes(&flat(facts, now_ms)),
    };
    to_bytes(&envelope(facts.event(), now_ms, data))
}

/// The body of a `webhook.test` message.
pub fn test_body(endpoint_id: i64, format: Format, now_ms: i64) -> Vec<u8> {
    let message = "A test from Hookscribe: this endpoint is reachable.";
    let body = match format {
        Format::Flat => json!({
            "type": EventType::WebhookTest.as_str(),
            "timestamp": rfc3339_ms(now_ms),
            "endpoint_id": endpoint_id,
            "message": message,
        }),
        Format::Full | Format::Compact => envelope(
            EventType::WebhookTest,
            now_ms,
            json!({ "endpoint_id": endpoint_id, "message": message }),
        ),
    };
    to_bytes(&body)
}

fn to_bytes(value: &Value) -> Vec<u8> {
    // Serializing a `Value` cannot fail (its keys are strings).
    serde_json::to_vec(value).unwrap_or_default()
}

fn envelope(event: EventType, now_ms: i64, data: Value) -> Value {
    json!({ "type": event.as_str(), "timestamp": rfc3339_ms(now_ms), "data": data })
}

fn full(facts: &JobFacts) -> Value {
    let mut source = json!({
        "path": facts.source_path,
        "file_name": facts.file_name(),
        "sha256": facts.sha256,
        "bytes": facts.bytes,
    });
    if let Some(folder) = &facts.folder {
        source["folder"] = json!(folder);
    }
    let mut data = json!({
        "job_id": facts.job_id,
        "status": facts.status(),
        "source": source,
        "metadata": facts.metadata.clone().unwrap_or_else(|| json!({})),
        "created_at": rfc3339_ms(facts.created_at),
    });
    match &facts.outcome {
        JobOutcome::Completed(done) => {
            data["source"]["duration_s"] = json!(round_ms(done.duration_s));
            data["transcript_id"] = json!(done.transcript_id);
            data["duplicate_of"] = json!(done.duplicate_of);
            data["model"] = json!(done.model);
            data["language"] = json!(done.language);
            data["text"] = json!(done.text);
            data["segments"] = done
                .segments
                .iter()
                .map(
                    |s| json!({"start": round_ms(s.start), "end": round_ms(s.end), "text": s.text}),
                )
                .collect();
            data["processing_s"] = json!(round_ms(done.processing_s));
            data["completed_at"] = json!(rfc3339_ms(facts.finished_at));
        }
        JobOutcome::Failed { error } => {
            data["error"] = json!(error);
            data["failed_at"] = json!(rfc3339_ms(facts.finished_at));
        }
    }
    data
}

fn compact(facts: &JobFacts) -> Value {
    let mut data = json!({
        "job_id": facts.job_id,
        "status": facts.status(),
        "source": { "file_name": facts.file_name() },
    });
    match &facts.outcome {
        JobOutcome::Completed(done) => {
            data["transcript_id"] = json!(done.transcript_id);
            data["language"] = json!(done.language);
            data["duration_s"] = json!(round_ms(done.duration_s));
            data["text_excerpt"] = json!(excerpt(&done.text, EXCERPT_CHARS));
            data["text_chars"] = json!(done.text.chars().count());
            if let Some(url) = &facts.transcript_url {
                data["transcript_url"] = json!(url);
            }
            data["completed_at"] = json!(rfc3339_ms(facts.finished_at));
        }
        JobOutcome::Failed { error } => {
            data["error"] = json!(excerpt(error, EXCERPT_CHARS));
            data["failed_at"] = json!(rfc3339_ms(facts.finished_at));
        }
    }
    data
}

/// One level of keys. Metadata keys are prefixed `metadata_`; nested metadata values
/// are sent as JSON text so every value stays a plain field.
fn flat(facts: &JobFacts, now_ms: i64) -> Value {
    let mut map = Map::new();
    let mut put = |key: &str, value: Value| {
        map.insert(key.to_string(), value);
    };
    put("type", json!(facts.event().as_str()));
    put("timestamp", json!(rfc3339_ms(now_ms)));
    put("job_id", json!(facts.job_id));
    put("status", json!(facts.status()));
    put("file_name", json!(facts.file_name()));
    put("path", json!(facts.source_path));
    put("folder", json!(facts.folder));
    put("sha256", json!(facts.sha256));
    put("bytes", json!(facts.bytes));
    put("created_at", json!(rfc3339_ms(facts.created_at)));
    match &facts.outcome {
        JobOutcome::Completed(done) => {
            put("transcript_id", json!(done.transcript_id));
            put("duplicate_of", json!(done.duplicate_of));
            put("model", json!(done.model));
            put("language", json!(done.language));
            put("duration_s", json!(round_ms(done.duration_s)));
            put("processing_s", json!(round_ms(done.processing_s)));
            put("text", json!(done.text));
            put("segment_count", json!(done.segments.len()));
            put("completed_at", json!(rfc3339_ms(facts.finished_at)));
        }
        JobOutcome::Failed { error } => {
            put("error", json!(error));
            put("failed_at", json!(rfc3339_ms(facts.finished_at)));
        }
    }
    if let Some(Value::Object(metadata)) = &facts.metadata {
        for (key, value) in metadata {
            let value = match value {
                Value::Object(_) | Value::Array(_) => json!(value.to_string()),
                other => other.clone(),
            };
            put(&format!("metadata_{key}"), value);
        }
    }
    Value::Object(map)
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// At most `max` characters, cut at a word boundary when one is near, with `…`.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > cut.len() * 3 / 4 => &cut[..space],
        _ => &cut,
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed() -> JobFacts {
        JobFacts {
            job_id: 7,
            source_path: "/rec/calls/Team call.m4a".into(),
            sha256: Some("ab".repeat(32)),
            bytes: Some(1234),
            folder: Some("/rec/calls".into()),
            metadata: Some(json!({"client": "Acme", "tags": ["a", "b"]})),
            created_at: 1_700_000_000_000,
            finished_at: 1_700_000_060_000,
            transcript_url: None,
            outcome: JobOutcome::Completed(Completed {
                transcript_id: 3,
                duplicate_of: None,
                text: "Hello there. General Kenobi.".into(),
                segments: vec![
                    Segment::new(0.0, 1.5, "Hello there."),
                    Segment::new(1.5, 3.25, "General Kenobi."),
                ],
                language: Some("en".into()),
                model: "tiny.en".into(),
                duration_s: 3.25,
                processing_s: 0.8,
            }),
        }
    }

    fn parse(bytes: Vec<u8>) -> Value {
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn full_body_follows_the_contract() {
        let body = parse(job_body(&completed(), Format::Full, 1_700_000_061_000));
        assert_eq!(body["type"], "transcription.completed");
        assert_eq!(body["timestamp"], "2023-11-14T22:14:21.000Z");
        let data = &body["data"];
        assert_eq!(data["job_id"], 7);
        assert_eq!(data["status"], "completed");
        assert_eq!(data["source"]["file_name"], "Team call.m4a");
        assert_eq!(data["source"]["folder"], "/rec/calls");
        assert_eq!(data["source"]["duration_s"], 3.25);
        assert_eq!(data["text"], "Hello there. General Kenobi.");
        assert_eq!(data["segments"][1]["start"], 1.5);
        assert_eq!(data["segments"][1]["text"], "General Kenobi.");
        assert_eq!(data["metadata"]["client"], "Acme");
        assert_eq!(data["completed_at"], "2023-11-14T22:14:20.000Z");
    }

    #[test]
    fn flat_body_has_one_level_of_keys() {
        let body = parse(job_body(&completed(), Format::Flat, 0));
        let object = body.as_object().unwrap();
        assert!(
            object.values().all(|v| !v.is_object() && !v.is_array()),
            "{body}"
        );
        assert_eq!(body["text"], "Hello there. General Kenobi.");
        assert_eq!(body["metadata_client"], "Acme");
        assert_eq!(body["metadata_tags"], r#"["a","b"]"#);
        assert_eq!(body["segment_count"], 2);
    }

    #[test]
    fn compact_body_carries_an_excerpt_not_the_segments() {
        let mut facts = completed();
        if let JobOutcome::Completed(done) = &mut facts.outcome {
            done.text = "word ".repeat(200);
        }
        let body = parse(job_body(&facts, Format::Compact, 0));
        let excerpt = body["data"]["text_excerpt"].as_str().unwrap();
        assert!(excerpt.chars().count() <= EXCERPT_CHARS + 1, "{excerpt}");
        assert!(excerpt.ends_with('…'));
        assert_eq!(body["data"]["text_chars"], 1000);
        assert!(body["data"].get("segments").is_none());
        assert!(
            body["data"].get("transcript_url").is_none(),
            "no link while the API is off"
        );

        facts.transcript_url = Some("http://127.0.0.1:8178/v1/transcripts/3".into());
        let body = parse(job_body(&facts, Format::Compact, 0));
        assert_eq!(
            body["data"]["transcript_url"],
            "http://127.0.0.1:8178/v1/transcripts/3"
        );
    }

    #[test]
    fn failed_jobs_say_why() {
        let mut facts = completed();
        facts.outcome = JobOutcome::Failed {
            error: "not a recognised audio file".into(),
        };
        for format in [Format::Full, Format::Compact] {
            let body = parse(job_body(&facts, format, 0));
            assert_eq!(body["type"], "transcription.failed");
            assert_eq!(body["data"]["status"], "failed");
            assert_eq!(body["data"]["error"], "not a recognised audio file");
        }
        assert_eq!(
            parse(job_body(&facts, Format::Flat, 0))["error"],
            "not a recognised audio file"
        );
    }
}
