//! One Hookscribe per user: a second launch (`hookscribe-desktop FILE...`, "Open with
//! Hookscribe" in a file manager) hands its files to the running app, which queues them
//! and comes to the front, and then exits.

use std::path::{Path, PathBuf};

use std::sync::Mutex;

use hookscribe::engine::{AddJobs, Engine, EngineError};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::AppEngine;

pub fn single_instance<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        // One instance per data folder: two profiles (HOOKSCRIBE_HOME) may run side by side.
        .dbus_id(bus_name())
        .callback(|app: &AppHandle<R>, argv: Vec<String>, cwd: String| {
            tracing::info!(?argv, "another launch handed over");
            crate::window::show(app);
            if let Ok(engine) = app.state::<AppEngine>().get() {
                let result =
                    queue_arguments(&engine, argv.into_iter().skip(1), Some(Path::new(&cwd)));
                report(app, result);
            }
        })
        .build()
}

/// The D-Bus name that identifies this user's app for this data folder.
fn bus_name() -> String {
    let home = std::env::var("HOOKSCRIBE_HOME").unwrap_or_default();
    if home.is_empty() {
        return "app.hookscribe.desktop".into();
    }
    // A name element must be letters, digits and underscores, not starting with a digit.
    let digest: String = home
        .bytes()
        .fold(0xcbf29ce484222325u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3)
        })
        .to_string();
    format!("app.hookscribe.desktop.home_{digest}")
}

/// Why files handed to the app could not be queued, kept until the window asks: the
/// first launch queues its files before the window listens.
#[derive(Default)]
pub struct Refusals(Mutex<Vec<EngineError>>);

impl Refusals {
    pub fn take(&self) -> Vec<EngineError> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The window's event for files the app could not queue (payload: `EngineError`).
pub const REFUSED_EVENT: &str = "handover-refused";

/// Tells the window (now, and when it next asks) why handed-over files were refused.
pub fn report<R: Runtime>(app: &AppHandle<R>, result: Result<(), EngineError>) {
    let Err(error) = result else { return };
    let _ = app.emit(REFUSED_EVENT, &error);
    app.state::<Refusals>()
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(error);
}

/// Queues the files among `arguments` (flags are skipped), relative ones against `cwd`.
pub fn queue_arguments(
    engine: &Engine,
    arguments: impl Iterator<Item = String>,
    cwd: Option<&Path>,
) -> Result<(), EngineError> {
    let paths: Vec<PathBuf> = arguments
        .filter(|a| !a.starts_with("--") && a != "worker")
        .map(PathBuf::from)
        .map(|path| match cwd {
            Some(cwd) if path.is_relative() => cwd.join(path),
            _ => path,
        })
        .collect();
    if paths.is_empty() {
        return Ok(());
    }
    let request = AddJobs {
        paths,
        ..AddJobs::default()
    };
    match engine.jobs().add(&request) {
        Ok(jobs) => {
            tracing::info!(queued = jobs.len(), "files handed to the app were queued");
            Ok(())
        }
        Err(error) => {
            tracing::warn!(%error, "files handed to the app could not be queued");
            Err(error)
        }
    }
}
