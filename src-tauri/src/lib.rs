//! The desktop shell. Thin by design: every command is an async adapter over one engine
//! service (run off the main thread), the engine's event stream reaches the window
//! through one bridge, and no business rule lives here.
//!
//! The window embeds the same engine as `hookscribe run`: the queue, the folder watcher
//! and the webhook dispatcher start with the app and stop (returning running jobs to the
//! queue) when it exits.

mod bridge;
mod commands;

use hookscribe::engine::{BackgroundConfig, Engine, EngineError};
use tauri::Manager;

/// The engine the app runs, or why it could not open (the window still opens and says).
pub struct AppEngine(Result<Engine, EngineError>);

impl AppEngine {
    pub fn get(&self) -> Result<Engine, EngineError> {
        self.0.clone()
    }
}

fn open_engine() -> Result<Engine, EngineError> {
    let engine = Engine::open_default()?;
    engine.start(BackgroundConfig::this_program()?)?;
    Ok(engine)
}

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
        .setup(|app| {
            let engine = open_engine();
            match &engine {
                Ok(engine) => bridge::forward_events(app.handle().clone(), engine.subscribe()),
                // The window still opens and shows the error.
                Err(error) => tracing::error!(%error, "the engine could not start"),
            }
            app.manage(AppEngine(engine));
            Ok(())
        })
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
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            if let Ok(engine) = handle.state::<AppEngine>().get() {
                engine.shutdown();
            }
        }
    });
}
