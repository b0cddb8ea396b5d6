//! Settings the shell carries out itself: start at login follows `app.start_at_login`
//! (checked at start and whenever settings change).

use hookscribe::engine::{ChangedArea, Engine, EngineEvent};
use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::ManagerExt;
use tokio::sync::broadcast::error::RecvError;

pub fn follow<R: Runtime>(app: AppHandle<R>, engine: Engine) {
    apply(&app, &engine);
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(EngineEvent::Changed {
                    what: ChangedArea::Settings,
                }) => apply(&app, &engine),
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}

fn apply<R: Runtime>(app: &AppHandle<R>, engine: &Engine) {
    let wanted = engine
        .settings()
        .get("app.start_at_login")
        .map(|s| s.value == "true")
        .unwrap_or(false);
    let launcher = app.autolaunch();
    let enabled = launcher.is_enabled().unwrap_or(false);
    let result = match (wanted, enabled) {
        (true, false) => launcher.enable(),
        (false, true) => launcher.disable(),
        _ => Ok(()),
    };
    if let Err(error) = result {
        tracing::warn!(%error, "cannot change start at login");
    }
}
