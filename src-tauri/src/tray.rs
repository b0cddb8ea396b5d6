//! The tray icon: what the app is doing at a glance (idle, transcribing, queued,
//! deliveries failing) and a menu to show the window, pause watching, or quit. It keeps
//! the app reachable when the window is closed.

use std::time::Duration;

use hookscribe::engine::{Engine, EngineEvent, EngineStatus};
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Runtime};
use tokio::sync::broadcast::error::RecvError;

const SHOW: &str = "show";
const PAUSE: &str = "pause";
const QUIT: &str = "quit";

/// One line for the tray: what runs, what waits, and whether deliveries fail.
pub fn summary(status: &EngineStatus, paused: bool) -> String {
    let mut parts = Vec::new();
    match (status.running_jobs, status.queued) {
        (0, 0) => parts.push("Idle".to_string()),
        (0, queued) => parts.push(format!("{queued} queued")),
        (running, 0) => parts.push(format!("Transcribing {running}")),
        (running, queued) => parts.push(format!("Transcribing {running} · {queued} queued")),
    }
    if paused {
        parts.push("watching paused".into());
    }
    let webhooks = &status.webhooks;
    if webhooks.failed > 0 || webhooks.enabled_endpoints < webhooks.endpoints {
        parts.push("deliveries failing".into());
    }
    parts.join(" · ")
}

pub fn install<R: Runtime>(app: &AppHandle<R>, engine: Option<&Engine>) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Hookscribe", false, None::<&str>)?;
    let show = MenuItem::with_id(app, SHOW, "Show Hookscribe", true, None::<&str>)?;
    let paused = engine.is_some_and(|e| e.folders().all_paused().unwrap_or(false));
    let pause = CheckMenuItem::with_id(
        app,
        PAUSE,
        "Pause watching",
        engine.is_some(),
        paused,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Hookscribe", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(
        app,
        &[&status, &separator, &show, &pause, &separator, &quit],
    )?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Hookscribe")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(move |app, event| match event.id().as_ref() {
            SHOW => crate::window::show(app),
            PAUSE => toggle_pause(app),
            QUIT => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::window::show(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let tray = builder.build(app)?;
    if let Some(engine) = engine {
        let engine = engine.clone();
        let mut events = engine.subscribe();
        tauri::async_runtime::spawn(async move {
            loop {
                if let Ok(current) = engine.status() {
                    let paused = engine.folders().all_paused().unwrap_or(false);
                    let text = summary(&current, paused);
                    let _ = status.set_text(&text);
                    let _ = tray.set_tooltip(Some(format!("Hookscribe · {text}")));
                    let _ = pause.set_checked(paused);
                }
                // Changes come in bursts (progress, attempts): look again at most every
                // half second, and only after something that changes the counts.
                loop {
                    match events.recv().await {
                        Ok(EngineEvent::JobProgress { .. }) => continue,
                        Ok(_) | Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => return,
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
    }
    Ok(())
}

fn toggle_pause<R: Runtime>(app: &AppHandle<R>) {
    use tauri::Manager;
    let Ok(engine) = app.state::<crate::AppEngine>().get() else {
        return;
    };
    let paused = engine.folders().all_paused().unwrap_or(false);
    if let Err(error) = engine.folders().pause_all(!paused) {
        tracing::warn!(%error, "cannot pause watching");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookscribe::engine::DeliverySummary;

    fn status(running: i64, queued: i64, failed: i64) -> EngineStatus {
        EngineStatus {
            version: "0".into(),
            home: "/h".into(),
            default_model: "tiny.en".into(),
            default_model_installed: true,
            installed_models: Vec::new(),
            running: true,
            queued,
            running_jobs: running,
            failed_jobs: 0,
            webhooks: DeliverySummary {
                endpoints: 1,
                enabled_endpoints: 1,
                failed,
                ..DeliverySummary::default()
            },
        }
    }

    #[test]
    fn the_tray_says_what_runs_what_waits_and_what_fails() {
        assert_eq!(summary(&status(0, 0, 0), false), "Idle");
        assert_eq!(summary(&status(1, 0, 0), false), "Transcribing 1");
        assert_eq!(
            summary(&status(1, 3, 0), false),
            "Transcribing 1 · 3 queued"
        );
        assert_eq!(
            summary(&status(0, 2, 0), true),
            "2 queued · watching paused"
        );
        assert_eq!(
            summary(&status(0, 0, 4), false),
            "Idle · deliveries failing"
        );
    }
}
