//! The engine facade: one data folder, its background parts, its services and its event
//! stream. The CLI, the desktop shell and the local API are thin adapters over this.
//!
//! ```no_run
//! use hookscribe::engine::{Engine, JobQuery};
//!
//! let engine = Engine::open_default()?;
//! let mut events = engine.subscribe();
//! for job in engine.jobs().list(&JobQuery::default())?.items {
//!     println!("{} {:?} {}", job.id, job.status, job.path);
//! }
//! # let _ = events.try_recv();
//! # Ok::<(), hookscribe::engine::EngineError>(())
//! ```
//!
//! Services take a request struct (or a few plain arguments) and return views: plain
//! serializable data, the same shape whether the CLI prints it with `--json`, the window
//! shows it or the API returns it. Secrets never appear in a view unless a service was
//! asked to reveal one. Errors carry an [`ErrorKind`]; each front end adds its own hint.

mod api;
mod background;
pub mod bindings;
mod deliveries;
mod endpoints;
mod error;
mod events;
mod folders;
mod jobs;
mod models;
mod settings;
mod status;
mod transcribe;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::home::Home;
use hookscribe_store::{Store, StoreError};

pub use crate::asr::TranscribeOptions;
pub use crate::cancel::CancelFlag;
pub use crate::export::Format as ExportFormat;
pub use crate::models::Languages;
pub use crate::pipeline::Stage;
pub use crate::watch::{After, FolderOptions, FolderState};
pub use crate::webhooks::payload::{EventType, Format as BodyFormat};
pub use api::{ApiAccess, ApiInfo, ApiServerStatus, RecordingInfo};
pub use background::BackgroundConfig;
pub use deliveries::{
    parse_message_status, AttemptView, Deliveries, DeliveryQuery, DeliverySummary, MessageDetail,
    MessageView,
};
pub use endpoints::{
    DisabledView, Enabled, EndpointCreated, EndpointHealth, EndpointPatch, EndpointRequest,
    EndpointView, Endpoints, HeaderRequest, HeaderView, RemovedEndpoint, SecretRotated, TestReport,
};
pub use error::{EngineError, ErrorKind, Subject};
pub use events::{ChangedArea, DownloadState, EngineEvent};
pub use folders::{FolderRequest, FolderView, Folders};
pub use hookscribe_store::jobs::{JobStatus, Origin};
pub use hookscribe_store::messages::MessageStatus;
pub use jobs::{
    parse_status, AddJobs, AddedJobs, DeletedJob, JobDetail, JobQuery, JobView, JobWebhook, Jobs,
    SearchHitView, SearchQuery, SnippetPart, TranscriptView,
};
pub use models::{
    is_vad_source, DownloadRequest, ImportRequest, InstalledModel, ModelListing, Models, VadModel,
    VAD_NAME,
};
pub use settings::{SettingValue, Settings};
pub use status::EngineStatus;
pub use transcribe::{Prepared, Transcriber};

/// Unix milliseconds now (what every `*_at` field in a view counts in).
pub use hookscribe_types::time::{now_ms, parse_rfc3339_ms, rfc3339_ms};
pub use hookscribe_types::{Segment, Transcript, Word};

/// The `hookscribe worker` subprocess: serves transcription requests on stdin/stdout
/// until stdin closes (started by the queue in the same binary, never by hand).
pub fn serve_worker() -> std::io::Result<()> {
    crate::jobs::worker_process::serve()
}

/// One page of a list, and where it sits in the whole.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match, over all pages.
    pub total: i64,
    pub offset: usize,
    pub limit: usize,
}

/// The longest page a list returns.
pub const MAX_PAGE: usize = 1000;
/// A page's length when the request does not say.
pub const DEFAULT_PAGE: usize = 50;

fn page_limit(limit: Option<usize>) -> usize {
    match limit {
        None | Some(0) => DEFAULT_PAGE,
        Some(n) => n.min(MAX_PAGE),
    }
}

/// A data folder, opened: its database, its background parts once started, and its
/// event stream. Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    home: Home,
    /// One connection for the services; the background parts open their own.
    store: Mutex<Store>,
    events: events::Events,
    /// Runs webhook sends, downloads and the dispatcher.
    runtime: Option<tokio::runtime::Runtime>,
    background: Mutex<Option<background::Background>>,
    downloads: Mutex<HashMap<String, CancellationToken>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(background) = self
            .background
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            background.stop();
        }
        // Dropping a runtime inside another runtime's context panics; this never blocks.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Engine {
    /// Opens (creating if needed) the data folder's database. Starts nothing.
    pub fn open(home: Home) -> Result<Self, EngineError> {
        let store = Store::open(&home.database_path())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("engine")
            .enable_all()
            .build()
            .map_err(|e| {
                EngineError::internal(format!("cannot start the engine's threads: {e}"))
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                home,
                store: Mutex::new(store),
                events: events::Events::default(),
                runtime: Some(runtime),
                background: Mutex::new(None),
                downloads: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Opens the data folder `HOOKSCRIBE_HOME` names, or the platform's.
    pub fn open_default() -> Result<Self, EngineError> {
        Self::open(Home::from_env()?)
    }

    pub fn home(&self) -> &Home {
        &self.inner.home
    }

    /// Every event from now on, in order.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    /// Starts the queue, the folder watcher and the webhook dispatcher (what `hookscribe
    /// run` and the desktop app do). Starting twice is an error.
    pub fn start(&self, config: BackgroundConfig) -> Result<(), EngineError> {
        let mut background = self.background();
        if background.is_some() {
            return Err(EngineError::conflict("the engine is already running"));
        }
        *background = Some(background::Background::start(self, config)?);
        Ok(())
    }

    /// Whether the background parts run in this process.
    pub fn is_running(&self) -> bool {
        self.background().is_some()
    }

    /// Stops the background parts: the watcher, then the queue (running jobs go back to
    /// the queue), then the dispatcher (sends in flight are released for the next start).
    pub fn shutdown(&self) {
        let background = self.background().take();
        if let Some(background) = background {
            background.stop();
        }
    }

    /// Runs an async service call to completion from synchronous code (the CLI). Not for
    /// use inside an async runtime: there, await the call.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }

    pub fn jobs(&self) -> Jobs<'_> {
        Jobs { engine: self }
    }

    pub fn folders(&self) -> Folders<'_> {
        Folders { engine: self }
    }

    pub fn endpoints(&self) -> Endpoints<'_> {
        Endpoints { engine: self }
    }

    pub fn deliveries(&self) -> Deliveries<'_> {
        Deliveries { engine: self }
    }

    pub fn models(&self) -> Models<'_> {
        Models { engine: self }
    }

    /// The local API's address and token.
    pub fn api(&self) -> ApiAccess<'_> {
        ApiAccess { engine: self }
    }

    pub fn settings(&self) -> Settings<'_> {
        Settings { engine: self }
    }

    /// Transcription here and now, outside the queue (`hookscribe transcribe`).
    pub fn transcriber(&self) -> Transcriber<'_> {
        Transcriber { engine: self }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.inner.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `call` with the services' connection; store errors become engine errors.
    fn with_store<T>(
        &self,
        call: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, EngineError> {
        Ok(call(&mut self.store())?)
    }

    fn background(&self) -> MutexGuard<'_, Option<background::Background>> {
        self.inner
            .background
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        // Present until the last handle is dropped.
        self.inner
            .runtime
            .as_ref()
            .expect("the engine's runtime lives as long as the engine")
    }

    fn emit(&self, event: impl Into<EngineEvent>) {
        self.inner.events.send(event);
    }

    /// Tells the queue that jobs were added (if it runs here; other processes notice
    /// the database).
    fn wake_queue(&self) {
        if let Some(background) = self.background().as_ref() {
            background.wake_queue();
        }
    }

    /// Tells the dispatcher that messages are due (if it runs here).
    fn wake_dispatcher(&self) {
        if let Some(background) = self.background().as_ref() {
            background.wake_dispatcher();
        }
    }

    fn folder_status(&self) -> Option<HashMap<i64, crate::watch::FolderEvent>> {
        self.background().as_ref().map(|b| b.folder_status())
    }

    /// Where the `hookscribe` binary is, for workers started by the queue.
    pub fn current_program() -> Result<PathBuf, EngineError> {
        std::env::current_exe().map_err(|e| {
            EngineError::internal(format!("cannot find this program to start workers: {e}"))
        })
    }
}

/// Whether `name` is a model in the download catalog.
pub fn in_catalog(name: &str) -> bool {
    crate::models::catalog::find(name).is_some()
}
