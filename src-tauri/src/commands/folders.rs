use hookscribe::engine::{FolderOptions, FolderRequest, FolderView};
use tauri::State;

use super::{blocking, Reply};
use crate::AppEngine;

#[tauri::command]
pub async fn folders_list(state: State<'_, AppEngine>) -> Reply<Vec<FolderView>> {
    blocking(state, |engine| engine.folders().list()).await
}

#[tauri::command]
pub async fn folders_get(state: State<'_, AppEngine>, id: i64) -> Reply<FolderView> {
    blocking(state, move |engine| engine.folders().get(id)).await
}

#[tauri::command]
pub async fn folders_add(state: State<'_, AppEngine>, request: FolderRequest) -> Reply<FolderView> {
    blocking(state, move |engine| engine.folders().add(&request)).await
}

#[tauri::command]
pub async fn folders_update(
    state: State<'_, AppEngine>,
    id: i64,
    options: FolderOptions,
) -> Reply<FolderView> {
    blocking(state, move |engine| engine.folders().update(id, &options)).await
}

#[tauri::command]
pub async fn folders_remove(state: State<'_, AppEngine>, id: i64) -> Reply<FolderView> {
    blocking(state, move |engine| engine.folders().remove(id)).await
}

#[tauri::command]
pub async fn folders_set_paused(
    state: State<'_, AppEngine>,
    id: i64,
    paused: bool,
) -> Reply<FolderView> {
    blocking(state, move |engine| engine.folders().set_paused(id, paused)).await
}

/// Pauses or resumes every folder at once (what the tray's "Pause watching" does).
#[tauri::command]
pub async fn folders_pause_all(state: State<'_, AppEngine>, paused: bool) -> Reply<bool> {
    blocking(state, move |engine| {
        engine.folders().pause_all(paused)?;
        engine.folders().all_paused()
    })
    .await
}
