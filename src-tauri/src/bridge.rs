//! The one bridge from the engine's event stream to the window: every event goes out as
//! `engine-event` (its `type` says what happened). A window that fell behind gets
//! `engine-lagged` and reads its views again.

use hookscribe::engine::EngineEvent;
use tauri::Emitter;
use tokio::sync::broadcast::{error::RecvError, Receiver};

pub const EVENT: &str = "engine-event";
pub const LAGGED: &str = "engine-lagged";

pub fn forward_events(app: tauri::AppHandle, mut events: Receiver<EngineEvent>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let sent = match events.recv().await {
                Ok(event) => app.emit(EVENT, &event),
                Err(RecvError::Lagged(missed)) => app.emit(LAGGED, missed),
                Err(RecvError::Closed) => return,
            };
            if let Err(error) = sent {
                tracing::warn!(%error, "cannot tell the window about an engine event");
            }
        }
    });
}
