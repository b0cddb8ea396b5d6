use hookscribe::engine::{DeliveryQuery, DeliverySummary, MessageDetail, MessageView, Page};
use tauri::State;

use super::{blocking, Reply};
use crate::AppEngine;

#[tauri::command]
pub async fn deliveries_list(
    state: State<'_, AppEngine>,
    query: DeliveryQuery,
) -> Reply<Page<MessageView>> {
    blocking(state, move |engine| engine.deliveries().list(&query)).await
}

#[tauri::command]
pub async fn deliveries_show(state: State<'_, AppEngine>, id: i64) -> Reply<MessageDetail> {
    blocking(state, move |engine| engine.deliveries().show(id)).await
}

#[tauri::command]
pub async fn deliveries_replay(
    state: State<'_, AppEngine>,
    id: i64,
    to: Option<i64>,
) -> Reply<MessageView> {
    blocking(state, move |engine| engine.deliveries().replay(id, to)).await
}

/// `since`: unix milliseconds.
#[tauri::command]
pub async fn deliveries_replay_failed_since(
    state: State<'_, AppEngine>,
    since: i64,
) -> Reply<Vec<MessageView>> {
    blocking(state, move |engine| {
        engine.deliveries().replay_failed_since(since)
    })
    .await
}

#[tauri::command]
pub async fn deliveries_summary(state: State<'_, AppEngine>) -> Reply<DeliverySummary> {
    blocking(state, |engine| engine.deliveries().summary()).await
}
