//! Watched folders: every recording that lands in one is transcribed once.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::jobs::check_metadata;
use super::{ChangedArea, Engine, EngineError, EngineEvent, Subject};
use crate::models::{catalog, Models as ModelFiles};
use crate::settings::spec;
use crate::watch::filter;
use crate::watch::{After, FolderOptions, FolderState};
use hookscribe_store::folders::FolderRecord;

/// The shortest and longest time a file must hold still before it is taken.
const STABLE_MS: std::ops::RangeInclusive<u64> = 100..=3_600_000;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FolderView {
    pub id: i64,
    pub path: String,
    pub options: FolderOptions,
    pub paused: bool,
    pub state: FolderState,
    /// Files seen and waiting to hold still (while the engine runs here).
    pub waiting: u32,
    /// Why the folder is `invalid`.
    pub problem: Option<String>,
    /// Unix ms.
    pub created_at: i64,
}

/// A folder to watch.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct FolderRequest {
    #[ts(type = "string")]
    pub path: PathBuf,
    pub options: FolderOptions,
}

pub struct Folders<'e> {
    pub(super) engine: &'e Engine,
}

impl Folders<'_> {
    /// Watches a folder. The path must be an existing folder not watched already.
    pub fn add(&self, request: &FolderRequest) -> Result<FolderView, EngineError> {
        let shown = request.path.display().to_string();
        let path = std::fs::canonicalize(&request.path).map_err(|e| {
            EngineError::not_found(format!("cannot watch {shown}: {e}"))
                .about(Subject::Path(shown.clone()))
        })?;
        if !path.is_dir() {
            return Err(
                EngineError::invalid(format!("cannot watch {shown}: it is not a folder"))
                    .about(Subject::Path(shown)),
            );
        }
        self.check(&request.options)?;
        let path_text = path.display().to_string();
        let id = self.engine.with_store(|store| {
            if store.folder_at(&path_text)?.is_some() {
                return Ok(None);
            }
            store
                .add_folder(&path_text, &request.options.to_stored())
                .map(Some)
        })?;
        let Some(id) = id else {
            return Err(
                EngineError::conflict(format!("{path_text} is already watched"))
                    .about(Subject::Path(path_text)),
            );
        };
        tracing::info!(folder = %path_text, "folder added");
        self.changed();
        self.get(id)
    }

    /// Replaces a folder's options.
    pub fn update(&self, id: i64, options: &FolderOptions) -> Result<FolderView, EngineError> {
        self.check(options)?;
        self.engine
            .with_store(|store| store.update_folder_options(id, &options.to_stored()))?;
        self.changed();
        self.get(id)
    }

    pub fn list(&self) -> Result<Vec<FolderView>, EngineError> {
        let records = self.engine.with_store(|store| store.folders())?;
        let all_paused = self.all_paused()?;
        Ok(records
            .into_iter()
            .map(|r| self.view(r, all_paused))
            .collect())
    }

    pub fn get(&self, id: i64) -> Result<FolderView, EngineError> {
        let record = self.engine.with_store(|store| store.folder(id))?;
        Ok(self.view(record, self.all_paused()?))
    }

    /// Whether watching is paused for every folder (`folders.paused`).
    pub fn all_paused(&self) -> Result<bool, EngineError> {
        let store = self.engine.store();
        Ok(crate::settings::Settings::new(&store).switch(crate::watch::PAUSED_SETTING)?)
    }

    /// Pauses (`true`) or resumes watching every folder at once.
    pub fn pause_all(&self, paused: bool) -> Result<(), EngineError> {
        self.engine.settings().set(
            crate::watch::PAUSED_SETTING,
            if paused { "true" } else { "false" },
        )?;
        self.changed();
        Ok(())
    }

    /// Stops watching a folder; its jobs and transcripts stay.
    pub fn remove(&self, id: i64) -> Result<FolderView, EngineError> {
        let view = self.get(id)?;
        self.engine.with_store(|store| store.remove_folder(id))?;
        self.changed();
        Ok(view)
    }

    /// Stops (`true`) or resumes taking new files from a folder.
    pub fn set_paused(&self, id: i64, paused: bool) -> Result<FolderView, EngineError> {
        self.engine
            .with_store(|store| store.set_folder_paused(id, paused))?;
        self.changed();
        self.get(id)
    }

    fn view(&self, record: FolderRecord, all_paused: bool) -> FolderView {
        let options = FolderOptions::from_stored(&record.options);
        let live = self
            .engine
            .folder_status()
            .and_then(|board| board.get(&record.id).copied());
        let (state, waiting) = match (&options, live) {
            _ if record.paused || all_paused => (FolderState::Paused, 0),
            (Err(_), _) => (FolderState::Invalid, 0),
            (Ok(_), Some(event)) => (event.state, event.waiting),
            (Ok(options), None) => (idle_state(&record.path, options), 0),
        };
        let problem = options.as_ref().err().cloned();
        FolderView {
            id: record.id,
            path: record.path,
            options: options.unwrap_or_default(),
            paused: record.paused,
            state,
            waiting,
            problem,
            created_at: record.created_at,
        }
    }

    /// Checks every option a user can get wrong, naming the field.
    fn check(&self, options: &FolderOptions) -> Result<(), EngineError> {
        filter::validate(&options.include)
            .and_then(|_| filter::validate(&options.exclude))
            .map_err(|e| EngineError::field("include", e.to_string()))?;
        if options.include.is_empty() {
            return Err(EngineError::field(
                "include",
                "at least one pattern of files to take is needed (such as *.mp3)",
            ));
        }
        if let Some(dir) = &options.output_dir {
            relative_name(dir, "the output folder", "output_dir")?;
        }
        if let After::Move(dir) = &options.after {
            relative_name(dir, "the move-to folder", "after")?;
        }
        check_metadata(options.metadata.as_ref())?;
        if !STABLE_MS.contains(&options.stable_ms) {
            return Err(EngineError::field(
                "stable_ms",
                format!(
                    "a file must hold still between 100 ms and 1 hour (got {} ms)",
                    options.stable_ms
                ),
            ));
        }
        if let Some(language) = &options.language {
            spec("language")?
                .validate(language)
                .map_err(|e| EngineError::field("language", e.to_string()))?;
        }
        if let Some(model) = &options.model {
            let models = ModelFiles::open(self.engine.home());
            if models.resolve(model).is_err() && catalog::find(model).is_none() {
                return Err(EngineError::field(
                    "model",
                    format!("'{model}' is neither an installed model nor one in the catalog"),
                ));
            }
        }
        if let Some(ids) = &options.webhooks {
            for id in ids {
                self.engine.with_store(|store| store.endpoint(*id))?;
            }
        }
        Ok(())
    }

    fn changed(&self) {
        self.engine.emit(EngineEvent::Changed {
            what: ChangedArea::Folders,
        });
    }
}

/// A folder's state when no watcher runs in this process: what one would find.
fn idle_state(path: &str, options: &FolderOptions) -> FolderState {
    if !Path::new(path).is_dir() {
        FolderState::Unavailable
    } else if options.poll {
        FolderState::Polling
    } else {
        FolderState::Watching
    }
}

/// A folder name inside the watched folder: not absolute, no `..`.
fn relative_name(value: &str, what: &str, field: &str) -> Result<(), EngineError> {
    let path = Path::new(value);
    if value.trim().is_empty()
        || path.is_absolute()
        || path.components().any(|c| matches!(c, Component::ParentDir))
    {
        return Err(EngineError::field(
            field,
            format!("{what} '{value}' must be a folder name inside the watched folder"),
        ));
    }
    Ok(())
}
