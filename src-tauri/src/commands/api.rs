//! The local API card in Settings: where the API listens, whether it runs, its token.

use hookscribe::engine::{ApiInfo, ApiServerStatus};
use serde::Serialize;
use tauri::State;

use super::{blocking, Reply};
use crate::{AppApi, AppEngine};

/// The API as configured, and what the server in this app is doing.
#[derive(Debug, Serialize)]
pub struct ApiOverview {
    pub info: ApiInfo,
    pub status: ApiServerStatus,
}

#[tauri::command]
pub async fn api_overview(
    state: State<'_, AppEngine>,
    api: State<'_, AppApi>,
) -> Reply<ApiOverview> {
    let status = api.status();
    let info = blocking(state, |engine| engine.api().info()).await?;
    Ok(ApiOverview { info, status })
}

/// The bearer token (made if there is none), for the reveal and copy buttons.
#[tauri::command]
pub async fn api_token(state: State<'_, AppEngine>) -> Reply<String> {
    blocking(state, |engine| engine.api().token()).await
}

#[tauri::command]
pub async fn api_regenerate_token(state: State<'_, AppEngine>) -> Reply<String> {
    blocking(state, |engine| engine.api().regenerate_token()).await
}
