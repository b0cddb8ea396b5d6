use hookscribe::engine::{EngineError, JobView};
use tauri::{AppHandle, Manager, State};

use super::{blocking, Reply};
use crate::instance::Refusals;
use crate::AppEngine;

/// Why files handed to the app (a launch with files, "Open with") could not be queued,
/// since the window last asked.
#[tauri::command]
pub fn app_refusals(refusals: State<'_, Refusals>) -> Vec<EngineError> {
    refusals.take()
}

/// Lets the window play a job's recording: its path joins the asset protocol's scope
/// (nothing else is reachable through it) and comes back for `convertFileSrc`.
#[tauri::command]
pub async fn jobs_media(app: AppHandle, state: State<'_, AppEngine>, id: i64) -> Reply<JobView> {
    let job = blocking(state, move |engine| engine.jobs().get(id)).await?;
    app.asset_protocol_scope()
        .allow_file(&job.path)
        .map_err(|e| EngineError::internal(format!("cannot play {}: {e}", job.path)))?;
    Ok(job)
}
