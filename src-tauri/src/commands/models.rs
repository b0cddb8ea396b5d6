use hookscribe::engine::{DownloadRequest, ImportRequest, InstalledModel, ModelListing};
use tauri::State;

use super::{blocking, Reply};
use crate::AppEngine;

#[tauri::command]
pub async fn models_list(state: State<'_, AppEngine>) -> Reply<Vec<ModelListing>> {
    blocking(state, |engine| engine.models().list()).await
}

/// Downloads a catalog model; progress arrives as `model_download` events.
#[tauri::command]
pub async fn models_download(
    state: State<'_, AppEngine>,
    request: DownloadRequest,
) -> Reply<InstalledModel> {
    let engine = state.get()?;
    engine.models().download(&request, |_, _| {}).await
}

#[tauri::command]
pub async fn models_cancel_download(state: State<'_, AppEngine>, name: String) -> Reply<bool> {
    blocking(state, move |engine| {
        Ok(engine.models().cancel_download(&name))
    })
    .await
}

#[tauri::command]
pub async fn models_import(
    state: State<'_, AppEngine>,
    request: ImportRequest,
) -> Reply<InstalledModel> {
    blocking(state, move |engine| engine.models().import(&request)).await
}

#[tauri::command]
pub async fn models_set_default(state: State<'_, AppEngine>, name: String) -> Reply<String> {
    blocking(state, move |engine| engine.models().set_default(&name)).await
}

#[tauri::command]
pub async fn models_remove(state: State<'_, AppEngine>, name: String) -> Reply<String> {
    blocking(state, move |engine| {
        engine
            .models()
            .remove(&name)
            .map(|path| path.display().to_string())
    })
    .await
}
