//! The queue runner: threads that claim queued jobs, hand them to a worker subprocess,
//! and record the outcome. `hookscribe run` and the desktop app both embed it.
//!
//! Every state change is in SQLite first; events are a live view for the UI and the CLI.
//! A job cancelled from another process (`hookscribe jobs cancel`) is noticed by polling
//! its row while it runs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::cores::{Claim, Cores};
use super::outputs::FolderJob;
use super::worker::{JobRequest, Worker, WorkerError};
use crate::asr::{TranscribeOptions, Transcript};
use crate::cancel::CancelFlag;
use crate::home::Home;
use crate::models::Models;
use crate::pipeline::Stage;
use crate::settings::Settings;
use crate::watch::FolderOptions;
use crate::webhooks::outbox::{job_messages, JobNotice};
use hookscribe_store::endpoints::EndpointId;
use hookscribe_store::jobs::{JobId, JobRecord, JobStatus};
use hookscribe_store::messages::{Finished, NewMessage};
use hookscribe_store::transcripts::TranscriptId;
use hookscribe_store::{now_ms, Store, StoreError};
use hookscribe_types::stored_path::from_stored;

/// A running job left silent this long by a live process is considered abandoned.
const ORPHAN_AFTER: Duration = Duration::from_secs(120);
/// How often a running job's row is checked for a cancel from elsewhere.
const CANCEL_POLL: Duration = Duration::from_millis(250);
/// A running job's heartbeat is written every 5 s (20 polls).
const HEARTBEAT_EVERY_POLLS: u32 = 20;

/// What happened to a job, as it happens.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobEvent {
    Started {
        job: JobId,
        path: String,
    },
    Progress {
        job: JobId,
        stage: Stage,
        percent: u8,
        /// Seconds left, once enough of the job has run to tell.
        eta_seconds: Option<f64>,
    },
    Completed {
        job: JobId,
        transcript: TranscriptId,
        duplicate_of: Option<JobId>,
    },
    Failed {
        job: JobId,
        error: String,
    },
    Cancelled {
        job: JobId,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error("cannot start a queue thread: {0}")]
    Thread(std::io::Error),
}

/// Where job events go.
pub type JobSink = Arc<dyn Fn(JobEvent) + Send + Sync>;

#[derive(Clone)]
pub struct RunnerConfig {
    pub home: Home,
    /// The `hookscribe` binary that serves `hookscribe worker`.
    pub worker_program: PathBuf,
    /// Jobs transcribed at once; `None` reads the `concurrency` setting.
    pub concurrency: Option<usize>,
    /// How often an idle runner looks for jobs added by other processes.
    pub poll_interval: Duration,
    pub on_event: JobSink,
}

impl RunnerConfig {
    pub fn new(home: Home, worker_program: PathBuf) -> Self {
        Self {
            home,
            worker_program,
            concurrency: None,
            poll_interval: Duration::from_millis(500),
            on_event: Arc::new(|_| {}),
        }
    }
}

/// Shared between the runner handle and its threads.
struct Shared {
    config: RunnerConfig,
    stop: AtomicBool,
    wake: (Mutex<u64>, Condvar),
    /// Cancel flags of the jobs running now, so shutdown can stop them.
    running: Mutex<Vec<(JobId, CancelFlag)>>,
    /// The threads the running jobs share.
    cores: Cores,
}

impl Shared {
    fn emit(&self, event: JobEvent) {
        (self.config.on_event)(event);
    }
}

pub struct Runner {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Runner {
    /// Recovers jobs a dead process left running, then starts the queue threads.
    pub fn start(config: RunnerConfig) -> Result<Self, RunnerError> {
        let store = Store::open(&config.home.database_path())?;
        let requeued = store.requeue_orphans(ORPHAN_AFTER)?;
        if requeued > 0 {
            tracing::info!(
                requeued,
                "jobs interrupted by a previous run were put back in the queue"
            );
        }
        let concurrency = match config.concurrency {
            Some(n) => n,
            None => Settings::new(&store).concurrency()?,
        }
        .max(1);
        let shared = Arc::new(Shared {
            config,
            stop: AtomicBool::new(false),
            wake: (Mutex::new(0), Condvar::new()),
            running: Mutex::new(Vec::new()),
            cores: Cores::new(crate::asr::default_threads(), concurrency),
        });
        let mut threads = Vec::with_capacity(concurrency);
        for index in 0..concurrency {
            let shared = shared.clone();
            let thread = std::thread::Builder::new()
                .name(format!("queue-{index}"))
                .spawn(move || work_loop(&shared))
                .map_err(RunnerError::Thread)?;
            threads.push(thread);
        }
        tracing::info!(concurrency, cores = shared.cores.total(), "queue started");
        Ok(Self { shared, threads })
    }

    /// Wakes idle threads now (a job was just added by this process).
    pub fn wake(&self) {
        self.shared.wake_all();
    }

    /// A handle that wakes the runner from another thread (the folder watcher).
    pub fn waker(&self) -> impl Fn() + Send + Sync + 'static {
        let shared = Arc::downgrade(&self.shared);
        move || {
            if let Some(shared) = shared.upgrade() {
                shared.wake_all()
            }
        }
    }

    /// Stops taking jobs, stops the running ones and puts them back in the queue for the
    /// next start.
    pub fn shutdown(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for (_, flag) in self
            .shared
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            flag.cancel();
        }
        self.wake();
        self.shared.cores.wake();
        for thread in self.threads {
            let _ = thread.join();
        }
        match Store::open(&self.shared.config.home.database_path()).and_then(|s| s.release_mine()) {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "running jobs returned to the queue"),
            Err(error) => tracing::error!(%error, "could not return running jobs to the queue"),
        }
        tracing::info!("queue stopped");
    }
}

impl Shared {
    fn wake_all(&self) {
        let (count, condvar) = &self.wake;
        *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        condvar.notify_all();
    }
}

fn work_loop(shared: &Shared) {
    let mut store = match Store::open(&shared.config.home.database_path()) {
        Ok(store) => store,
        Err(error) => {
            tracing::error!(%error, "queue thread cannot open the database");
            return;
        }
    };
    let mut worker = Worker::new(shared.config.worker_program.clone());
    loop {
        let claimed = shared
            .cores
            .claim(&shared.stop, || match store.claim_next() {
                Ok(Some(job)) => Some((job, queued(&store))),
                Ok(None) => None,
                Err(error) => {
                    tracing::error!(%error, "cannot read the queue");
                    None
                }
            });
        match claimed {
            Claim::Job(job, lease) => {
                run_job(shared, &mut store, &mut worker, job, lease.threads())
            }
            Claim::Nothing => idle(shared),
            Claim::Stopped => break,
        }
    }
}

/// Jobs still waiting (after the one just taken, which then leaves the free cores to
/// them).
fn queued(store: &Store) -> usize {
    let queued = hookscribe_store::jobs::JobFilter {
        status: Some(JobStatus::Queued),
        ..Default::default()
    };
    // Unknown: assume a batch, the choice that never oversubscribes.
    store.count_jobs(&queued).map_or(1, |n| n.max(0) as usize)
}

fn idle(shared: &Shared) {
    let (count, condvar) = &shared.wake;
    let guard = count.lock().unwrap_or_else(|e| e.into_inner());
    let seen = *guard;
    let _ = condvar.wait_timeout_while(guard, shared.config.poll_interval, |now| {
        *now == seen && !shared.stop.load(Ordering::SeqCst)
    });
}

/// SHA-256 and size of a file, read in 1 MiB blocks.
/// The recording's SHA-256 and size; stops early (`Interrupted`) when the job is
/// cancelled, since hashing a multi-GB file on a share takes minutes.
fn hash_file(path: &Path, cancel: &CancelFlag) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        if cancel.is_cancelled() {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Runs `job` on the `cores` leased to it: that many threads, unless its options name a
/// number.
fn run_job(shared: &Shared, store: &mut Store, worker: &mut Worker, job: JobRecord, cores: usize) {
    let span = tracing::info_span!("job", job = job.id);
    let _entered = span.enter();
    tracing::info!(path = %job.source_path, attempt = job.attempts, cores, "job started");
    shared.emit(JobEvent::Started {
        job: job.id,
        path: job.source_path.clone(),
    });
    let outcome = execute(shared, store, worker, &job, cores);
    let event = match outcome {
        Ok(Outcome::Completed {
            transcript,
            duplicate_of,
        }) => {
            tracing::info!(transcript, ?duplicate_of, "job completed");
            JobEvent::Completed {
                job: job.id,
                transcript,
                duplicate_of,
            }
        }
        Ok(Outcome::Cancelled) => {
            tracing::info!("job cancelled");
            JobEvent::Cancelled { job: job.id }
        }
        Ok(Outcome::Interrupted) => return,
        Err(error) => {
            tracing::warn!(%error, "job failed");
            let folder = JobFolder::load(store, &job);
            let mut outbox = folder.outbox(None);
            match store.fail(job.id, &error, &mut outbox) {
                Ok(true) => JobEvent::Failed { job: job.id, error },
                // Cancelled meanwhile: it stays cancelled and sends nothing.
                Ok(false) => JobEvent::Cancelled { job: job.id },
                Err(store_error) => {
                    tracing::error!(%store_error, "cannot record the failure");
                    JobEvent::Failed { job: job.id, error }
                }
            }
        }
    };
    shared.emit(event);
}

/// The watched folder a job came from, and what its options say about the job's
/// webhooks and outputs; and where the local API links to (for compact bodies).
struct JobFolder {
    path: Option<String>,
    options: Option<FolderOptions>,
    /// The endpoints its jobs may notify; `Some(empty)` when the options cannot be read:
    /// a folder meant to notify one endpoint must never notify them all.
    only: Option<Vec<EndpointId>>,
    api_base: Option<String>,
}

impl JobFolder {
    fn load(store: &Store, job: &JobRecord) -> Self {
        let api_base = Settings::new(store).api_base();
        let on_its_own = |api_base| Self {
            path: None,
            options: None,
            only: None,
            api_base,
        };
        let Some(id) = job.folder_id else {
            return on_its_own(api_base);
        };
        match store.folder(id) {
            Ok(record) => match FolderOptions::from_stored(&record.options) {
                Ok(options) => Self {
                    path: Some(record.path),
                    only: options.webhooks.clone(),
                    options: Some(options),
                    api_base,
                },
                Err(reason) => {
                    tracing::error!(folder = %record.path, %reason, "the job's webhooks are not sent");
                    Self {
                        path: Some(record.path),
                        options: None,
                        only: Some(Vec::new()),
                        api_base,
                    }
                }
            },
            // The folder was removed since: the job is on its own now.
            Err(_) => on_its_own(api_base),
        }
    }

    /// The outbox builder for this job's messages.
    fn outbox<'a>(
        &'a self,
        transcript: Option<&'a Transcript>,
    ) -> impl FnMut(&Finished<'_>) -> Result<Vec<NewMessage>, String> + 'a {
        move |finished| {
            let notice = JobNotice {
                transcript,
                folder: self.path.as_deref(),
                only: self.only.as_deref(),
                api_base: self.api_base.as_deref(),
            };
            job_messages(finished.job, &notice, finished.endpoints, now_ms())
                .map_err(|e| e.to_string())
        }
    }

    fn outputs(&self) -> Option<FolderJob<'_>> {
        Some(FolderJob {
            path: self.path.as_deref()?,
            options: self.options.as_ref()?,
        })
    }

    /// The folder's transcript files for a finished transcription (none for a job not from
    /// a folder); see [`super::outputs::write_sidecars`].
    fn write_sidecars(
        &self,
        store: &Store,
        job: JobId,
        source: &Path,
        transcript: &Transcript,
    ) -> Vec<PathBuf> {
        self.outputs()
            .map(|o| super::outputs::write_sidecars(store, job, source, &o, transcript))
            .unwrap_or_default()
    }

    /// Moves the source if the folder asks for it, once its job is completed.
    fn finish_source(&self, source: &Path) {
        if let Some(outputs) = self.outputs() {
            super::outputs::finish_source(source, &outputs);
        }
    }
}

/// Estimates the seconds left from how long the work took so far.
struct Eta {
    started: std::time::Instant,
}

impl Eta {
    /// Seconds left at `percent`, once 3% of the work is done (before that the first
    /// window's model warm-up dominates and any estimate misleads).
    fn at(&self, percent: u8) -> Option<f64> {
        if !(3..100).contains(&percent) {
            return (percent >= 100).then_some(0.0);
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        Some(elapsed * f64::from(100 - percent) / f64::from(percent))
    }
}

enum Outcome {
    Completed {
        transcript: TranscriptId,
        duplicate_of: Option<JobId>,
    },
    Cancelled,
    /// Stopped by shutdown: stays running in the database until released.
    Interrupted,
}

fn execute(
    shared: &Shared,
    store: &mut Store,
    worker: &mut Worker,
    job: &JobRecord,
    cores: usize,
) -> Result<Outcome, String> {
    let requested: TranscribeOptions =
        serde_json::from_value(job.options.clone()).unwrap_or_default();
    let resolved = Settings::new(store)
        .resolve(&requested, &Models::open(&shared.config.home))
        .map_err(|e| e.to_string())?;

    // From here on the job is watched: heartbeats tell other processes it is alive (also
    // while a huge file is hashed), and a cancel from anywhere reaches it.
    let running = Watched::start(shared, job.id);
    let cancel = running.cancel.clone();
    if let Ok(limit) = Settings::new(store).duration("queue.worker_timeout") {
        // A typo such as `0s` must not fail every job at once.
        worker.set_silence_limit(limit.max(std::time::Duration::from_secs(5)));
    }
    let source = from_stored(&job.source_path);
    let path = source.as_path();
    let (sha256, bytes) = match hash_file(path, &cancel) {
        Ok(hashed) => hashed,
        Err(_) if cancel.is_cancelled() => return Ok(stopped(shared)),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let recipe = resolved.recipe();
    store
        .set_source(job.id, &sha256, bytes, &recipe)
        .map_err(|e| e.to_string())?;
    let folder = JobFolder::load(store, job);
    let rerun = folder.options.as_ref().is_some_and(|o| o.rerun_duplicates);
    let original = store
        .completed_job_with_content(&sha256, &recipe)
        .map_err(|e| e.to_string())?
        .filter(|_| !rerun);
    if let Some(original) = original {
        let outcome = complete_as_duplicate(store, job, &original, &folder)?;
        return Ok(outcome.unwrap_or(Outcome::Cancelled));
    }

    let request = JobRequest {
        id: job.id,
        path: job.source_path.clone(),
        model: resolved.model_path,
        vad_model: resolved.vad_model,
        options: TranscribeOptions {
            threads: resolved.options.threads.or(Some(cores as u32)),
            ..resolved.options
        },
    };
    let mut last_saved: Option<(Stage, u8)> = None;
    let mut eta: Option<Eta> = None;
    let result = worker.transcribe(
        &request,
        |stage, percent| {
            // The estimate runs from the start of transcription (decoding is quick and
            // overlaps it).
            if stage == Stage::Transcribing && eta.is_none() {
                eta = Some(Eta {
                    started: std::time::Instant::now(),
                });
            }
            shared.emit(JobEvent::Progress {
                job: job.id,
                stage,
                percent,
                eta_seconds: eta.as_ref().and_then(|e| e.at(percent)),
            });
            // The database gets coarse progress: every 5% or a new stage.
            let due =
                last_saved.is_none_or(|(s, p)| s != stage || percent >= p + 5 || percent == 100);
            if due {
                last_saved = Some((stage, percent));
                if let Err(error) = store.set_progress(job.id, stage.as_str(), percent) {
                    tracing::warn!(%error, "cannot save progress");
                }
            }
        },
        &cancel,
    );
    drop(running);

    match result {
        Ok(transcript) => {
            let written = folder.write_sidecars(store, job.id, path, &transcript);
            let mut outbox = folder.outbox(Some(&transcript));
            let completed = store.complete(job.id, &sha256, &transcript, &mut outbox);
            match kept_or_discarded(store, job.id, &written, completed)? {
                Some(id) => {
                    folder.finish_source(path);
                    Ok(Outcome::Completed {
                        transcript: id,
                        duplicate_of: None,
                    })
                }
                // Cancelled while the last words were being written.
                None => Ok(Outcome::Cancelled),
            }
        }
        Err(WorkerError::Cancelled) if shared.stop.load(Ordering::SeqCst) => {
            Ok(Outcome::Interrupted)
        }
        Err(WorkerError::Cancelled) => Ok(Outcome::Cancelled),
        Err(error) => Err(error.to_string()),
    }
}

/// Completes a job with an earlier job's transcript of the same recording; `None` if
/// the job was cancelled meanwhile.
fn complete_as_duplicate(
    store: &mut Store,
    job: &JobRecord,
    original: &JobRecord,
    folder: &JobFolder,
) -> Result<Option<Outcome>, String> {
    let transcript_id = original.transcript_id.unwrap_or_default();
    let stored = store.transcript(transcript_id).map_err(|e| e.to_string())?;
    let source = from_stored(&job.source_path);
    let written = folder.write_sidecars(store, job.id, &source, &stored.transcript);
    let mut outbox = folder.outbox(Some(&stored.transcript));
    let completed = store
        .complete_as_duplicate(job.id, original, &mut outbox)
        .map(|done| done.then_some(()));
    if kept_or_discarded(store, job.id, &written, completed)?.is_none() {
        return Ok(None);
    }
    tracing::info!(
        original = original.id,
        "same content as an earlier job: its transcript is reused"
    );
    folder.finish_source(&source);
    Ok(Some(Outcome::Completed {
        transcript: transcript_id,
        duplicate_of: Some(original.id),
    }))
}

/// The outcome of marking a job completed, its sidecars (`written` just before) removed
/// again unless it was: `None` if the job was cancelled meanwhile.
fn kept_or_discarded<T>(
    store: &Store,
    job: JobId,
    written: &[PathBuf],
    completed: Result<Option<T>, StoreError>,
) -> Result<Option<T>, String> {
    if !matches!(completed, Ok(Some(_))) {
        super::outputs::discard_sidecars(store, job, written);
    }
    completed.map_err(|e| e.to_string())
}

/// How a job that stopped on a cancel ended: cancelled by a user, or interrupted by
/// shutdown (it goes back to the queue).
fn stopped(shared: &Shared) -> Outcome {
    if shared.stop.load(Ordering::SeqCst) {
        Outcome::Interrupted
    } else {
        Outcome::Cancelled
    }
}

/// A job this thread runs: its cancel flag registered (shutdown cancels it) and its
/// watcher thread (heartbeats, cancels from elsewhere), both undone when dropped.
struct Watched<'a> {
    shared: &'a Shared,
    id: JobId,
    cancel: CancelFlag,
    watcher: Option<CancelWatcher>,
}

impl<'a> Watched<'a> {
    fn start(shared: &'a Shared, id: JobId) -> Self {
        let cancel = CancelFlag::new();
        shared
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, cancel.clone()));
        Self {
            watcher: Some(watch_for_cancel(shared, id, cancel.clone())),
            shared,
            id,
            cancel,
        }
    }
}

impl Drop for Watched<'_> {
    fn drop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.finish();
        }
        let id = self.id;
        self.shared
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(running, _)| *running != id);
    }
}

/// Polls the job's row while it runs and raises `cancel` if someone cancelled it.
struct CancelWatcher {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CancelWatcher {
    fn finish(mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn watch_for_cancel(shared: &Shared, id: JobId, cancel: CancelFlag) -> CancelWatcher {
    let done = Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let database = shared.config.home.database_path();
    let thread = std::thread::Builder::new()
        .name(format!("cancel-watch-{id}"))
        .spawn(move || {
            let Ok(store) = Store::open(&database) else {
                return;
            };
            let mut polls = 0u32;
            while !finished.load(Ordering::SeqCst) {
                if matches!(store.job_status(id), Ok(JobStatus::Cancelled)) {
                    cancel.cancel();
                    return;
                }
                polls += 1;
                if polls % HEARTBEAT_EVERY_POLLS == 0 {
                    if let Err(error) = store.heartbeat(id) {
                        tracing::debug!(%error, job = id, "heartbeat not saved");
                    }
                }
                std::thread::sleep(CANCEL_POLL);
            }
        })
        .ok();
    CancelWatcher { done, thread }
}
