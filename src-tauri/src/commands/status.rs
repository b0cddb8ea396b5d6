use hookscribe::engine::EngineStatus;
use tauri::State;

use super::{blocking, Reply};
use crate::AppEngine;

/// Version, data folder, default model, queue and webhook counts.
#[tauri::command]
pub async fn engine_status(state: State<'_, AppEngine>) -> Reply<EngineStatus> {
    blocking(state, |engine| engine.status()).await
}
