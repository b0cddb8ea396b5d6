use hookscribe::engine::EngineError;
use tauri::State;

use super::{blocking, Reply};
use crate::instance::Refusals;
use crate::media::{Media, MediaServer};
use crate::AppEngine;

/// Why files handed to the app (a launch with files, "Open with") could not be queued,
/// since the window last asked.
#[tauri::command]
pub fn app_refusals(refusals: State<'_, Refusals>) -> Vec<EngineError> {
    refusals.take()
}

/// Where the window plays a job's recording from (see `media.rs`).
#[derive(serde::Serialize)]
pub struct Playback {
    pub url: String,
}

/// Lets the window play a job's recording: only recordings asked for this way are
/// reachable through the media server, each under its own unguessable URL.
#[tauri::command]
pub async fn jobs_media(
    state: State<'_, AppEngine>,
    media: State<'_, Media>,
    id: i64,
) -> Reply<Playback> {
    let recording = blocking(state, move |engine| engine.jobs().recording(id)).await?;
    let server = media
        .get_or_try_init(MediaServer::start)
        .await
        .map_err(|e| {
            EngineError::internal(format!("cannot start the player's media server: {e}"))
        })?;
    let url = server
        .url_for(&recording)
        .map_err(|e| EngineError::internal(format!("cannot play {}: {e}", recording.display())))?;
    Ok(Playback { url })
}
