use hookscribe::engine::SettingValue;
use tauri::State;

use super::{blocking, Reply};
use crate::AppEngine;

#[tauri::command]
pub async fn settings_list(state: State<'_, AppEngine>) -> Reply<Vec<SettingValue>> {
    blocking(state, |engine| engine.settings().list()).await
}

#[tauri::command]
pub async fn settings_set(
    state: State<'_, AppEngine>,
    key: String,
    value: String,
) -> Reply<SettingValue> {
    blocking(state, move |engine| engine.settings().set(&key, &value)).await
}

#[tauri::command]
pub async fn settings_unset(state: State<'_, AppEngine>, key: String) -> Reply<SettingValue> {
    blocking(state, move |engine| engine.settings().unset(&key)).await
}
