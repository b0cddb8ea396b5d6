//! The queue side of the worker subprocess: start it, send it jobs, read its events, and
//! turn its death into a clear failure of the one job it was running.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::protocol::{Event, Request};
use crate::asr::{TranscribeOptions, Transcript};
use crate::cancel::CancelFlag;
use crate::pipeline::Stage;

/// Lines of the worker's stderr kept to explain a crash.
const STDERR_TAIL_LINES: usize = 20;
/// How long a cancelled job may take to stop before its worker is killed.
const CANCEL_GRACE: Duration = Duration::from_millis(800);
/// How long a new worker may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a job's worker may say nothing before it counts as hung, unless set
/// (`queue.worker_timeout`): generous, since a large model on a slow CPU reports
/// progress once per 30-second chunk of audio.
pub const DEFAULT_SILENCE_LIMIT: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("cannot start the transcription worker {program}: {source}")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the transcription worker crashed ({how}){stderr}")]
    Crashed { how: String, stderr: String },
    #[error("the transcription worker did not start in time")]
    StartTimeout,
    #[error("the transcription worker said nothing for {}; it was stopped as hung (the queue.worker_timeout setting allows longer)", humantime::format_duration(*.0))]
    Hung(Duration),
    #[error("{0}")]
    Job(String),
    #[error("cancelled")]
    Cancelled,
}

impl WorkerError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled)
    }
}

/// What a job needs from the worker: the file, the model file, and options already
/// resolved against the settings.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub id: i64,
    pub path: String,
    pub model: PathBuf,
    /// The voice activity model, when only the speech is to be transcribed.
    pub vad_model: Option<PathBuf>,
    pub options: TranscribeOptions,
}

/// A running `hookscribe worker` process.
struct Process {
    child: Child,
    stdin: ChildStdin,
    events: Receiver<Event>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

/// Starts workers on demand and replaces one that died or hung.
pub struct Worker {
    program: PathBuf,
    process: Option<Process>,
    /// How long a job's worker may be silent before it is killed as hung.
    silence_limit: Duration,
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        4 => "SIGILL: this CPU lacks an instruction the build uses",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL: killed, possibly for running out of memory",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "signal",
    }
}

impl Worker {
    /// `program` is the `hookscribe` binary (normally `std::env::current_exe()`).
    pub fn new(program: PathBuf) -> Self {
        Self {
            program,
            process: None,
            silence_limit: DEFAULT_SILENCE_LIMIT,
        }
    }

    /// How long a job's worker may print nothing (no progress, no result) before it is
    /// killed and the job fails as hung.
    pub fn set_silence_limit(&mut self, limit: Duration) {
        self.silence_limit = limit;
    }

    /// The worker's process id, if one is running (for tests and diagnostics).
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|p| p.child.id())
    }

    fn start(&mut self) -> Result<&mut Process, WorkerError> {
        if self.process.is_none() {
            let mut child = Command::new(&self.program)
                .arg("worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|source| WorkerError::Spawn {
                    program: self.program.clone(),
                    source,
                })?;
            let (stdin, stdout, stderr_pipe) =
                match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                    (Some(a), Some(b), Some(c)) => (a, b, c),
                    _ => {
                        let _ = child.kill();
                        return Err(WorkerError::Spawn {
                            program: self.program.clone(),
                            source: std::io::Error::other("no pipes to the worker"),
                        });
                    }
                };
            let (sender, events) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    match serde_json::from_str::<Event>(&line) {
                        Ok(event) => {
                            if sender.send(event).is_err() {
                                break;
                            }
                        }
                        Err(_) => {
                            tracing::warn!(%line, "the worker printed a line that is not an event")
                        }
                    }
                }
            });
            let stderr = Arc::new(Mutex::new(VecDeque::new()));
            let tail = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr_pipe).lines() {
                    let Ok(line) = line else { break };
                    let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                    if tail.len() == STDERR_TAIL_LINES {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
            let mut process = Process {
                child,
                stdin,
                events,
                stderr,
            };
            match process.events.recv_timeout(START_TIMEOUT) {
                Ok(Event::Ready { version }) => {
                    tracing::debug!(%version, pid = process.child.id(), "worker ready")
                }
                Ok(_) | Err(RecvTimeoutError::Timeout) => {
                    let _ = process.child.kill();
                    let _ = process.child.wait();
                    return Err(WorkerError::StartTimeout);
                }
                Err(RecvTimeoutError::Disconnected) => return Err(Self::death(&mut process)),
            }
            self.process = Some(process);
        }
        self.process.as_mut().ok_or(WorkerError::StartTimeout)
    }

    /// Why a worker whose stdout closed is gone: its exit status and last stderr lines.
    fn death(process: &mut Process) -> WorkerError {
        use std::os::unix::process::ExitStatusExt;
        let how = match process.child.wait() {
            Ok(status) => match (status.signal(), status.code()) {
                (Some(signal), _) => format!("killed by signal {signal}, {}", signal_name(signal)),
                (None, Some(code)) => format!("exit code {code}"),
                _ => "unknown exit".into(),
            },
            Err(e) => format!("unknown exit: {e}"),
        };
        // Give the stderr reader a moment to collect the last lines.
        std::thread::sleep(Duration::from_millis(50));
        let tail: Vec<String> = process
            .stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        let stderr = if tail.is_empty() {
            String::new()
        } else {
            format!("; its last output:\n{}", tail.join("\n"))
        };
        WorkerError::Crashed { how, stderr }
    }

    fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
    }

    /// Runs one job. On a crash the worker is dropped (the next job starts a fresh one)
    /// and only this job fails; on cancel the worker gets a moment to stop, then is killed.
    pub fn transcribe(
        &mut self,
        job: &JobRequest,
        mut progress: impl FnMut(Stage, u8),
        cancel: &CancelFlag,
    ) -> Result<Transcript, WorkerError> {
        let request = Request::Transcribe {
            id: job.id,
            path: job.path.clone(),
            model: job.model.display().to_string(),
            vad_model: job.vad_model.as_ref().map(|p| p.display().to_string()),
            options: job.options.clone(),
        };
        let process = self.start()?;
        if write_line(&mut process.stdin, &request).is_err() {
            let error = Self::death(process);
            self.process = None;
            return Err(error);
        }
        let mut cancelled_at: Option<Instant> = None;
        let mut last_heard = Instant::now();
        loop {
            let Some(process) = self.process.as_mut() else {
                return Err(WorkerError::Cancelled);
            };
            if cancel.is_cancelled() && cancelled_at.is_none() {
                cancelled_at = Some(Instant::now());
                let _ = write_line(&mut process.stdin, &Request::Cancel { id: job.id });
            }
            if cancelled_at.is_some_and(|at| at.elapsed() > CANCEL_GRACE) {
                tracing::warn!(job = job.id, "worker did not stop in time; killing it");
                self.kill();
                return Err(WorkerError::Cancelled);
            }
            if last_heard.elapsed() > self.silence_limit {
                tracing::error!(
                    job = job.id,
                    "the worker said nothing for too long; killing it"
                );
                let limit = self.silence_limit;
                self.kill();
                return Err(WorkerError::Hung(limit));
            }
            let received = process.events.recv_timeout(Duration::from_millis(50));
            if received.is_ok() {
                last_heard = Instant::now();
            }
            match received {
                Ok(Event::Progress { id, stage, percent }) if id == job.id => {
                    progress(stage, percent)
                }
                Ok(Event::Result { id, transcript }) if id == job.id => return Ok(transcript),
                Ok(Event::Error {
                    id,
                    cancelled: true,
                    ..
                }) if id == job.id => return Err(WorkerError::Cancelled),
                Ok(Event::Error { id, message, .. }) if id == job.id => {
                    return Err(WorkerError::Job(message))
                }
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    let error = Self::death(process);
                    self.process = None;
                    if cancelled_at.is_some() {
                        return Err(WorkerError::Cancelled);
                    }
                    return Err(error);
                }
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin lets the worker finish and exit; kill it if it lingers.
        if let Some(mut process) = self.process.take() {
            drop(process.stdin);
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = process.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
    }
}

fn write_line(stdin: &mut ChildStdin, request: &Request) -> std::io::Result<()> {
    let line = serde_json::to_string(request).map_err(std::io::Error::other)?;
    writeln!(stdin, "{line}")?;
    stdin.flush()
}
