//! The desktop shell. Thin by design: every command is an async adapter over one engine
//! service (run off the main thread), the engine's event stream reaches the window
//! through one bridge, and no business rule lives here. What is the shell's own: the
//! window and its tray icon, one instance per user, files handed over by the file
//! manager, system notifications, start at login.
//!
//! The window embeds the same engine as `hookscribe run`: the queue, the folder watcher
//! and the webhook dispatcher start with the app and stop (returning running jobs to the
//! queue) when it quits. Closing the window keeps them running in the tray (a setting).

mod app_settings;
mod bridge;
mod commands;
mod instance;
mod media;
mod notify;
mod tray;
mod window;

use hookscribe::engine::{BackgroundConfig, Engine, EngineError};
use tauri::Manager;

/// The engine the app runs, or why it could not open (the window still opens and says).
pub struct AppEngine(Result<Engine, EngineError>);

impl AppEngine {
    pub fn get(&self) -> Result<Engine, EngineError> {
        self.0.clone()
    }
}

/// The local API server, kept as the settings say while the app runs.
#[derive(Default)]
pub struct AppApi(std::sync::Mutex<Option<hookscribe::api::Api>>);

impl AppApi {
    pub fn status(&self) -> hookscribe::engine::ApiServerStatus {
        match self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(api) => api.status(),
            None => hookscribe::engine::ApiServerStatus::Off,
        }
    }

    fn start(&self, engine: &Engine) {
        match hookscribe::api::Api::start(engine, hookscribe::api::Mode::FromSettings) {
            Ok(api) => *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(api),
            Err(error) => tracing::error!(%error, "the local API cannot run"),
        }
    }

    fn stop(&self) {
        if let Some(api) = self.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
            api.stop();
        }
    }
}

fn open_engine() -> Result<Engine, EngineError> {
    let engine = Engine::open_default()?;
    engine.start(BackgroundConfig::this_program()?)?;
    Ok(engine)
}

/// Started at login (the autostart entry passes this): open in the tray, not the window.
const MINIMIZED: &str = "--minimized";

pub fn run() {
    let filter =
        std::env::var("HOOKSCRIBE_LOG").unwrap_or_else(|_| "info,whisper_rs=warn".to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
    tracing::info!(
        version = hookscribe::version(),
        "starting Hookscribe desktop"
    );
    let app = tauri::Builder::default()
        // First: a second launch hands its files to this one and exits.
        .plugin(instance::single_instance())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![MINIMIZED]),
        ))
        .plugin(window::state_plugin())
        .setup(|app| {
            app.manage(instance::Refusals::default());
            app.manage(media::Media::new());
            app.manage(AppApi::default());
            let engine = open_engine();
            match &engine {
                Ok(engine) => {
                    bridge::forward_events(app.handle().clone(), engine.subscribe());
                    notify::follow(app.handle().clone(), engine.clone());
                    app_settings::follow(app.handle().clone(), engine.clone());
                    app.state::<AppApi>().start(engine);
                    let result = instance::queue_arguments(engine, std::env::args().skip(1), None);
                    instance::report(app.handle(), result);
                }
                // The window still opens and shows the error.
                Err(error) => tracing::error!(%error, "the engine could not start"),
            }
            if let Err(error) = tray::install(app.handle(), engine.as_ref().ok()) {
                // No tray (no status notifier on this desktop): the window is the app.
                tracing::warn!(%error, "no tray icon");
            }
            app.manage(AppEngine(engine));
            if std::env::args().any(|a| a == MINIMIZED) {
                window::hide(app.handle());
            }
            Ok(())
        })
        .on_window_event(window::on_event)
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "the window could not start");
            eprintln!("error: Hookscribe could not start its window: {error}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| match event {
        // The last window closed while the app lives in the tray: keep running.
        tauri::RunEvent::ExitRequested { api, code, .. }
            if code.is_none() && window::keeps_running(handle) =>
        {
            api.prevent_exit();
        }
        tauri::RunEvent::Exit => {
            handle.state::<AppApi>().stop();
            if let Ok(engine) = handle.state::<AppEngine>().get() {
                engine.shutdown();
            }
        }
        _ => {}
    });
}
