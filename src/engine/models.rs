//! Whisper models: the catalog and what is installed, downloads with progress and
//! cancel, imports, the default model, removal.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::{ChangedArea, DownloadState, Engine, EngineError, EngineEvent, Subject};
use crate::models::catalog;
use crate::models::download::{DownloadOptions, Downloader, DEFAULT_BASE_URL};
use crate::models::{ModelInfo, Models as ModelFiles, Precision};
use crate::settings::Settings;

pub use crate::models::{is_vad_source, ModelListing, VAD_NAME};

/// An installed model file and what it holds.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InstalledModel {
    pub name: String,
    #[ts(type = "string")]
    pub path: PathBuf,
    /// `tiny`, `base`, … (`large v3` for 128 mel bins)
    pub model_type: String,
    pub multilingual: bool,
    /// `f16`, `q8_0`, …
    pub weights: String,
    pub bytes: u64,
}

impl InstalledModel {
    fn new(files: &ModelFiles, name: &str, info: &ModelInfo) -> Self {
        Self {
            name: name.to_string(),
            path: files.path_of(name),
            model_type: info.model_type.clone(),
            multilingual: info.multilingual,
            weights: info.file_type.as_str().to_string(),
            bytes: info.bytes,
        }
    }
}

/// The installed voice activity model (Silero VAD in whisper.cpp's format).
#[derive(Debug, Clone, Serialize, TS)]
pub struct VadModel {
    #[ts(type = "string")]
    pub path: PathBuf,
    pub bytes: u64,
}

impl VadModel {
    fn at(path: PathBuf) -> Self {
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Self { path, bytes }
    }
}

/// A failed import's error, naming the file or folder it came from.
fn import_failed(source: &std::path::Path, error: crate::models::ModelError) -> EngineError {
    let error = EngineError::from(error);
    let message = format!("cannot import {}: {}", source.display(), error.message);
    EngineError { message, ..error }
}

/// A catalog model to download.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct DownloadRequest {
    pub name: String,
    /// Repository to download from; default: the `models.base_url` setting.
    pub base_url: Option<String>,
    /// Give up when no data arrives for this long (default 30 s).
    pub stall_timeout_s: Option<u64>,
}

/// A ggml file or a CTranslate2 (faster-whisper) folder to install.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct ImportRequest {
    #[ts(type = "string")]
    pub path: PathBuf,
    /// The name to install it under (default: from the file or the model's size).
    pub name: Option<String>,
    /// Quantize a converted model's weights to 8 bits (CTranslate2 folders only).
    #[ts(optional = nullable)]
    pub quantize: bool,
}

pub struct Models<'e> {
    pub(super) engine: &'e Engine,
}

impl Models<'_> {
    fn files(&self) -> ModelFiles {
        ModelFiles::open(self.engine.home())
    }

    /// The catalog plus imported models, each marked installed and default.
    pub fn list(&self) -> Result<Vec<ModelListing>, EngineError> {
        let default = self.default_name()?;
        Ok(self.files().list(&default)?)
    }

    /// The default model's name (the `model` setting).
    pub fn default_name(&self) -> Result<String, EngineError> {
        let store = self.engine.store();
        Ok(Settings::new(&store).model()?)
    }

    /// Makes `name` the model used when none is named: an installed model, or a catalog
    /// model to download.
    pub fn set_default(&self, name: &str) -> Result<String, EngineError> {
        let name = name.trim();
        self.files().check_default(name)?;
        let store = self.engine.store();
        Settings::new(&store).set("model", name)?;
        drop(store);
        self.changed();
        Ok(name.to_string())
    }

    pub fn is_installed(&self, name: &str) -> bool {
        self.files().is_installed(name)
    }

    /// Imports a ggml file (validated, copied) or converts a CTranslate2 folder.
    pub fn import(&self, request: &ImportRequest) -> Result<InstalledModel, EngineError> {
        let files = self.files();
        let precision = request.quantize.then_some(Precision::Q8_0);
        let (name, info) = files
            .import(&request.path, request.name.as_deref(), precision)
            .map_err(|e| import_failed(&request.path, e))?;
        tracing::info!(model = %name, "model imported");
        self.changed();
        Ok(InstalledModel::new(&files, &name, &info))
    }

    /// Installs the voice activity model from Silero VAD's `silero_vad_16k.safetensors`
    /// (PyPI `silero-vad`, `silero_vad/data/`); transcriptions then skip the pauses.
    pub fn import_vad(&self, source: &std::path::Path) -> Result<VadModel, EngineError> {
        let path = self
            .files()
            .import_vad(source)
            .map_err(|e| import_failed(source, e))?;
        tracing::info!(path = %path.display(), "voice activity model imported");
        self.changed();
        Ok(VadModel::at(path))
    }

    /// The voice activity model, when one is installed.
    pub fn vad(&self) -> Option<VadModel> {
        self.files().installed_vad().map(VadModel::at)
    }

    /// Deletes an installed model (`silero-vad`: the voice activity model); returns where
    /// it was.
    pub fn remove(&self, name: &str) -> Result<PathBuf, EngineError> {
        let path = self.files().remove(name)?;
        self.changed();
        Ok(path)
    }

    /// The URL a catalog model is downloaded from.
    pub fn download_url(&self, request: &DownloadRequest) -> Result<String, EngineError> {
        let entry = catalog_entry(&request.name)?;
        Ok(Downloader::new(self.download_options(request)?).url_for(entry))
    }

    fn download_options(&self, request: &DownloadRequest) -> Result<DownloadOptions, EngineError> {
        let base_url = match &request.base_url {
            Some(url) => url.clone(),
            None => {
                let store = self.engine.store();
                Settings::new(&store)
                    .get("models.base_url")
                    .map(|v| v.value)
                    .unwrap_or_else(|_| DEFAULT_BASE_URL.to_string())
            }
        };
        Ok(DownloadOptions {
            base_url,
            stall_timeout: Duration::from_secs(request.stall_timeout_s.unwrap_or(30).max(1)),
            ..DownloadOptions::default()
        })
    }

    /// Downloads a catalog model: resumable, checksum-verified, installed only when
    /// whole. Progress goes to `on_progress` and the event stream; `cancel_download`
    /// stops it (the partial file is kept, and the next download resumes it).
    pub async fn download(
        &self,
        request: &DownloadRequest,
        on_progress: impl Fn(u64, Option<u64>) + Send + 'static,
    ) -> Result<InstalledModel, EngineError> {
        let entry = catalog_entry(&request.name)?;
        let files = self.files();
        let dest = files.path_of(entry.name);
        if dest.is_file() {
            return Err(EngineError::conflict(format!(
                "{} is already installed at {}; remove it first to download again",
                entry.name,
                dest.display()
            ))
            .about(Subject::Model(entry.name.to_string())));
        }
        let cancel = CancellationToken::new();
        {
            let mut downloads = self
                .engine
                .inner
                .downloads
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if downloads.contains_key(entry.name) {
                return Err(EngineError::conflict(format!(
                    "{} is being downloaded already",
                    entry.name
                ))
                .about(Subject::Model(entry.name.to_string())));
            }
            downloads.insert(entry.name.to_string(), cancel.clone());
        }
        let downloader = Downloader::new(self.download_options(request)?);
        let events = self.engine.inner.events.clone();
        let name = entry.name.to_string();
        let progress_events = events.clone();
        let progress_name = name.clone();
        let task = self.engine.runtime().spawn(async move {
            let mut last = std::time::Instant::now() - Duration::from_secs(1);
            downloader
                .download(entry, &dest, &cancel, move |progress| {
                    on_progress(progress.downloaded, progress.total);
                    // The window needs a few updates a second, not one per chunk.
                    if last.elapsed() >= Duration::from_millis(200) {
                        last = std::time::Instant::now();
                        progress_events.send(EngineEvent::ModelDownload {
                            name: progress_name.clone(),
                            downloaded: progress.downloaded,
                            total: progress.total,
                            state: DownloadState::Running,
                            error: None,
                        });
                    }
                })
                .await
        });
        let result = task
            .await
            .map_err(|e| EngineError::internal(format!("the download failed: {e}")));
        self.engine
            .inner
            .downloads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name);
        let result = result
            .and_then(|r| r.map_err(|e| EngineError::from(e).about(Subject::Model(name.clone()))));
        let (state, error, bytes) = match &result {
            Ok(info) => (DownloadState::Completed, None, info.bytes),
            Err(e) if e.kind == super::ErrorKind::Cancelled => {
                (DownloadState::Cancelled, Some(e.message.clone()), 0)
            }
            Err(e) => (DownloadState::Failed, Some(e.message.clone()), 0),
        };
        events.send(EngineEvent::ModelDownload {
            name: name.clone(),
            downloaded: bytes,
            total: (bytes > 0).then_some(bytes),
            state,
            error,
        });
        let info = result?;
        tracing::info!(model = %name, "model downloaded");
        self.changed();
        Ok(InstalledModel::new(&files, &name, &info))
    }

    /// Stops a running download; returns whether one was running.
    pub fn cancel_download(&self, name: &str) -> bool {
        let downloads = self
            .engine
            .inner
            .downloads
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match downloads.get(name) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn changed(&self) {
        self.engine.emit(EngineEvent::Changed {
            what: ChangedArea::Models,
        });
    }
}

fn catalog_entry(name: &str) -> Result<&'static catalog::CatalogEntry, EngineError> {
    catalog::find(name.trim()).ok_or_else(|| {
        EngineError::not_found(format!("'{name}' is not in the catalog"))
            .about(Subject::Model(name.to_string()))
    })
}
