//! The local API's access: where it listens and the bearer token every request needs.
//! The server itself is a front end (`hookscribe::api`); this is what it, the window's
//! Settings and `hookscribe api token` share.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::{Engine, EngineError};
use crate::audio::Decoder;
use crate::cancel::CancelFlag;
use crate::settings::Settings as Table;

/// Where the token is kept: a row of the settings table that no settings list shows
/// (the database is readable by its owner only).
const TOKEN_KEY: &str = "api.token";
/// What every token starts with, so one is recognisable in a config file or a leak scan.
const TOKEN_PREFIX: &str = "hsk_";

/// The local API as configured.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ApiInfo {
    /// Whether the settings turn it on.
    pub enabled: bool,
    /// The address it listens on.
    pub host: String,
    pub port: u16,
    /// Its base URL, such as `http://127.0.0.1:8178` (what a client's `base_url` is,
    /// with `/v1` after it).
    pub url: String,
    /// Only loopback can reach it.
    pub loopback_only: bool,
    /// The largest upload it accepts, in bytes.
    pub max_upload_bytes: u64,
}

/// What the local API server is doing (it runs in the app or `hookscribe run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ApiServerStatus {
    /// Not enabled.
    Off,
    /// Serving at `url`.
    Listening { url: String },
    /// Enabled, but it could not start (the port is taken, say).
    Failed { error: String },
}

/// What a recording's headers say (a quick check before it is queued).
pub use crate::audio::AudioInfo as RecordingInfo;

pub struct ApiAccess<'e> {
    pub(super) engine: &'e Engine,
}

impl ApiAccess<'_> {
    pub fn info(&self) -> Result<ApiInfo, EngineError> {
        let store = self.engine.store();
        let table = Table::new(&store);
        let host = table.get("api.host")?.value;
        let port = u16::try_from(table.count("api.port")?).unwrap_or(8178);
        Ok(ApiInfo {
            enabled: table.switch("api.enabled")?,
            url: crate::settings::api_url(&host, port),
            loopback_only: host == "127.0.0.1" || host == "::1",
            host,
            port,
            max_upload_bytes: u64::from(table.count("api.max_upload_mb")?) * 1024 * 1024,
        })
    }

    /// The bearer token, made now if there is none yet.
    pub fn token(&self) -> Result<String, EngineError> {
        let existing = self
            .engine
            .with_store(|store| store.setting(TOKEN_KEY))?
            .filter(|token| token.starts_with(TOKEN_PREFIX));
        match existing {
            Some(token) => Ok(token),
            None => self.regenerate_token(),
        }
    }

    /// A new token; the old one stops working at once.
    pub fn regenerate_token(&self) -> Result<String, EngineError> {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes)
            .map_err(|e| EngineError::internal(format!("cannot make a token: {e}")))?;
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        self.engine
            .with_store(|store| store.set_setting(TOKEN_KEY, &token))?;
        tracing::info!("a new local API token was made");
        self.engine.emit(super::EngineEvent::Changed {
            what: super::ChangedArea::Settings,
        });
        Ok(token)
    }

    /// Whether `presented` is the token, compared in constant time (how long the check
    /// takes says nothing about how much of a guess was right). No token yet: nothing
    /// matches.
    pub fn accepts(&self, presented: &str) -> Result<bool, EngineError> {
        let Some(token) = self.engine.with_store(|store| store.setting(TOKEN_KEY))? else {
            return Ok(false);
        };
        Ok(!token.is_empty() && constant_time_eq(token.as_bytes(), presented.as_bytes()))
    }
}

impl Engine {
    /// Reads a recording's headers: the container, the rate, the length. A file that is
    /// no recording is refused here, before it waits in the queue.
    pub fn probe_recording(&self, path: &Path) -> Result<RecordingInfo, EngineError> {
        let decoder = Decoder::open(path, CancelFlag::new())
            .map_err(|e| EngineError::from(crate::pipeline::PipelineError::Audio(e)))?;
        Ok(decoder.info().clone())
    }
}

/// Compares every byte whatever the first difference; only the lengths leak.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_match_only_in_full() {
        assert!(constant_time_eq(b"hsk_abc", b"hsk_abc"));
        assert!(!constant_time_eq(b"hsk_abc", b"hsk_abd"));
        assert!(!constant_time_eq(b"hsk_abc", b"hsk_ab"));
        assert!(!constant_time_eq(b"hsk_abc", b""));
    }
}
