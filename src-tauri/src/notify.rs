//! System notifications when a transcription completes or fails, while the window is not
//! in front (the `app.notifications` setting turns them off).

use hookscribe::engine::{Engine, EngineEvent};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

pub fn follow<R: Runtime>(app: AppHandle<R>, engine: Engine) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let (job, failed) = match &event {
                EngineEvent::JobCompleted { job, .. } => (*job, None),
                EngineEvent::JobFailed { job, error } => (*job, Some(error.clone())),
                _ => continue,
            };
            if !wanted(&app, &engine) {
                continue;
            }
            let name = engine
                .jobs()
                .get(job)
                .map(|j| j.file_name)
                .unwrap_or_else(|_| format!("job {job}"));
            let (title, body) = match failed {
                None => ("Transcribed".to_string(), name),
                Some(error) => (format!("Could not transcribe {name}"), error),
            };
            if let Err(error) = app.notification().builder().title(title).body(body).show() {
                tracing::debug!(%error, "no system notification");
            }
        }
    });
}

/// Notifications are on, and the user is not looking at the window.
fn wanted<R: Runtime>(app: &AppHandle<R>, engine: &Engine) -> bool {
    let on = engine
        .settings()
        .get("app.notifications")
        .map(|s| s.value == "true")
        .unwrap_or(true);
    let focused = app
        .get_webview_window(crate::window::MAIN)
        .and_then(|w| Some(w.is_visible().ok()? && w.is_focused().ok()?))
        .unwrap_or(false);
    on && !focused
}
