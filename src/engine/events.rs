//! The engine's one event stream: every front end subscribes to the same events, in the
//! order they happened. Events are a live view; the store is the truth (a subscriber that
//! falls behind gets [`broadcast::error::RecvError::Lagged`] and should read the views
//! again).

use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::jobs::JobEvent;
use crate::pipeline::Stage;
use crate::watch::{FolderEvent, FolderState};
use crate::webhooks::DeliveryEvent;
use hookscribe_store::messages::MessageStatus;

use super::jobs::JobView;

/// How many events a slow subscriber may fall behind before it lags.
const CAPACITY: usize = 4096;

/// What happened, as it happens.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    /// A job was added (from this process: a window, the CLI's engine, a watched folder).
    JobQueued {
        job: Box<JobView>,
    },
    JobStarted {
        job: i64,
        path: String,
    },
    JobProgress {
        job: i64,
        stage: Stage,
        percent: u8,
        /// Seconds left, once enough of the job has run to tell.
        eta_seconds: Option<f64>,
    },
    JobCompleted {
        job: i64,
        transcript: i64,
        duplicate_of: Option<i64>,
    },
    JobFailed {
        job: i64,
        error: String,
    },
    JobCancelled {
        job: i64,
    },
    /// A job was put back in the queue (retry).
    JobRequeued {
        job: i64,
    },
    JobDeleted {
        job: i64,
    },
    /// A watched folder's state changed, or its count of files waiting to settle.
    FolderStatus {
        folder: i64,
        state: FolderState,
        waiting: u32,
    },
    /// One webhook delivery attempt; `status` is the message's status as stored after it.
    DeliveryAttempted {
        message: i64,
        endpoint: i64,
        job: Option<i64>,
        status: MessageStatus,
        response_status: Option<u16>,
        summary: String,
    },
    /// The endpoint was disabled: it kept failing (or answered 410 Gone), or the user
    /// disabled it. Its new messages are held until it is enabled.
    EndpointDisabled {
        endpoint: i64,
        url: String,
        reason: String,
    },
    /// The endpoint sends again (what was held goes out, unless skipped).
    EndpointEnabled {
        endpoint: i64,
    },
    /// Endpoints, messages or settings changed through this engine (a view may be stale).
    Changed {
        what: ChangedArea,
    },
    /// A model download moved on.
    ModelDownload {
        name: String,
        downloaded: u64,
        total: Option<u64>,
        state: DownloadState,
        error: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangedArea {
    Endpoints,
    Deliveries,
    Folders,
    Models,
    Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DownloadState {
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl From<JobEvent> for EngineEvent {
    fn from(event: JobEvent) -> Self {
        match event {
            JobEvent::Started { job, path } => Self::JobStarted { job, path },
            JobEvent::Progress {
                job,
                stage,
                percent,
                eta_seconds,
            } => Self::JobProgress {
                job,
                stage,
                percent,
                eta_seconds,
            },
            JobEvent::Completed {
                job,
                transcript,
                duplicate_of,
            } => Self::JobCompleted {
                job,
                transcript,
                duplicate_of,
            },
            JobEvent::Failed { job, error } => Self::JobFailed { job, error },
            JobEvent::Cancelled { job } => Self::JobCancelled { job },
        }
    }
}

impl From<DeliveryEvent> for EngineEvent {
    fn from(event: DeliveryEvent) -> Self {
        match event {
            DeliveryEvent::Attempted {
                message,
                endpoint,
                job,
                status,
                response_status,
                summary,
            } => Self::DeliveryAttempted {
                message,
                endpoint,
                job,
                status,
                response_status,
                summary,
            },
            DeliveryEvent::EndpointDisabled {
                endpoint,
                url,
                reason,
            } => Self::EndpointDisabled {
                endpoint,
                url,
                reason,
            },
        }
    }
}

impl From<FolderEvent> for EngineEvent {
    fn from(event: FolderEvent) -> Self {
        Self::FolderStatus {
            folder: event.folder,
            state: event.state,
            waiting: event.waiting,
        }
    }
}

/// The sending side of the stream, shared by everything that reports.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<EngineEvent>,
}

impl Default for Events {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self { sender }
    }
}

impl Events {
    pub fn send(&self, event: impl Into<EngineEvent>) {
        // No subscriber is fine: events are a live view.
        let _ = self.sender.send(event.into());
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.sender.subscribe()
    }
}
