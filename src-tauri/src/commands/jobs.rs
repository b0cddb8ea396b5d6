use std::path::PathBuf;

use hookscribe::engine::{
    AddJobs, DeletedJob, ExportFormat, JobDetail, JobQuery, JobView, MessageView, Page,
    SearchHitView, SearchQuery, TranscriptView,
};
use tauri::State;

use super::{blocking, Reply};
use crate::AppEngine;

#[tauri::command]
pub async fn jobs_add(state: State<'_, AppEngine>, request: AddJobs) -> Reply<Vec<JobView>> {
    blocking(state, move |engine| engine.jobs().add(&request)).await
}

#[tauri::command]
pub async fn jobs_list(state: State<'_, AppEngine>, query: JobQuery) -> Reply<Page<JobView>> {
    blocking(state, move |engine| engine.jobs().list(&query)).await
}

#[tauri::command]
pub async fn jobs_get(state: State<'_, AppEngine>, id: i64) -> Reply<JobView> {
    blocking(state, move |engine| engine.jobs().get(id)).await
}

#[tauri::command]
pub async fn jobs_show(state: State<'_, AppEngine>, id: i64) -> Reply<JobDetail> {
    blocking(state, move |engine| engine.jobs().show(id)).await
}

#[tauri::command]
pub async fn jobs_transcript(state: State<'_, AppEngine>, id: i64) -> Reply<TranscriptView> {
    blocking(state, move |engine| engine.jobs().transcript(id)).await
}

#[tauri::command]
pub async fn jobs_export(
    state: State<'_, AppEngine>,
    id: i64,
    format: ExportFormat,
) -> Reply<String> {
    blocking(state, move |engine| engine.jobs().export(id, format)).await
}

#[tauri::command]
pub async fn jobs_export_to(
    state: State<'_, AppEngine>,
    id: i64,
    format: ExportFormat,
    path: PathBuf,
) -> Reply<PathBuf> {
    blocking(state, move |engine| {
        engine.jobs().export_to(id, format, &path)
    })
    .await
}

#[tauri::command]
pub async fn jobs_cancel(state: State<'_, AppEngine>, id: i64) -> Reply<JobView> {
    blocking(state, move |engine| engine.jobs().cancel(id)).await
}

#[tauri::command]
pub async fn jobs_retry(state: State<'_, AppEngine>, id: i64) -> Reply<JobView> {
    blocking(state, move |engine| engine.jobs().retry(id)).await
}

#[tauri::command]
pub async fn jobs_delete(state: State<'_, AppEngine>, id: i64) -> Reply<DeletedJob> {
    blocking(state, move |engine| engine.jobs().delete(id)).await
}

#[tauri::command]
pub async fn jobs_resend(state: State<'_, AppEngine>, id: i64) -> Reply<Vec<MessageView>> {
    blocking(state, move |engine| engine.jobs().resend(id)).await
}

#[tauri::command]
pub async fn jobs_search(
    state: State<'_, AppEngine>,
    query: SearchQuery,
) -> Reply<Page<SearchHitView>> {
    blocking(state, move |engine| engine.jobs().search(&query)).await
}
