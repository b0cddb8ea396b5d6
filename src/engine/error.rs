//! Errors every front end can explain: a kind (what went wrong, in categories a CLI exit,
//! a window and an HTTP status all understand), a message that names the thing and what
//! is wrong, and the subject it is about. Hints that name a way out ("run `hookscribe
//! models download`", "open Models", "GET /v1/models") are the front ends' own.

use serde::Serialize;
use ts_rs::TS;

use crate::models::download::DownloadError;
use crate::models::ModelError;
use crate::settings::SettingsError;
use crate::webhooks::WebhookError;
use hookscribe_store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The job, endpoint, delivery, folder, model or setting does not exist.
    NotFound,
    /// What was asked for is malformed or out of range; nothing changed.
    InvalidInput,
    /// It exists, but its state does not allow this now (cancel a finished job, add a
    /// folder that is already watched).
    Conflict,
    /// Something outside Hookscribe is not there right now (network, a busy database,
    /// a missing file or folder); trying again later may work.
    Unavailable,
    /// Stopped on request (Ctrl-C, a Cancel button) before it finished.
    Cancelled,
    /// A fault in Hookscribe or its data.
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::InvalidInput => "invalid_input",
            Self::Conflict => "conflict",
            Self::Unavailable => "unavailable",
            Self::Cancelled => "cancelled",
            Self::Internal => "internal",
        }
    }
}

/// What an error is about, so a front end can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Job(i64),
    Transcript(i64),
    Folder(i64),
    Endpoint(i64),
    Delivery(i64),
    Model(String),
    Setting(String),
    /// A file or folder on disk.
    Path(String),
    /// A field of a request (`url`, `timeout_ms`, `metadata`, …).
    Field(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, TS)]
#[error("{message}")]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
    pub subject: Option<Subject>,
}

impl EngineError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            subject: None,
        }
    }

    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// An invalid request field, named.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(message).about(Subject::Field(field.to_string()))
    }

    /// Names `field` as the subject when the error names nothing more precise.
    pub(super) fn about_field_if_bare(mut self, field: &str) -> Self {
        if self.subject.is_none() {
            self.subject = Some(Subject::Field(field.to_string()));
        }
        self
    }
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> Self {
        let message = error.to_string();
        match error {
            StoreError::NoSuchJob(id) => Self::not_found(message).about(Subject::Job(id)),
            StoreError::NoSuchEndpoint(id) => Self::not_found(message).about(Subject::Endpoint(id)),
            StoreError::NoSuchMessage(id) => Self::not_found(message).about(Subject::Delivery(id)),
            StoreError::NoSuchFolder(id) => Self::not_found(message).about(Subject::Folder(id)),
            StoreError::NoSuchTranscript(id) => {
                Self::not_found(message).about(Subject::Transcript(id))
            }
            StoreError::WrongState { id, .. } => Self::conflict(message).about(Subject::Job(id)),
            StoreError::TooNew { .. } => Self::conflict(message),
            ref e if e.is_busy() => Self::unavailable(format!(
                "the database is busy with another Hookscribe process; try again ({message})"
            )),
            ref e if e.is_constraint() => Self::conflict(message),
            _ => Self::internal(message),
        }
    }
}

impl From<ModelError> for EngineError {
    fn from(error: ModelError) -> Self {
        let message = error.to_string();
        match error {
            ModelError::NotInstalled(name) => Self::not_found(message).about(Subject::Model(name)),
            ModelError::Unknown(name) => Self::not_found(message).about(Subject::Model(name)),
            ModelError::BadName(name) => Self::invalid(message).about(Subject::Model(name)),
            ModelError::Exists(name) => Self::conflict(message).about(Subject::Model(name)),
            ModelError::AlreadyGgml { path } => {
                Self::invalid(message).about(Subject::Path(path.display().to_string()))
            }
            ModelError::Ggml(_) | ModelError::Convert(_) | ModelError::Vad(_) => {
                Self::invalid(message)
            }
            ModelError::Io { path, source, .. } => {
                let kind = match source.kind() {
                    std::io::ErrorKind::NotFound => ErrorKind::NotFound,
                    _ => ErrorKind::Unavailable,
                };
                Self::new(kind, message).about(Subject::Path(path.display().to_string()))
            }
        }
    }
}

impl From<DownloadError> for EngineError {
    fn from(error: DownloadError) -> Self {
        let message = error.to_string();
        match error {
            DownloadError::Offline { .. }
            | DownloadError::Stalled { .. }
            | DownloadError::Interrupted { .. }
            | DownloadError::Status { .. } => Self::unavailable(message),
            DownloadError::Cancelled(name) => {
                Self::new(ErrorKind::Cancelled, message).about(Subject::Model(name))
            }
            DownloadError::Checksum { .. }
            | DownloadError::Size { .. }
            | DownloadError::NotAModel(_) => Self::unavailable(message),
            DownloadError::Io { path, .. } => {
                Self::unavailable(message).about(Subject::Path(path.display().to_string()))
            }
        }
    }
}

impl From<SettingsError> for EngineError {
    fn from(error: SettingsError) -> Self {
        let message = error.to_string();
        match error {
            SettingsError::UnknownKey { key, .. } => {
                Self::not_found(message).about(Subject::Setting(key))
            }
            SettingsError::BadValue { key, .. } => {
                Self::invalid(message).about(Subject::Setting(key.to_string()))
            }
            SettingsError::Store(store) => store.into(),
            SettingsError::Model(model) => model.into(),
            SettingsError::BadOption(_) => Self::field("options", message),
        }
    }
}

impl From<WebhookError> for EngineError {
    fn from(error: WebhookError) -> Self {
        let message = error.to_string();
        match error {
            WebhookError::BadUrl { .. } => Self::field("url", message),
            WebhookError::BadHeader(_) | WebhookError::ReservedHeader(_) => {
                Self::field("headers", message)
            }
            WebhookError::BadEvent { .. } => Self::field("events", message),
            WebhookError::BadSecret => Self::field("secret", message),
            WebhookError::BadTimeout(_) => Self::field("timeout_ms", message),
            WebhookError::BadConcurrency(_) => Self::field("max_concurrency", message),
            WebhookError::BadDescription => Self::field("description", message),
            WebhookError::Store(store) => store.into(),
            WebhookError::Random(_)
            | WebhookError::Client(_)
            | WebhookError::Task(_)
            | WebhookError::Start(_)
            | WebhookError::Corrupt { .. } => Self::internal(message),
        }
    }
}

impl From<crate::pipeline::PipelineError> for EngineError {
    fn from(error: crate::pipeline::PipelineError) -> Self {
        use crate::asr::AsrError;
        use crate::audio::AudioError;
        use crate::pipeline::PipelineError;
        let message = error.to_string();
        if error.is_cancelled() {
            return Self::new(ErrorKind::Cancelled, message);
        }
        match &error {
            PipelineError::Audio(audio) => {
                let kind = match audio {
                    AudioError::Open { source, .. }
                        if source.kind() == std::io::ErrorKind::NotFound =>
                    {
                        ErrorKind::NotFound
                    }
                    AudioError::Open { .. } | AudioError::Io { .. } => ErrorKind::Unavailable,
                    _ => ErrorKind::InvalidInput,
                };
                let path = match audio {
                    AudioError::Open { path, .. }
                    | AudioError::IsFolder { path }
                    | AudioError::Empty { path }
                    | AudioError::Unrecognised { path, .. }
                    | AudioError::NoAudioTrack { path }
                    | AudioError::UnsupportedCodec { path, .. }
                    | AudioError::Decode { path, .. }
                    | AudioError::NoSamples { path }
                    | AudioError::Cancelled { path }
                    | AudioError::Io { path, .. } => path,
                };
                Self::new(kind, message).about(Subject::Path(path.display().to_string()))
            }
            PipelineError::Asr { path, source } => {
                let kind = match source {
                    AsrError::UnknownLanguage(_) | AsrError::EnglishOnly { .. } => {
                        ErrorKind::InvalidInput
                    }
                    AsrError::Source(_) => ErrorKind::InvalidInput,
                    _ => ErrorKind::Internal,
                };
                Self::new(kind, message).about(Subject::Path(path.clone()))
            }
        }
    }
}

impl From<crate::home::HomeError> for EngineError {
    fn from(error: crate::home::HomeError) -> Self {
        Self::unavailable(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_keep_their_kind_and_subject() {
        let error = EngineError::from(StoreError::NoSuchEndpoint(7));
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert_eq!(error.subject, Some(Subject::Endpoint(7)));
        assert_eq!(error.to_string(), "no webhook endpoint 7");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["kind"], "not_found");
        assert_eq!(
            json["subject"],
            serde_json::json!({"type": "endpoint", "id": 7})
        );
        let conflict = EngineError::from(StoreError::WrongState {
            id: 3,
            status: "completed",
            action: "only queued or running jobs can be cancelled",
        });
        assert_eq!(conflict.kind, ErrorKind::Conflict);
    }
}
