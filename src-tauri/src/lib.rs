//! The desktop shell. Thin by design: every command forwards to the `hookscribe` engine
//! and converts its errors to strings for the UI; no business logic lives here.
//!
//! The window embeds the same engine as `hookscribe run`: the job queue and the folder
//! watcher start with the app and stop (returning running jobs to the queue) when it exits.

use std::sync::Mutex;

use hookscribe::home::Home;
use hookscribe::jobs::{Runner, RunnerConfig};
use hookscribe::store::webhooks::DeliverySummary;
use hookscribe::store::Store;
use hookscribe::watch::FolderWatcher;
use hookscribe::webhooks::{DeliveryEvent, Dispatcher, DispatcherConfig};
use hookscribe::EngineStatus;
use tauri::{Emitter, Manager};

/// Version, data folder and default model, for the window's status card.
#[tauri::command]
fn engine_status() -> Result<EngineStatus, String> {
    let home = Home::from_env().map_err(|e| e.to_string())?;
    hookscribe::engine_status(&home).map_err(|e| e.to_string())
}

/// Endpoints disabled now (by the engine or by the user), for the window's banners when
/// it opens: an endpoint may have been disabled while the window was closed.
#[tauri::command]
fn disabled_endpoints() -> Result<Vec<DeliveryEvent>, String> {
    let home = Home::from_env().map_err(|e| e.to_string())?;
    let store = Store::open(&home.database_path()).map_err(|e| e.to_string())?;
    let endpoints = store.endpoints().map_err(|e| e.to_string())?;
    Ok(endpoints
        .into_iter()
        .filter_map(|endpoint| {
            endpoint
                .disabled
                .map(|disabled| DeliveryEvent::EndpointDisabled {
                    endpoint: endpoint.id,
                    url: endpoint.settings.url,
                    reason: disabled.reason,
                })
        })
        .collect())
}

/// Endpoints and deliveries at a glance, for the window's Webhooks card.
#[tauri::command]
fn webhook_summary() -> Result<DeliverySummary, String> {
    let home = Home::from_env().map_err(|e| e.to_string())?;
    let store = Store::open(&home.database_path()).map_err(|e| e.to_string())?;
    store.delivery_summary().map_err(|e| e.to_string())
}

/// The background engine, owned by the app for its lifetime.
struct Parts {
    runner: Runner,
    watcher: FolderWatcher,
    dispatcher: Dispatcher,
}

#[derive(Default)]
struct Engine(Mutex<Option<Parts>>);

/// The window's event for an endpoint the engine disabled (the UI shows a banner).
const ENDPOINT_DISABLED_EVENT: &str = "webhook-endpoint-disabled";
/// The window's event after every delivery attempt (the UI refreshes its counts).
const ATTEMPT_EVENT: &str = "webhook-attempt";

fn start_engine(app: &tauri::AppHandle) -> Result<Parts, String> {
    let home = Home::from_env().map_err(|e| e.to_string())?;
    let program = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to start workers: {e}"))?;
    let runner =
        Runner::start(RunnerConfig::new(home.clone(), program)).map_err(|e| e.to_string())?;
    let watcher = FolderWatcher::start(home.clone(), runner.waker()).map_err(|e| e.to_string())?;
    let dispatcher = Dispatcher::start(DispatcherConfig::new(home)).map_err(|e| e.to_string())?;
    dispatcher.follow(runner.subscribe());
    forward_delivery_events(app.clone(), dispatcher.subscribe());
    Ok(Parts {
        runner,
        watcher,
        dispatcher,
    })
}

/// Tells the window about delivery attempts and endpoints disabled automatically.
fn forward_delivery_events(
    app: tauri::AppHandle,
    mut events: tokio::sync::broadcast::Receiver<DeliveryEvent>,
) {
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let name = match event {
                DeliveryEvent::Attempted { .. } => ATTEMPT_EVENT,
                DeliveryEvent::EndpointDisabled { .. } => ENDPOINT_DISABLED_EVENT,
            };
            if let Err(error) = app.emit(name, &event) {
                tracing::warn!(%error, name, "cannot tell the window about a delivery");
            }
        }
    });
}

pub fn run() {
    let filter =
        std::env::var("HOOKSCRIBE_LOG").unwrap_or_else(|_| "info,whisper_rs=warn".to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
    tracing::info!(
        version = hookscribe::version(),
        "starting Hookscribe desktop"
    );
    let app = tauri::Builder::default()
        .manage(Engine::default())
        .setup(|app| {
            match start_engine(app.handle()) {
                Ok(engine) => {
                    *app.state::<Engine>()
                        .0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = Some(engine)
                }
                // The window still opens and shows the engine status (and its error).
                Err(error) => tracing::error!(%error, "the job queue could not start"),
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            engine_status,
            disabled_endpoints,
            webhook_summary
        ])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "the window could not start");
            eprintln!("error: Hookscribe could not start its window: {error}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            let engine = handle
                .state::<Engine>()
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(parts) = engine {
                parts.watcher.stop();
                parts.runner.shutdown();
                parts.dispatcher.shutdown();
            }
        }
    });
}
