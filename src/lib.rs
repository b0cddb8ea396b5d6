//! Hookscribe's engine: everything that works without a window.
//!
//! Front ends (the `hookscribe` CLI, the desktop shell in `src-tauri`, the local HTTP API)
//! talk to [`engine::Engine`] only: its services validate requests and return
//! serializable views, and its one event stream tells every front end what happens. The
//! modules below are the engine's parts; the store underneath is its own crate
//! (`hookscribe-store`), which imports nothing from here. See `docs/ARCHITECTURE.md`.

pub mod api;
pub mod asr;
pub mod audio;
pub mod cancel;
pub mod engine;
pub mod export;
pub mod home;
pub mod jobs;
pub mod models;
pub mod pipeline;
pub mod settings;
pub mod text;
pub mod watch;
pub mod webhooks;

pub use engine::Engine;

/// The engine's version, as shown in the window, the CLI and the webhook user-agent.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
