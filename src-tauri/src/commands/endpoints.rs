use std::time::Duration;

use hookscribe::engine::{
    Enabled, EndpointCreated, EndpointPatch, EndpointRequest, EndpointView, RemovedEndpoint,
    SecretRotated, TestReport,
};
use tauri::State;

use super::{blocking, Reply};
use crate::AppEngine;

#[tauri::command]
pub async fn endpoints_list(state: State<'_, AppEngine>) -> Reply<Vec<EndpointView>> {
    blocking(state, |engine| engine.endpoints().list()).await
}

#[tauri::command]
pub async fn endpoints_get(state: State<'_, AppEngine>, id: i64) -> Reply<EndpointView> {
    blocking(state, move |engine| engine.endpoints().get(id)).await
}

#[tauri::command]
pub async fn endpoints_add(
    state: State<'_, AppEngine>,
    request: EndpointRequest,
) -> Reply<EndpointCreated> {
    blocking(state, move |engine| engine.endpoints().add(&request)).await
}

#[tauri::command]
pub async fn endpoints_update(
    state: State<'_, AppEngine>,
    id: i64,
    patch: EndpointPatch,
) -> Reply<EndpointView> {
    blocking(state, move |engine| engine.endpoints().update(id, &patch)).await
}

#[tauri::command]
pub async fn endpoints_remove(state: State<'_, AppEngine>, id: i64) -> Reply<RemovedEndpoint> {
    blocking(state, move |engine| engine.endpoints().remove(id)).await
}

#[tauri::command]
pub async fn endpoints_enable(
    state: State<'_, AppEngine>,
    id: i64,
    skip_held: bool,
) -> Reply<Enabled> {
    blocking(state, move |engine| {
        engine.endpoints().enable(id, skip_held)
    })
    .await
}

#[tauri::command]
pub async fn endpoints_disable(state: State<'_, AppEngine>, id: i64) -> Reply<EndpointView> {
    blocking(state, move |engine| engine.endpoints().disable(id)).await
}

#[tauri::command]
pub async fn endpoints_reveal_secret(state: State<'_, AppEngine>, id: i64) -> Reply<String> {
    blocking(state, move |engine| engine.endpoints().reveal_secret(id)).await
}

/// `grace_s`: how long the old secret keeps signing, in seconds.
#[tauri::command]
pub async fn endpoints_rotate_secret(
    state: State<'_, AppEngine>,
    id: i64,
    grace_s: u64,
) -> Reply<SecretRotated> {
    blocking(state, move |engine| {
        engine
            .endpoints()
            .rotate_secret(id, Duration::from_secs(grace_s), None)
    })
    .await
}

#[tauri::command]
pub async fn endpoints_test(state: State<'_, AppEngine>, id: i64) -> Reply<TestReport> {
    let engine = state.get()?;
    engine.endpoints().test(id).await
}
