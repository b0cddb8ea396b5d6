//! The desktop shell. Thin by design: every command forwards to the `hookscribe` engine
//! and converts its errors to strings for the UI; no business logic lives here.

use hookscribe::home::Home;
use hookscribe::EngineStatus;

/// Version, data folder and default model, for the window's status card.
#[tauri::command]
fn engine_status() -> Result<EngineStatus, String> {
    let home = Home::from_env().map_err(|e| e.to_string())?;
    hookscribe::engine_status(&home).map_err(|e| e.to_string())
}

pub fn run() {
    let filter = std::env::var("HOOKSCRIBE_LOG").unwrap_or_else(|_| "info".to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
    tracing::info!(
        version = hookscribe::version(),
        "starting Hookscribe desktop"
    );
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![engine_status])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "the window could not start");
        eprintln!("error: Hookscribe could not start its window: {error}");
        std::process::exit(1);
    }
}
