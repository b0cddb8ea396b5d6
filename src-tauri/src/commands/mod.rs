//! The window's commands, one file per area. Each is a thin async adapter: it takes the
//! request the UI sends, runs one engine service off the main thread, and returns the
//! service's view or its error (`{kind, message, subject}`), both typed in
//! `ui/src/lib/bindings.ts`.

mod api;
mod app;
mod deliveries;
mod endpoints;
mod folders;
mod jobs;
mod models;
mod settings;
mod status;

use hookscribe::engine::{Engine, EngineError};
use tauri::State;

use crate::AppEngine;

type Reply<T> = Result<T, EngineError>;

/// Runs a blocking service call on a worker thread.
async fn blocking<T: Send + 'static>(
    state: State<'_, AppEngine>,
    call: impl FnOnce(&Engine) -> Reply<T> + Send + 'static,
) -> Reply<T> {
    let engine = state.get()?;
    tauri::async_runtime::spawn_blocking(move || call(&engine))
        .await
        .map_err(|e| EngineError::internal(format!("a background task failed: {e}")))?
}

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        status::engine_status,
        app::app_refusals,
        app::jobs_media,
        jobs::jobs_add,
        jobs::jobs_list,
        jobs::jobs_get,
        jobs::jobs_show,
        jobs::jobs_transcript,
        jobs::jobs_export,
        jobs::jobs_export_to,
        jobs::jobs_cancel,
        jobs::jobs_retry,
        jobs::jobs_delete,
        jobs::jobs_resend,
        jobs::jobs_search,
        folders::folders_list,
        folders::folders_get,
        folders::folders_add,
        folders::folders_update,
        folders::folders_remove,
        folders::folders_set_paused,
        folders::folders_pause_all,
        endpoints::endpoints_list,
        endpoints::endpoints_get,
        endpoints::endpoints_add,
        endpoints::endpoints_update,
        endpoints::endpoints_remove,
        endpoints::endpoints_enable,
        endpoints::endpoints_disable,
        endpoints::endpoints_reveal_secret,
        endpoints::endpoints_rotate_secret,
        endpoints::endpoints_test,
        deliveries::deliveries_list,
        deliveries::deliveries_show,
        deliveries::deliveries_replay,
        deliveries::deliveries_replay_failed_since,
        deliveries::deliveries_summary,
        models::models_list,
        models::models_download,
        models::models_cancel_download,
        models::models_import,
        models::models_set_default,
        models::models_remove,
        api::api_overview,
        api::api_token,
        api::api_regenerate_token,
        settings::settings_list,
        settings::settings_set,
        settings::settings_unset,
    ]
}
