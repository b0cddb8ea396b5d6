//! The local HTTP API (docs/API.md): OpenAI-compatible transcription, jobs with per-job
//! webhooks, live events over SSE. A front end like the CLI and the window: each route
//! is a thin adapter over an engine service, served by the same engine as the app and
//! `hookscribe run`.
//!
//! [`Api`] keeps a server running as the settings say (`api.enabled`, `api.host`,
//! `api.port`, `api.max_upload_mb`), restarting it when they change:
//!
//! ```no_run
//! use hookscribe::api::{Api, Mode};
//! use hookscribe::engine::Engine;
//!
//! let engine = Engine::open_default()?;
//! let api = Api::start(&engine, Mode::Always)?;
//! println!("{:?}", api.status());
//! # Ok::<(), hookscribe::engine::EngineError>(())
//! ```

mod auth;
mod error;
mod events;
mod jobs;
mod openai;
mod upload;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::{ChangedArea, Engine, EngineError, EngineEvent};
use error::{ApiError, ApiResult};
use events::{EventLog, Numbered};

pub use crate::engine::ApiServerStatus as ApiStatus;

/// How often the settings are read again for changes made by other processes.
const SETTINGS_RECHECK: Duration = Duration::from_secs(3);

/// Whether the settings decide, or the server runs regardless (`hookscribe run --api`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    FromSettings,
    Always,
}

/// The local API, kept as the settings say until stopped (or dropped).
pub struct Api {
    runtime: Option<tokio::runtime::Runtime>,
    stop: CancellationToken,
    status: Arc<Mutex<ApiStatus>>,
}

impl Api {
    /// Starts serving if the settings (or `mode`) say so, and follows the settings from
    /// then on. The first start is done when this returns: [`Api::status`] tells whether
    /// the server listens.
    pub fn start(engine: &Engine, mode: Mode) -> Result<Self, EngineError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("api")
            .enable_all()
            .build()
            .map_err(|e| EngineError::internal(format!("cannot start the API's threads: {e}")))?;
        let stop = CancellationToken::new();
        let status = Arc::new(Mutex::new(ApiStatus::Off));
        let mut supervisor = Supervisor {
            engine: engine.clone(),
            mode,
            current: None,
            status: status.clone(),
        };
        // Subscribed before the first look at the settings, so no change is missed.
        let mut events = engine.subscribe();
        runtime.block_on(supervisor.apply());
        let stopped = stop.clone();
        runtime.spawn(async move {
            // Settings changed by another process (`hookscribe config set` beside the app)
            // send no event here: they are read again now and then.
            let mut recheck = tokio::time::interval(SETTINGS_RECHECK);
            recheck.tick().await;
            loop {
                tokio::select! {
                    _ = stopped.cancelled() => break,
                    _ = recheck.tick() => supervisor.apply().await,
                    received = events.recv() => match received {
                        Ok(EngineEvent::Changed { what: ChangedArea::Settings })
                        | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            supervisor.apply().await;
                        }
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    },
                }
            }
            supervisor.stop_server().await;
        });
        Ok(Self {
            runtime: Some(runtime),
            stop,
            status,
        })
    }

    pub fn status(&self) -> ApiStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the server: open event streams end, requests in flight get a moment.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.stop.cancel();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(3));
        }
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// How a server is set up; a change means a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setup {
    address: SocketAddr,
    max_upload: u64,
    base_url: String,
}

struct Running {
    setup: Setup,
    stop: CancellationToken,
    served: tokio::task::JoinHandle<()>,
}

struct Supervisor {
    engine: Engine,
    mode: Mode,
    current: Option<Running>,
    status: Arc<Mutex<ApiStatus>>,
}

impl Supervisor {
    /// Records the status; says so in the log when it changed (a port that stays taken is
    /// tried again at every recheck, and logged once).
    fn set_status(&self, status: ApiStatus) {
        let mut current = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if *current == status {
            return;
        }
        match &status {
            ApiStatus::Off => tracing::info!("the local API is off"),
            ApiStatus::Listening { url } => tracing::info!(%url, "the local API is listening"),
            ApiStatus::Failed { error } => tracing::error!(%error, "the local API cannot start"),
        }
        *current = status;
    }

    /// Makes the server match the settings.
    async fn apply(&mut self) {
        let engine = self.engine.clone();
        let info = match tokio::task::spawn_blocking(move || engine.api().info()).await {
            Ok(Ok(info)) => info,
            Ok(Err(error)) => {
                return self.set_status(ApiStatus::Failed {
                    error: error.message,
                })
            }
            Err(error) => {
                return self.set_status(ApiStatus::Failed {
                    error: error.to_string(),
                })
            }
        };
        if !(info.enabled || self.mode == Mode::Always) {
            self.stop_server().await;
            return self.set_status(ApiStatus::Off);
        }
        let address = match info.host.parse::<std::net::IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, info.port),
            Err(e) => {
                return self.set_status(ApiStatus::Failed {
                    error: format!("api.host `{}` is not an address: {e}", info.host),
                })
            }
        };
        let setup = Setup {
            address,
            max_upload: info.max_upload_bytes,
            base_url: info.url.clone(),
        };
        if self.current.as_ref().is_some_and(|r| r.setup == setup) {
            return;
        }
        self.stop_server().await;
        match serve(&self.engine, setup).await {
            Ok(running) => {
                if !info.loopback_only {
                    tracing::warn!(address = %running.setup.address,
                        "the local API listens beyond this computer: anyone on the network with the token can use it");
                }
                self.current = Some(running);
                self.set_status(ApiStatus::Listening { url: info.url });
            }
            Err(error) => self.set_status(ApiStatus::Failed { error }),
        }
    }

    async fn stop_server(&mut self) {
        if let Some(running) = self.current.take() {
            running.stop.cancel();
            let mut served = running.served;
            // Requests in flight get a moment; then they are dropped.
            if tokio::time::timeout(Duration::from_secs(3), &mut served)
                .await
                .is_err()
            {
                served.abort();
            }
        }
    }
}

/// Binds and serves until the setup's stop token is cancelled.
async fn serve(engine: &Engine, setup: Setup) -> Result<Running, String> {
    // Made on first use, so Settings can show it as soon as the API is on.
    let made = {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || engine.api().token().map_err(|e| e.message)).await
    };
    match made {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => return Err(format!("cannot make the API token: {error}")),
        Err(error) => return Err(format!("cannot make the API token: {error}")),
    }
    let listener = tokio::net::TcpListener::bind(setup.address)
        .await
        .map_err(|e| listen_error(setup.address, &e))?;
    let stop = CancellationToken::new();
    let state = AppState {
        engine: engine.clone(),
        log: EventLog::start(engine, stop.clone()),
        uploads: engine.home().uploads_dir(),
        max_upload: setup.max_upload,
        base_url: setup.base_url.clone(),
    };
    let app = router(state);
    let stopped = stop.clone();
    let served = tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(stopped.cancelled_owned());
        if let Err(error) = serving.await {
            tracing::error!(%error, "the local API stopped with an error");
        }
    });
    Ok(Running {
        setup,
        stop,
        served,
    })
}

fn listen_error(address: SocketAddr, error: &std::io::Error) -> String {
    let hint = match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            "; another program uses that port: choose another with `hookscribe config set api.port N` (or in Settings)"
        }
        std::io::ErrorKind::AddrNotAvailable => "; this computer has no such address (api.host)",
        std::io::ErrorKind::PermissionDenied => "; ports below 1024 need privileges: choose a higher api.port",
        _ => "",
    };
    format!("cannot listen on {address}: {error}{hint}")
}

/// What every handler gets.
#[derive(Clone)]
pub(crate) struct AppState {
    engine: Engine,
    log: Arc<EventLog>,
    /// Where uploads are written (the data folder's `uploads`).
    uploads: PathBuf,
    max_upload: u64,
    /// `http://127.0.0.1:8178`: links in answers start with it.
    base_url: String,
}

/// Runs a synchronous engine call off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    call: impl FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
) -> ApiResult<T> {
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || call(&engine))
        .await
        .map_err(|e| ApiError::internal(format!("the request stopped: {e}")))?
        .map_err(ApiError::from)
}

fn router(state: AppState) -> Router {
    // The upload routes count the bytes themselves (413 past the setting); this only
    // leaves room for the form around the file.
    let body_limit =
        usize::try_from(state.max_upload.saturating_add(1024 * 1024)).unwrap_or(usize::MAX);
    Router::new()
        .route("/v1/audio/transcriptions", post(openai::transcriptions))
        .route("/v1/audio/translations", post(openai::translations))
        .route("/v1/models", get(openai::models))
        .route("/v1/jobs", post(jobs::create).get(jobs::list))
        .route("/v1/jobs/{id}", get(jobs::show).delete(jobs::delete))
        .route("/v1/jobs/{id}/events", get(job_stream))
        .route("/v1/jobs/{id}/transcript", get(jobs::job_transcript))
        .route("/v1/transcripts/{id}", get(jobs::transcript))
        .route("/v1/deliveries", get(jobs::deliveries))
        .route("/v1/events", get(all_stream))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(middleware::map_response(errors_as_json))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; docs/API.md lists them",
    )
}

/// Axum's own refusals (a path that is not a number, a bad query, a wrong method) are
/// plain text: every failure is JSON here.
async fn errors_as_json(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "upload_too_large",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "invalid_request",
    };
    let mut json = ApiError::new(status, code, message).into_response();
    // Keep what the refusal said about itself (`Allow`, `WWW-Authenticate`).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

/// `GET /v1/jobs/{id}/events`: the job's events as Server-Sent Events, ending with the
/// one that finishes it. Resumable with `Last-Event-ID`.
async fn job_stream(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    blocking(&state, move |engine| engine.jobs().get(id)).await?;
    let events = events::job_events(
        state.engine.clone(),
        state.log.clone(),
        id,
        jobs::last_event_id(&headers),
    );
    Ok(sse(events))
}

/// `GET /v1/events`: everything that happens, for dashboards.
async fn all_stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    sse(events::all_events(
        state.log.clone(),
        jobs::last_event_id(&headers),
    ))
}

fn sse(events: mpsc::Receiver<Numbered>) -> Response {
    let stream = event_stream(events);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // Proxies must not buffer a stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn event_stream(events: mpsc::Receiver<Numbered>) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(events, |mut events| async move {
        let numbered = events.recv().await?;
        let event = Event::default()
            .id(numbered.id.to_string())
            .event(numbered.name)
            .data(numbered.data.to_string());
        Some((Ok(event), events))
    })
}
