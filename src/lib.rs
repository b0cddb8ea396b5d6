//! Hookscribe's engine: everything that works without a window.
//!
//! The desktop shell (`src-tauri`), the `hookscribe` CLI and (later) the local API are
//! thin callers of this crate. See `docs/ARCHITECTURE.md` for the map.

pub mod asr;
pub mod audio;
pub mod cancel;
pub mod export;
pub mod home;
pub mod jobs;
pub mod models;
pub mod pipeline;
pub mod settings;
pub mod store;
pub mod text;
pub mod watch;
pub mod webhooks;

/// The engine's version, as shown in the window, the CLI and the webhook user-agent.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// What the window's header and `hookscribe info` show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EngineStatus {
    pub version: &'static str,
    pub home: std::path::PathBuf,
    pub default_model: String,
    pub default_model_installed: bool,
    pub installed_models: Vec<String>,
}

/// Reads the engine's status from a data directory.
pub fn engine_status(home: &home::Home) -> Result<EngineStatus, models::ModelError> {
    let models = models::Models::open(home)?;
    let default_model = models.default_name()?;
    Ok(EngineStatus {
        version: version(),
        home: home.root().to_path_buf(),
        default_model_installed: models.is_installed(&default_model),
        default_model,
        installed_models: models.installed()?,
    })
}
