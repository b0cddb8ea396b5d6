//! User settings: every key Hookscribe understands, its default, and how a value is
//! checked. Stored in the `settings` table; `hookscribe config` reads and writes them.
//!
//! Unknown keys and bad values are refused with a message that says what is accepted, so
//! a typo never silently does nothing.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

use crate::asr::{TranscribeOptions, MAX_BEAM_SIZE, MAX_THREADS};
use crate::models::{catalog, ModelError, Models};
use hookscribe_store::{Store, StoreError};

/// How a setting's value is checked (and which input a settings form shows for it).
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(rename = "SettingKind")]
pub enum Kind {
    /// A model name (installed or in the catalog), or a path to a .bin file.
    Model,
    /// `auto` or a Whisper language code.
    Language,
    /// `auto` or a whole number in the range.
    CountOrAuto { max: u32 },
    /// A whole number in the range.
    Count { min: u32, max: u32 },
    /// An http(s) URL.
    Url,
    /// A duration such as `30s`, `5m`, `2h`, `5days`.
    Duration,
    /// A comma-separated list of durations (may be empty: no retries).
    DurationList,
    /// `true` or `false`.
    Switch,
    /// One of a few words.
    Choice { options: &'static [&'static str] },
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct SettingSpec {
    pub key: &'static str,
    pub default: &'static str,
    pub description: &'static str,
    /// The heading it is shown under.
    pub group: &'static str,
    pub kind: Kind,
}

const TRANSCRIPTION: &str = "Transcription";
const QUEUE: &str = "Queue";
const MODELS: &str = "Models";
const WEBHOOKS: &str = "Webhooks";
const APP: &str = "App";
const FOLDERS: &str = "Folders";
const API: &str = "Local API";

/// The local API's port unless `api.port` says otherwise.
pub const DEFAULT_API_PORT: &str = "8178";

pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "model",
        group: TRANSCRIPTION,
        default: catalog::DEFAULT_MODEL,
        description: "Model used when none is named (a catalog name, an imported name, or a path)",
        kind: Kind::Model,
    },
    SettingSpec {
        key: "language",
        group: TRANSCRIPTION,
        default: "auto",
        description: "Spoken language: auto (detect) or a code such as en, de, fr",
        kind: Kind::Language,
    },
    SettingSpec {
        key: "threads",
        group: TRANSCRIPTION,
        default: "auto",
        description: "CPU threads per transcription: auto (physical cores) or a number",
        kind: Kind::CountOrAuto { max: MAX_THREADS },
    },
    SettingSpec {
        key: "beam_size",
        group: TRANSCRIPTION,
        default: "5",
        description:
            "Beam width: 1 is greedy decoding (faster), 5 is whisper's own default (more accurate)",
        kind: Kind::Count {
            min: 1,
            max: MAX_BEAM_SIZE,
        },
    },
    SettingSpec {
        key: "vad",
        group: TRANSCRIPTION,
        default: "true",
        description: "Transcribe only the speech that voice activity detection finds: faster on real recordings, and no text invented in silence. Needs the voice activity model, which the setup installs (`hookscribe models import silero_vad_16k.safetensors`)",
        kind: Kind::Switch,
    },
    SettingSpec {
        key: "concurrency",
        group: QUEUE,
        default: "auto",
        description: "Transcriptions run at once: auto (two on 2 or more cores, one on a single core) or a number. They share the cores: a batch splits them, a file alone gets them all",
        kind: Kind::CountOrAuto { max: 16 },
    },
    SettingSpec {
        key: "queue.worker_timeout",
        group: QUEUE,
        default: "10m",
        description: "Stop a transcription whose worker reports nothing for this long (hung), and fail it",
        kind: Kind::Duration,
    },
    SettingSpec {
        key: "models.base_url",
        group: MODELS,
        default: crate::models::download::DEFAULT_BASE_URL,
        description: "Where `models download` fetches from (a Hugging Face mirror)",
        kind: Kind::Url,
    },
    SettingSpec {
        key: "webhooks.retry_schedule",
        group: WEBHOOKS,
        default: crate::webhooks::config::DEFAULT_SCHEDULE,
        description: "Waits between webhook attempts after the first (±20% jitter)",
        kind: Kind::DurationList,
    },
    SettingSpec {
        key: "webhooks.disable_after",
        group: WEBHOOKS,
        default: crate::webhooks::config::DEFAULT_DISABLE_AFTER,
        description:
            "Disable an endpoint with no success for this long (and 10+ failures in a row)",
        kind: Kind::Duration,
    },
    SettingSpec {
        key: "webhooks.retention",
        group: WEBHOOKS,
        default: crate::webhooks::config::DEFAULT_RETENTION,
        description: "Keep the log of delivered webhooks this long",
        kind: Kind::Duration,
    },
    SettingSpec {
        key: "webhooks.failed_retention",
        group: WEBHOOKS,
        default: crate::webhooks::config::DEFAULT_FAILED_RETENTION,
        description:
            "Keep failed and held webhooks (for replay) this long; pending ones always stay",
        kind: Kind::Duration,
    },
    SettingSpec {
        key: "folders.paused",
        group: FOLDERS,
        default: "false",
        description: "Pause every watched folder: new files wait until watching resumes",
        kind: Kind::Switch,
    },
    SettingSpec {
        key: "api.enabled",
        group: API,
        default: "false",
        description: "Serve the local HTTP API (OpenAI-compatible transcription, jobs, events)",
        kind: Kind::Switch,
    },
    SettingSpec {
        key: "api.host",
        group: API,
        default: "127.0.0.1",
        description:
            "Address the API listens on: 127.0.0.1 keeps it on this computer; 0.0.0.0 opens it to the network",
        kind: Kind::Choice {
            options: &["127.0.0.1", "::1", "0.0.0.0", "::"],
        },
    },
    SettingSpec {
        key: "api.port",
        group: API,
        default: DEFAULT_API_PORT,
        description: "Port the API listens on",
        kind: Kind::Count { min: 1, max: 65535 },
    },
    SettingSpec {
        key: "api.max_upload_mb",
        group: API,
        default: "2048",
        description: "Largest recording the API accepts, in megabytes (larger ones get 413)",
        kind: Kind::Count {
            min: 1,
            max: 1_048_576,
        },
    },
    SettingSpec {
        key: "ui.theme",
        group: APP,
        default: "system",
        description: "The window's colours: follow the system, or always light or dark",
        kind: Kind::Choice {
            options: &["system", "light", "dark"],
        },
    },
    SettingSpec {
        key: "app.close_to_tray",
        group: APP,
        default: "true",
        description: "Closing the window keeps Hookscribe watching and delivering in the tray",
        kind: Kind::Switch,
    },
    SettingSpec {
        key: "app.notifications",
        group: APP,
        default: "true",
        description: "Tell me when a transcription completes or fails (system notifications)",
        kind: Kind::Switch,
    },
    SettingSpec {
        key: "app.start_at_login",
        group: APP,
        default: "false",
        description: "Start Hookscribe in the tray when I log in",
        kind: Kind::Switch,
    },
];

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting '{key}'; known settings: {known}")]
    UnknownKey { key: String, known: String },
    #[error("'{value}' is not a valid value for {key}: {expected}")]
    BadValue {
        key: &'static str,
        value: String,
        expected: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A transcription option outside its range.
    #[error("{0}")]
    BadOption(String),
}

pub fn spec(key: &str) -> Result<&'static SettingSpec, SettingsError> {
    SETTINGS
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| SettingsError::UnknownKey {
            key: key.to_string(),
            known: SETTINGS
                .iter()
                .map(|s| s.key)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl SettingSpec {
    /// Checks `value` and returns it in canonical form (trimmed, lower-cased where case
    /// does not matter).
    pub fn validate(&self, value: &str) -> Result<String, SettingsError> {
        let value = value.trim();
        let bad = |expected: String| SettingsError::BadValue {
            key: self.key,
            value: value.to_string(),
            expected,
        };
        match self.kind {
            Kind::Model => {
                let path = std::path::Path::new(value);
                let is_file = path.is_file();
                let is_name = !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
                let looks_like_path = value.contains('/') || value.ends_with(".bin");
                if is_file && looks_like_path {
                    // Stored absolute: the app and `hookscribe run` resolve it from other
                    // working folders than the one it was typed in.
                    absolute(path).map_err(|e| bad(format!("a model file that can be read ({e})")))
                } else if is_file || is_name {
                    Ok(value.to_string())
                } else {
                    Err(bad("a model name or a path to a model file".into()))
                }
            }
            Kind::Language => {
                let code = value.to_ascii_lowercase();
                if code == "auto" || whisper_rs::get_lang_id(&code).is_some() {
                    Ok(code)
                } else {
                    Err(bad(
                        "auto, or a language code Whisper knows (en, de, fr, es, ja, …)".into(),
                    ))
                }
            }
            Kind::CountOrAuto { max } => {
                if value.eq_ignore_ascii_case("auto") {
                    return Ok("auto".into());
                }
                match value.parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n.to_string()),
                    _ => Err(bad(format!("auto, or a whole number from 1 to {max}"))),
                }
            }
            Kind::Count { min, max } => match value.parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                _ => Err(bad(format!("a whole number from {min} to {max}"))),
            },
            Kind::Url => {
                let ok = (value.starts_with("https://") || value.starts_with("http://"))
                    && reqwest::Url::parse(value).is_ok_and(|u| u.host_str().is_some());
                if ok {
                    Ok(value.trim_end_matches('/').to_string())
                } else {
                    Err(bad("an http:// or https:// URL".into()))
                }
            }
            Kind::Duration => match humantime::parse_duration(value) {
                Ok(_) => Ok(value.to_string()),
                Err(_) => Err(bad("a duration such as 30s, 5m, 2h or 5days".into())),
            },
            Kind::Switch => match value.to_ascii_lowercase().as_str() {
                "true" | "on" | "yes" | "1" => Ok("true".into()),
                "false" | "off" | "no" | "0" => Ok("false".into()),
                _ => Err(bad("true or false".into())),
            },
            Kind::Choice { options } => {
                let word = value.to_ascii_lowercase();
                if options.contains(&word.as_str()) {
                    Ok(word)
                } else {
                    Err(bad(format!("one of {}", options.join(", "))))
                }
            }
            Kind::DurationList => match crate::webhooks::policy::RetrySchedule::parse(value) {
                Ok(schedule) => Ok(schedule.to_text()),
                Err(reason) => Err(bad(format!(
                    "comma-separated durations such as 5s,5m,30m,2h ({reason})"
                ))),
            },
        }
    }
}

/// One row of `config list`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SettingValue {
    pub key: &'static str,
    pub value: String,
    pub default: &'static str,
    /// Whether the value was set (rather than the default).
    pub is_set: bool,
    pub description: &'static str,
    pub group: &'static str,
    pub kind: Kind,
    /// For a setting that can be `auto`, the number `auto` stands for on this machine
    /// (`threads`: the physical cores; `concurrency`: jobs at once), so that a view can
    /// show it; `None` for the others.
    pub auto: Option<String>,
}

/// The local API's base URL for an address and port (IPv6 addresses in brackets). A
/// server listening on every address (`0.0.0.0`, `::`) is linked through loopback: those
/// are not addresses a browser or client can connect to everywhere.
pub fn api_url(host: &str, port: impl std::fmt::Display) -> String {
    let host = match host {
        "0.0.0.0" => "127.0.0.1",
        "::" => "::1",
        other => other,
    };
    if host.contains(':') {
        format!("http://[{host}]:{port}")
    } else {
        format!("http://{host}:{port}")
    }
}

/// `path` made absolute against the current folder (symlinks and `..` resolved).
pub fn absolute(path: &std::path::Path) -> std::io::Result<String> {
    let full = std::fs::canonicalize(path)?;
    full.to_str().map(str::to_string).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not valid UTF-8", full.display()),
        )
    })
}

/// A transcription's options with nothing left to the settings, and the model file.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub model_path: PathBuf,
    /// The voice activity model, when the pauses are to be skipped.
    pub vad_model: Option<PathBuf>,
    /// Every option set (`threads` stays `None` for "all physical cores").
    pub options: TranscribeOptions,
}

impl Resolved {
    /// The options that change what a transcript says, as one short string: a recording
    /// is transcribed once per recipe, and a later job reuses the transcript only when
    /// its recipe is the same (threads change nothing and are left out).
    pub fn recipe(&self) -> String {
        use sha2::{Digest, Sha256};
        let o = &self.options;
        let recipe = serde_json::json!([
            self.model_path.to_string_lossy(),
            o.language,
            o.translate,
            o.prompt,
            o.beam_size,
            o.word_timestamps,
            o.vad,
        ]);
        hex::encode(&Sha256::digest(recipe.to_string().as_bytes())[..12])
    }
}

/// Typed access to the settings table.
pub struct Settings<'a> {
    store: &'a Store,
}

impl<'a> Settings<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    pub fn get(&self, key: &str) -> Result<SettingValue, SettingsError> {
        let spec = spec(key)?;
        let stored = self.store.setting(spec.key)?;
        Ok(SettingValue {
            key: spec.key,
            is_set: stored.is_some(),
            value: stored.unwrap_or_else(|| spec.default.to_string()),
            default: spec.default,
            description: spec.description,
            group: spec.group,
            kind: spec.kind,
            auto: auto_value(spec.key),
        })
    }

    pub fn list(&self) -> Result<Vec<SettingValue>, SettingsError> {
        SETTINGS.iter().map(|s| self.get(s.key)).collect()
    }

    /// Validates and stores a value; returns it as stored.
    pub fn set(&self, key: &str, value: &str) -> Result<String, SettingsError> {
        let spec = spec(key)?;
        let value = spec.validate(value)?;
        self.store.set_setting(spec.key, &value)?;
        Ok(value)
    }

    /// Back to the default.
    pub fn unset(&self, key: &str) -> Result<(), SettingsError> {
        let spec = spec(key)?;
        self.store.delete_setting(spec.key)?;
        Ok(())
    }

    /// A duration setting (a hand-edited bad value falls back to the default).
    pub fn duration(&self, key: &str) -> Result<std::time::Duration, SettingsError> {
        let setting = self.get(key)?;
        Ok(humantime::parse_duration(&setting.value)
            .or_else(|_| humantime::parse_duration(setting.default))
            .unwrap_or_default())
    }

    /// `threads` as a number, `None` for auto.
    pub fn threads(&self) -> Result<Option<u32>, SettingsError> {
        Ok(self.get("threads")?.value.parse().ok())
    }

    /// Jobs the queue runs at once (`auto` decides by the physical cores).
    pub fn concurrency(&self) -> Result<usize, SettingsError> {
        Ok(match self.get("concurrency")?.value.parse() {
            Ok(n) => n,
            Err(_) => auto_concurrency(crate::asr::default_threads()),
        })
    }

    /// A switch setting.
    pub fn switch(&self, key: &str) -> Result<bool, SettingsError> {
        Ok(self.get(key)?.value == "true")
    }

    /// A whole-number setting (a hand-edited bad value falls back to the default).
    pub fn count(&self, key: &str) -> Result<u32, SettingsError> {
        let setting = self.get(key)?;
        Ok(setting
            .value
            .parse()
            .or_else(|_| setting.default.parse())
            .unwrap_or_default())
    }

    /// The local API's address as links name it (`http://127.0.0.1:8178`), when the API
    /// is enabled.
    pub fn api_base(&self) -> Option<String> {
        if !self.switch("api.enabled").ok()? {
            return None;
        }
        let host = self.get("api.host").ok()?.value;
        Some(api_url(&host, self.count("api.port").ok()?))
    }

    /// The default model's name.
    pub fn model(&self) -> Result<String, SettingsError> {
        Ok(self.get("model")?.value)
    }

    /// Fills what `request` leaves open from the settings, checks every option, and finds
    /// the model file: the one place a transcription's options are decided, for the
    /// CLI, the queue and every front end.
    pub fn resolve(
        &self,
        request: &TranscribeOptions,
        models: &Models,
    ) -> Result<Resolved, SettingsError> {
        request.check().map_err(SettingsError::BadOption)?;
        let model = match &request.model {
            Some(model) if !model.trim().is_empty() => model.trim().to_string(),
            _ => self.model()?,
        };
        let model_path = models.resolve(&model)?;
        let language = match &request.language {
            Some(language) => spec("language")?.validate(language)?,
            None => self.get("language")?.value,
        };
        let threads = match request.threads {
            Some(threads) => Some(threads),
            None => self.threads()?,
        };
        let beam_size = match request.beam_size {
            Some(beam) => beam,
            None => self
                .get("beam_size")?
                .value
                .parse()
                .unwrap_or(crate::asr::DEFAULT_BEAM_SIZE),
        };
        let wants_vad = match request.vad {
            Some(vad) => vad,
            None => self.switch("vad")?,
        };
        // Without the model the pauses are transcribed like everything else: a missing
        // optional model must not stop a transcription.
        let vad_model = if wants_vad {
            models.installed_vad()
        } else {
            None
        };
        Ok(Resolved {
            model_path,
            options: TranscribeOptions {
                model: Some(model),
                language: Some(language),
                threads,
                beam_size: Some(beam_size),
                vad: Some(vad_model.is_some()),
                ..request.clone()
            },
            vad_model,
        })
    }
}

/// From this many physical cores, two jobs at once finish a batch sooner than one job
/// with all the cores. whisper.cpp's threads meet after every operation of its graphs, and
/// part of each step runs on one thread, so two jobs on one core each waste less than one
/// job on two: four 60-second recordings took 0.82x the time and 0.86x the CPU time with
/// two at once on the 2-core build machine (benches/concurrency.sh). A file alone still
/// gets every core, and a recording long enough for two lanes (asr/lanes.rs) already
/// keeps two cores busy on its own.
const CORES_FOR_TWO_JOBS: usize = 2;

/// What `auto` stands for on this machine, for the settings that take it. The cores are
/// counted only for those: counting them reads /proc, and every setting read comes here.
fn auto_value(key: &str) -> Option<String> {
    use crate::asr::default_threads;
    match key {
        "threads" => Some(default_threads().to_string()),
        "concurrency" => Some(auto_concurrency(default_threads()).to_string()),
        _ => None,
    }
}

/// Jobs at once when the `concurrency` setting is `auto`: two on 2 or more physical
/// cores, each with half of them, else one.
fn auto_concurrency(physical_cores: usize) -> usize {
    if physical_cores >= CORES_FOR_TWO_JOBS {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        (dir, store)
    }

    #[test]
    fn an_api_listening_everywhere_is_linked_through_loopback() {
        assert_eq!(api_url("0.0.0.0", 8178), "http://127.0.0.1:8178");
        assert_eq!(api_url("::", 8178), "http://[::1]:8178");
        assert_eq!(api_url("::1", 8178), "http://[::1]:8178");
        assert_eq!(api_url("192.168.1.20", 80), "http://192.168.1.20:80");
        let (_d, store) = store();
        let settings = Settings::new(&store);
        settings.set("api.enabled", "true").unwrap();
        settings.set("api.host", "0.0.0.0").unwrap();
        assert_eq!(
            settings.api_base().as_deref(),
            Some("http://127.0.0.1:8178")
        );
    }

    #[test]
    fn values_are_validated_and_normalized() {
        let (_d, store) = store();
        let settings = Settings::new(&store);
        assert_eq!(settings.set("language", " DE ").unwrap(), "de");
        assert_eq!(settings.set("threads", "AUTO").unwrap(), "auto");
        assert_eq!(settings.set("threads", "4").unwrap(), "4");
        assert_eq!(settings.threads().unwrap(), Some(4));
        assert_eq!(
            settings
                .set("models.base_url", "https://mirror.example/whisper/")
                .unwrap(),
            "https://mirror.example/whisper"
        );
        assert_eq!(settings.get("concurrency").unwrap().value, "auto");
        assert!(!settings.get("concurrency").unwrap().is_set);
        // What auto means here travels with the setting, for the window to show.
        let here = crate::asr::default_threads();
        assert_eq!(
            settings.get("concurrency").unwrap().auto,
            Some(auto_concurrency(here).to_string())
        );
        assert_eq!(
            settings.get("threads").unwrap().auto,
            Some(here.to_string())
        );
        assert_eq!(settings.get("beam_size").unwrap().auto, None);
        assert_eq!(
            settings.concurrency().unwrap(),
            auto_concurrency(crate::asr::default_threads())
        );
        assert_eq!(settings.set("concurrency", "3").unwrap(), "3");
        assert_eq!(settings.concurrency().unwrap(), 3);
        // A model file named relative to here is kept absolute (the daemon runs elsewhere).
        let stored = settings.set("model", "./Cargo.toml").unwrap();
        assert!(
            stored.starts_with('/') && stored.ends_with("/Cargo.toml"),
            "{stored}"
        );
        assert_eq!(settings.set("model", "tiny.en").unwrap(), "tiny.en");
    }

    #[test]
    fn bad_values_and_unknown_keys_say_what_is_accepted() {
        let (_d, store) = store();
        let settings = Settings::new(&store);
        let err = settings.set("threads", "0").unwrap_err().to_string();
        assert!(
            err.contains("'0' is not a valid value for threads") && err.contains("1 to 256"),
            "{err}"
        );
        let err = settings.set("language", "klingon").unwrap_err().to_string();
        assert!(err.contains("language code"), "{err}");
        let err = settings
            .set("models.base_url", "ftp://x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("http://"), "{err}");
        let err = settings.set("modle", "tiny").unwrap_err().to_string();
        assert!(
            err.contains("unknown setting 'modle'") && err.contains("model, language"),
            "{err}"
        );
        let err = settings.set("model", "../../etc").unwrap_err().to_string();
        assert!(err.contains("model name"), "{err}");
        assert_eq!(
            settings.get("threads").unwrap().value,
            "auto",
            "nothing was stored"
        );
    }

    #[test]
    fn switches_and_choices_take_their_words() {
        let (_d, store) = store();
        let settings = Settings::new(&store);
        assert_eq!(settings.set("app.close_to_tray", "Off").unwrap(), "false");
        assert!(!settings.switch("app.close_to_tray").unwrap());
        assert!(settings.switch("app.notifications").unwrap(), "default on");
        assert_eq!(settings.set("ui.theme", "DARK").unwrap(), "dark");
        let err = settings.set("ui.theme", "purple").unwrap_err().to_string();
        assert!(err.contains("one of system, light, dark"), "{err}");
        let err = settings
            .set("folders.paused", "maybe")
            .unwrap_err()
            .to_string();
        assert!(err.contains("true or false"), "{err}");
    }

    #[test]
    fn unset_returns_to_the_default() {
        let (_d, store) = store();
        let settings = Settings::new(&store);
        settings.set("concurrency", "2").unwrap();
        settings.unset("concurrency").unwrap();
        let value = settings.get("concurrency").unwrap();
        assert_eq!((value.value.as_str(), value.is_set), ("auto", false));
    }

    #[test]
    fn two_jobs_on_two_or_more_cores_else_one() {
        assert_eq!(auto_concurrency(1), 1);
        assert_eq!(auto_concurrency(2), 2);
        assert_eq!(auto_concurrency(3), 2);
        assert_eq!(auto_concurrency(4), 2);
        assert_eq!(auto_concurrency(16), 2);
    }
}
