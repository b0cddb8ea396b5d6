//! The main window: shown and focused on request, hidden to the tray on close when the
//! `app.close_to_tray` setting says so, its size and position remembered.

use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};
use tauri_plugin_window_state::StateFlags;

use crate::AppEngine;

pub const MAIN: &str = "main";

/// Remembers the window's size, position and maximized state (not its visibility: the
/// app decides that).
pub fn state_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_window_state::Builder::default()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .build()
}

/// Brings the window back (from the tray, a second launch, a notification).
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

pub fn hide<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.hide();
    }
}

/// Whether closing the window keeps the app in the tray.
pub fn keeps_running<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Ok(engine) = app.state::<AppEngine>().get() else {
        return false;
    };
    engine
        .settings()
        .get("app.close_to_tray")
        .map(|s| s.value == "true")
        .unwrap_or(true)
}

pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == MAIN && keeps_running(window.app_handle()) {
            api.prevent_close();
            let _ = window.hide();
            tracing::info!("window closed; still watching and delivering in the tray");
        }
    }
}
