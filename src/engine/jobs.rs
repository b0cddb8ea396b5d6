//! Jobs: add recordings to the queue, list and search them, read and export their
//! transcripts, cancel, retry, delete, and send them to the webhooks again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::deliveries::MessageView;
use super::{page_limit, Engine, EngineError, EngineEvent, Page, Subject};
use crate::asr::TranscribeOptions;
use crate::export::Format;
use crate::models::{ModelInfo, Models as ModelFiles};
use crate::pipeline::Stage;
use crate::settings::Settings;
use crate::watch::{filter::FileFilter, FolderOptions};
use crate::webhooks::endpoint::{check_url, EndpointSettings};
use crate::webhooks::outbox::{job_messages, JobNotice};
use crate::webhooks::signing::Secret;
use hookscribe_store::jobs::{JobFilter, JobRecord, JobRoute, JobStatus, NewJob, Origin};
use hookscribe_store::messages::MessageFilter;
use hookscribe_store::now_ms;
use hookscribe_store::transcripts::{SearchFilter, StoredTranscript, HIT_END, HIT_START};
use hookscribe_types::stored_path::{from_stored, shown, to_stored};
use hookscribe_types::{Segment, Transcript};

/// Metadata travels with every job and webhook: keep it small.
pub const MAX_METADATA_BYTES: usize = 4096;

/// A job as every front end shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobView {
    pub id: i64,
    /// The recording.
    pub path: String,
    pub file_name: String,
    pub status: JobStatus,
    /// While running: decoding or transcribing.
    pub stage: Option<Stage>,
    /// 0-100, saved every few percent (live progress comes as events).
    pub progress: u8,
    pub error: Option<String>,
    pub origin: Origin,
    pub folder_id: Option<i64>,
    /// What was asked for (unset options follow the settings when the job runs).
    pub options: TranscribeOptions,
    #[ts(type = "Record<string, unknown> | null")]
    pub metadata: Option<Value>,
    pub transcript_id: Option<i64>,
    /// The earlier job whose transcript this one reuses (the same recording).
    pub duplicate_of: Option<i64>,
    pub attempts: i64,
    pub source_sha256: Option<String>,
    pub source_bytes: Option<i64>,
    /// The recording's length, once transcribed.
    pub audio_seconds: Option<f64>,
    /// The start of the transcript.
    pub preview: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl From<JobRecord> for JobView {
    fn from(job: JobRecord) -> Self {
        let path = shown(&job.source_path);
        Self {
            id: job.id,
            file_name: file_name(&path),
            path,
            status: job.status,
            stage: job.stage.as_deref().and_then(Stage::parse),
            progress: job.progress.clamp(0, 100) as u8,
            error: job.error,
            origin: job.origin,
            folder_id: job.folder_id,
            // Written by us; a hand-edited row shows as defaults rather than failing.
            options: serde_json::from_value(job.options).unwrap_or_default(),
            metadata: job.metadata,
            transcript_id: job.transcript_id,
            duplicate_of: job.duplicate_of,
            attempts: job.attempts,
            source_sha256: job.source_sha256,
            source_bytes: job.source_bytes,
            audio_seconds: job.audio_seconds,
            preview: job.preview,
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
        }
    }
}

/// The last part of a path, or the path itself when it has none.
pub(super) fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// A stored transcript.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TranscriptView {
    pub id: i64,
    pub text: String,
    pub segments: Vec<Segment>,
    pub language: Option<String>,
    pub model: String,
    pub audio_seconds: f64,
    pub processing_seconds: f64,
    pub source_sha256: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl From<StoredTranscript> for TranscriptView {
    fn from(stored: StoredTranscript) -> Self {
        let t = stored.transcript;
        Self {
            id: stored.id,
            text: t.text,
            segments: t.segments,
            language: t.language,
            model: t.model,
            audio_seconds: t.audio_seconds,
            processing_seconds: t.processing_seconds,
            source_sha256: stored.source_sha256,
            created_at: stored.created_at,
        }
    }
}

impl TranscriptView {
    /// The transcript itself, as the exporters take it.
    pub fn to_transcript(&self) -> Transcript {
        Transcript {
            text: self.text.clone(),
            segments: self.segments.clone(),
            language: self.language.clone(),
            model: self.model.clone(),
            audio_seconds: self.audio_seconds,
            processing_seconds: self.processing_seconds,
        }
    }
}

/// One job with everything about it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct JobDetail {
    pub job: JobView,
    pub transcript: Option<TranscriptView>,
    /// Its webhook messages, newest first.
    pub deliveries: Vec<MessageView>,
    /// Files it wrote (a watched folder's sidecars).
    pub outputs: Vec<String>,
}

/// Recordings to queue.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct AddJobs {
    /// Files, or folders whose recordings are all queued.
    #[ts(type = "Array<string>")]
    pub paths: Vec<PathBuf>,
    /// Also queue recordings in subfolders of the folders given.
    #[ts(optional = nullable)]
    pub recursive: bool,
    #[ts(optional = nullable)]
    pub options: TranscribeOptions,
    /// A JSON object (at most 4 KB) carried into the job's webhooks.
    #[ts(type = "Record<string, unknown>", optional)]
    pub metadata: Option<Value>,
    /// Where the jobs' webhooks go; unset: every endpoint subscribed to their events.
    #[ts(optional)]
    pub webhook: Option<JobWebhook>,
}

/// Where a job's webhooks go, when not to every subscribed endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobWebhook {
    /// Only to these configured endpoints.
    Endpoints { ids: Vec<i64> },
    /// To a URL of the job's own as well as to every subscribed endpoint, signed with
    /// `secret` (a `whsec_` secret; a new one when unset) and retried like any endpoint.
    Url {
        url: String,
        #[ts(optional)]
        secret: Option<String>,
    },
}

/// What [`Jobs::add_with`] queued.
#[derive(Debug, Clone)]
pub struct AddedJobs {
    pub jobs: Vec<JobView>,
    /// The signing secret made for a per-job webhook URL given without one: shown to the
    /// caller once, here.
    pub new_secret: Option<String>,
}

/// Which jobs a list shows, newest first.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    pub folder: Option<i64>,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    /// Created before (unix ms).
    pub until: Option<i64>,
    /// How many to return: default 50, at most 1000.
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// A full-text search over transcripts, best matches first.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct SearchQuery {
    pub text: String,
    pub status: Option<JobStatus>,
    pub folder: Option<i64>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// How many to return: default 50, at most 1000.
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// A piece of a snippet: matched words are `hit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchHitView {
    pub transcript_id: i64,
    /// The latest job with this transcript.
    pub job_id: Option<i64>,
    pub path: Option<String>,
    pub file_name: Option<String>,
    pub folder_id: Option<i64>,
    pub created_at: Option<i64>,
    pub snippet: Vec<SnippetPart>,
}

impl SearchHitView {
    /// The snippet with hits in `[` `]` (for terminals).
    pub fn bracketed(&self) -> String {
        self.snippet
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }
}

/// Splits a snippet marked by the store into plain and matched parts.
fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut hit = false;
    let mut text = String::new();
    for c in marked.chars() {
        let flip = (c == HIT_START && !hit) || (c == HIT_END && hit);
        if flip {
            if !text.is_empty() {
                parts.push(SnippetPart {
                    text: std::mem::take(&mut text),
                    hit,
                });
            }
            hit = !hit;
        } else if c != HIT_START && c != HIT_END {
            text.push(c);
        }
    }
    if !text.is_empty() {
        parts.push(SnippetPart { text, hit });
    }
    parts
}

/// What deleting a job did on disk.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeletedJob {
    pub job: JobView,
    /// Files it wrote that are now removed.
    pub removed: Vec<String>,
    /// Files it wrote that could not be removed, and why.
    pub not_removed: Vec<(String, String)>,
}

pub struct Jobs<'e> {
    pub(super) engine: &'e Engine,
}

impl Jobs<'_> {
    /// Queues recordings: each file, or every recording in each folder. Every path and
    /// option is checked first; nothing is queued unless all are good.
    pub fn add(&self, request: &AddJobs) -> Result<Vec<JobView>, EngineError> {
        Ok(self.add_with(request)?.jobs)
    }

    /// [`Jobs::add`], and the secret made for the jobs' own webhook URL if one was.
    pub fn add_with(&self, request: &AddJobs) -> Result<AddedJobs, EngineError> {
        if request.paths.is_empty() {
            return Err(EngineError::field("paths", "no recordings given"));
        }
        let mut files = Vec::new();
        for path in &request.paths {
            files.extend(recordings_at(path, request.recursive)?);
        }
        let mut options = request.options.clone();
        // A model file named relative to here is resolved now: the queue runs elsewhere.
        if let Some(model) = &options.model {
            let path = Path::new(model);
            if path.is_relative()
                && (model.contains('/') || model.ends_with(".bin"))
                && path.is_file()
            {
                options.model = crate::settings::absolute(path).ok().or(options.model);
            }
        }
        let request = &AddJobs {
            options,
            ..request.clone()
        };
        self.check_options(&request.options)?;
        let metadata = check_metadata(request.metadata.as_ref())?;
        let (route, new_secret) = self.route(request.webhook.as_ref())?;
        let options = serde_json::to_value(&request.options).unwrap_or(Value::Null);
        let new_jobs: Vec<NewJob> = files
            .iter()
            .map(|file| NewJob {
                route: route.clone(),
                // Byte for byte, also for a name that is not UTF-8.
                source_path: to_stored(file),
                origin: Origin::Manual,
                folder_id: None,
                options: options.clone(),
                metadata: metadata.clone(),
            })
            .collect();
        let views = self.engine.with_store(|store| {
            let mut views = Vec::with_capacity(new_jobs.len());
            store.enqueue_all(&new_jobs, &mut |record| {
                let view = JobView::from(record.clone());
                self.engine.emit(EngineEvent::JobQueued {
                    job: Box::new(view.clone()),
                });
                views.push(view);
            })?;
            Ok(views)
        })?;
        for view in &views {
            tracing::info!(job = view.id, path = %view.path, "job queued");
        }
        self.engine.wake_queue();
        Ok(AddedJobs {
            jobs: views,
            new_secret,
        })
    }

    /// Checks where the jobs' webhooks go: the endpoints must exist, a URL must be one an
    /// endpoint could have. Returns the route, and the secret made for a URL without one.
    fn route(
        &self,
        webhook: Option<&JobWebhook>,
    ) -> Result<(JobRoute, Option<String>), EngineError> {
        match webhook {
            None => Ok((JobRoute::Subscribed, None)),
            Some(JobWebhook::Endpoints { ids }) => {
                for &id in ids {
                    let owned = self.engine.with_store(|store| store.endpoint(id))?.job_id;
                    if owned.is_some() {
                        return Err(hookscribe_store::StoreError::NoSuchEndpoint(id).into());
                    }
                }
                Ok((JobRoute::Only(ids.clone()), None))
            }
            Some(JobWebhook::Url { url, secret }) => {
                let url =
                    check_url(url).map_err(|e| EngineError::field("webhook_url", e.to_string()))?;
                let settings = EndpointSettings::new(url);
                let (secret, new_secret) = match secret {
                    Some(text) => (
                        Secret::parse(text.trim())
                            .map_err(|e| EngineError::field("webhook_secret", e.to_string()))?,
                        None,
                    ),
                    None => {
                        let secret = Secret::generate()?;
                        let shown = secret.expose().to_string();
                        (secret, Some(shown))
                    }
                };
                let route = JobRoute::Own {
                    fields: settings.to_fields(),
                    secret: secret.expose().to_string(),
                };
                Ok((route, new_secret))
            }
        }
    }

    /// Checks options against the settings and what is installed, so a typo is reported
    /// now rather than as a failed job later.
    fn check_options(&self, options: &TranscribeOptions) -> Result<(), EngineError> {
        let resolved = {
            let store = self.engine.store();
            Settings::new(&store)
                .resolve(options, &ModelFiles::open(self.engine.home()))
                .map_err(|e| EngineError::from(e).about_field_if_bare("options"))?
        };
        // An English-only model cannot translate or hear another language: say so now,
        // not as a failed job (a file that is no model fails when the job runs).
        let english_only = ModelInfo::read(&resolved.model_path).is_ok_and(|m| !m.multilingual);
        let language = resolved.options.language.as_deref().unwrap_or("auto");
        let wants_other = resolved.options.translate || !["auto", "en"].contains(&language);
        if english_only && wants_other {
            let model = resolved.options.model.unwrap_or_default();
            let what = if resolved.options.translate {
                "translate".to_string()
            } else {
                format!("transcribe '{language}'")
            };
            return Err(EngineError::field(
                "options",
                format!(
                    "the model {model} understands English only; it cannot {what} (use a multilingual model such as base or small)"
                ),
            ));
        }
        Ok(())
    }

    pub fn list(&self, query: &JobQuery) -> Result<Page<JobView>, EngineError> {
        let filter = JobFilter {
            status: query.status,
            folder: query.folder,
            since: query.since,
            until: query.until,
            limit: page_limit(query.limit),
            offset: query.offset.unwrap_or(0),
        };
        self.engine.with_store(|store| {
            Ok(Page {
                items: store
                    .jobs(&filter)?
                    .into_iter()
                    .map(JobView::from)
                    .collect(),
                total: store.count_jobs(&filter)?,
                offset: filter.offset,
                limit: filter.limit,
            })
        })
    }

    pub fn get(&self, id: i64) -> Result<JobView, EngineError> {
        self.engine
            .with_store(|store| store.job(id))
            .map(JobView::from)
    }

    /// A job with its transcript, its webhook messages and the files it wrote.
    pub fn show(&self, id: i64) -> Result<JobDetail, EngineError> {
        self.engine.with_store(|store| {
            let job = store.job(id)?;
            let transcript = match job.transcript_id {
                Some(tid) => Some(store.transcript(tid)?.into()),
                None => None,
            };
            let deliveries = store
                .messages(&MessageFilter {
                    job: Some(id),
                    limit: 1000,
                    ..MessageFilter::default()
                })?
                .into_iter()
                .map(MessageView::from)
                .collect();
            Ok(JobDetail {
                outputs: store.job_outputs(id)?.iter().map(|o| shown(o)).collect(),
                job: job.into(),
                transcript,
                deliveries,
            })
        })
    }

    /// The transcript of a completed job.
    pub fn transcript(&self, id: i64) -> Result<TranscriptView, EngineError> {
        self.engine.with_store(|store| {
            let job = store.job(id)?;
            match job.transcript_id {
                Some(tid) => Ok(store.transcript(tid)?.into()),
                None => Err(hookscribe_store::StoreError::WrongState {
                    id,
                    status: job.status.as_str(),
                    action: "only completed jobs have a transcript",
                }),
            }
        })
    }

    /// The transcript rendered as text, SubRip, WebVTT or JSON.
    pub fn export(&self, id: i64, format: Format) -> Result<String, EngineError> {
        Ok(format.render(&self.transcript(id)?.to_transcript()))
    }

    /// A transcript by its own id (what webhooks name), whichever job made it.
    pub fn transcript_by_id(&self, transcript: i64) -> Result<TranscriptView, EngineError> {
        self.engine
            .with_store(|store| store.transcript(transcript))
            .map(TranscriptView::from)
    }

    /// A transcript by its own id, rendered as text, SubRip, WebVTT or JSON.
    pub fn export_transcript(
        &self,
        transcript: i64,
        format: Format,
    ) -> Result<String, EngineError> {
        Ok(format.render(&self.transcript_by_id(transcript)?.to_transcript()))
    }

    /// The job's recording on disk (what [`JobView::path`] shows, byte for byte).
    pub fn recording(&self, id: i64) -> Result<PathBuf, EngineError> {
        let job = self.engine.with_store(|store| store.job(id))?;
        Ok(from_stored(&job.source_path))
    }

    /// Writes the export to `path` (chosen in a save dialog, or on the command line).
    pub fn export_to(&self, id: i64, format: Format, path: &Path) -> Result<PathBuf, EngineError> {
        let text = self.export(id, format)?;
        if self.recording(id)? == path {
            return Err(EngineError::invalid(format!(
                "{} is the recording itself; choose another file",
                path.display()
            ))
            .about(Subject::Path(path.display().to_string())));
        }
        std::fs::write(path, text).map_err(|e| {
            EngineError::unavailable(format!("cannot write {}: {e}", path.display()))
                .about(Subject::Path(path.display().to_string()))
        })?;
        Ok(path.to_path_buf())
    }

    pub fn cancel(&self, id: i64) -> Result<JobView, EngineError> {
        let job = self.engine.with_store(|store| {
            store.cancel(id)?;
            store.job(id)
        })?;
        self.engine.emit(EngineEvent::JobCancelled { job: id });
        Ok(job.into())
    }

    pub fn retry(&self, id: i64) -> Result<JobView, EngineError> {
        let job = self.engine.with_store(|store| {
            store.retry(id)?;
            store.job(id)
        })?;
        self.engine.emit(EngineEvent::JobRequeued { job: id });
        self.engine.wake_queue();
        Ok(job.into())
    }

    /// Deletes a job, its transcript (unless another job shares it) and the files it
    /// wrote. A running job must be cancelled first.
    pub fn delete(&self, id: i64) -> Result<DeletedJob, EngineError> {
        let (job, outputs) = self.engine.with_store(|store| store.delete_job(id))?;
        let mut removed = Vec::new();
        let mut not_removed = Vec::new();
        let mut record = |path: &str, result: std::io::Result<()>| match result {
            Ok(()) => removed.push(shown(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => not_removed.push((shown(path), e.to_string())),
        };
        // A recording the local API received is Hookscribe's copy: it goes with its job.
        let source = from_stored(&job.source_path);
        let home = self.engine.home();
        if source.starts_with(home.uploads_dir()) {
            record(&job.source_path, home.remove_upload(&source));
        }
        for output in outputs {
            record(&output, std::fs::remove_file(from_stored(&output)));
        }
        self.engine.emit(EngineEvent::JobDeleted { job: id });
        Ok(DeletedJob {
            job: job.into(),
            removed,
            not_removed,
        })
    }

    /// Sends a finished job's event again to every endpoint subscribed to it now (new
    /// messages, new webhook ids).
    pub fn resend(&self, id: i64) -> Result<Vec<MessageView>, EngineError> {
        let messages = self.engine.with_store(|store| {
            let job = store.job(id)?;
            let transcript = match job.transcript_id {
                Some(tid) => Some(store.transcript(tid)?.transcript),
                None => None,
            };
            let folder = match job.folder_id {
                Some(folder) => store.folder(folder).ok(),
                None => None,
            };
            let options = folder
                .as_ref()
                .map(|f| FolderOptions::from_stored(&f.options));
            let only: Option<Vec<i64>> = match &options {
                Some(Ok(options)) => options.webhooks.clone(),
                Some(Err(_)) => Some(Vec::new()),
                None => None,
            };
            let api_base = Settings::new(store).api_base();
            let mut outbox = |finished: &hookscribe_store::messages::Finished<'_>| {
                let notice = JobNotice {
                    transcript: transcript.as_ref(),
                    folder: folder.as_ref().map(|f| f.path.as_str()),
                    only: only.as_deref(),
                    api_base: api_base.as_deref(),
                };
                job_messages(finished.job, &notice, finished.endpoints, now_ms())
                    .map_err(|e| e.to_string())
            };
            let ids = store.resend(id, &mut outbox)?;
            ids.into_iter()
                .map(|id| store.message(id).map(MessageView::from))
                .collect::<Result<Vec<_>, _>>()
        })?;
        self.engine.wake_dispatcher();
        self.engine.emit(EngineEvent::Changed {
            what: super::ChangedArea::Deliveries,
        });
        Ok(messages)
    }

    /// Full-text search over transcripts.
    pub fn search(&self, query: &SearchQuery) -> Result<Page<SearchHitView>, EngineError> {
        let filter = SearchFilter {
            status: query.status,
            folder: query.folder,
            since: query.since,
            until: query.until,
            limit: page_limit(query.limit),
            offset: query.offset.unwrap_or(0),
        };
        let hits = self
            .engine
            .with_store(|store| store.search(&query.text, &filter))?;
        let items: Vec<SearchHitView> = hits
            .into_iter()
            .map(|hit| SearchHitView {
                transcript_id: hit.transcript_id,
                job_id: hit.job_id,
                file_name: hit.source_path.as_deref().map(file_name),
                path: hit.source_path,
                folder_id: hit.folder_id,
                created_at: hit.created_at,
                snippet: snippet_parts(&hit.snippet),
            })
            .collect();
        // FTS5 has no cheap count: a page that is not full is the last one.
        let total = if items.len() < filter.limit {
            (filter.offset + items.len()) as i64
        } else {
            -1
        };
        Ok(Page {
            items,
            total,
            offset: filter.offset,
            limit: filter.limit,
        })
    }
}

/// A JSON object of at most 4 KB, or nothing.
pub(super) fn check_metadata(metadata: Option<&Value>) -> Result<Option<Value>, EngineError> {
    let Some(value) = metadata else {
        return Ok(None);
    };
    if value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(EngineError::field(
            "metadata",
            "metadata must be a JSON object, like {\"team\": \"sales\"}",
        ));
    }
    let size = value.to_string().len();
    if size > MAX_METADATA_BYTES {
        return Err(EngineError::field(
            "metadata",
            format!("metadata is {size} bytes; at most {MAX_METADATA_BYTES} are allowed"),
        ));
    }
    Ok(Some(value.clone()))
}

/// The recordings at `path`: the file itself, or the recordings in a folder (sorted).
fn recordings_at(path: &Path, recursive: bool) -> Result<Vec<PathBuf>, EngineError> {
    let shown = path.display().to_string();
    let canonical = std::fs::canonicalize(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            super::ErrorKind::NotFound
        } else {
            super::ErrorKind::Unavailable
        };
        EngineError::new(kind, format!("cannot queue {shown}: {e}"))
            .about(Subject::Path(shown.clone()))
    })?;
    if canonical.is_file() {
        return Ok(vec![canonical]);
    }
    if !canonical.is_dir() {
        return Err(EngineError::invalid(format!(
            "cannot queue {shown}: it is neither a file nor a folder"
        ))
        .about(Subject::Path(shown)));
    }
    let options = FolderOptions {
        recursive,
        ..FolderOptions::default()
    };
    let filter =
        FileFilter::new(&canonical, &options).map_err(|e| EngineError::internal(e.to_string()))?;
    let depth = if recursive { usize::MAX } else { 1 };
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&canonical)
        .max_depth(depth)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.into_path())
        .filter(|path| filter.wants(path))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(EngineError::invalid(format!(
            "{shown} holds no recordings (audio or video files){}",
            if recursive {
                ""
            } else {
                "; include its subfolders to look deeper"
            }
        ))
        .about(Subject::Path(shown)));
    }
    Ok(files)
}

/// `JobStatus` names for the command line and queries.
pub fn parse_status(text: &str) -> Result<JobStatus, String> {
    JobStatus::parse(text).ok_or_else(|| {
        format!(
            "unknown status '{text}'; choose from {}",
            JobStatus::ALL.map(|s| s.as_str()).join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_marked_parts() {
        let parts = snippet_parts("the \u{2}quarterly\u{3} \u{2}numbers\u{3} look…");
        assert_eq!(
            parts,
            [
                SnippetPart {
                    text: "the ".into(),
                    hit: false
                },
                SnippetPart {
                    text: "quarterly".into(),
                    hit: true
                },
                SnippetPart {
                    text: " ".into(),
                    hit: false
                },
                SnippetPart {
                    text: "numbers".into(),
                    hit: true
                },
                SnippetPart {
                    text: " look…".into(),
                    hit: false
                },
            ]
        );
    }

    #[test]
    fn metadata_must_be_a_small_object() {
        assert_eq!(check_metadata(None).unwrap(), None);
        let ok = serde_json::json!({"team": "sales"});
        assert_eq!(check_metadata(Some(&ok)).unwrap(), Some(ok));
        let list = serde_json::json!([1, 2]);
        let error = check_metadata(Some(&list)).unwrap_err();
        assert_eq!(error.kind, super::super::ErrorKind::InvalidInput);
        assert_eq!(error.subject, Some(Subject::Field("metadata".into())));
        let big = serde_json::json!({"x": "y".repeat(5000)});
        assert!(check_metadata(Some(&big))
            .unwrap_err()
            .message
            .contains("at most 4096"));
    }
}
