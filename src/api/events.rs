//! The engine's events as the API serves them: numbered, kept for a while so a client
//! that reconnects with `Last-Event-ID` misses nothing, and filtered per job.
//!
//! Events are a live view; the store is the truth. A job stream therefore starts with a
//! snapshot of the job as stored, and checks the store now and then: a job finished by
//! another process on the same data folder (whose events this one never hears) still
//! ends its stream.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::engine::{Engine, EngineEvent, JobStatus, JobView, Stage};

/// How many events are kept for clients that reconnect.
const HELD: usize = 10_000;
/// How often a job stream reads the job from the store.
const STORE_CHECK: Duration = Duration::from_secs(2);

/// One numbered event, as sent: `event:` is `name`, `data:` is `data`.
#[derive(Debug, Clone)]
pub struct Numbered {
    pub id: u64,
    pub name: String,
    pub data: Arc<Value>,
    /// The job it is about, if any.
    job: Option<i64>,
    /// Whether the job will not change again after it.
    terminal: bool,
}

/// A job's latest progress, for `GET /v1/jobs/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub stage: Stage,
    pub percent: u8,
    pub eta_seconds: Option<f64>,
}

pub struct EventLog {
    held: Mutex<Held>,
    live: broadcast::Sender<Numbered>,
    /// Cancelled when the server stops: every stream ends then.
    stop: CancellationToken,
}

struct Held {
    events: VecDeque<Numbered>,
    next_id: u64,
    progress: HashMap<i64, Progress>,
}

/// What a follower gets: the held events after the id it gave, whether events it never
/// saw are no longer held, and everything from then on.
pub struct Follow {
    pub missed: Vec<Numbered>,
    pub gap: bool,
    pub live: broadcast::Receiver<Numbered>,
}

impl EventLog {
    /// Starts recording the engine's events until `stop`.
    pub fn start(engine: &Engine, stop: CancellationToken) -> Arc<Self> {
        // Ids start from the clock, so an id from an earlier run of the server reads as
        // older than anything held (a gap), never as a future one.
        let first = (crate::engine::now_ms().max(0) as u64) * 1000;
        let log = Arc::new(Self {
            held: Mutex::new(Held {
                events: VecDeque::with_capacity(1024),
                next_id: first,
                progress: HashMap::new(),
            }),
            live: broadcast::channel(4096).0,
            stop: stop.clone(),
        });
        let mut events = engine.subscribe();
        let recorder = log.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    received = events.recv() => match received {
                        Ok(event) => recorder.record(&event),
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!(missed = n, "the API's event log fell behind the engine");
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                }
            }
        });
        log
    }

    fn held(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, event: &EngineEvent) {
        let data = serde_json::to_value(event).unwrap_or(Value::Null);
        let mut held = self.held();
        match event {
            EngineEvent::JobProgress {
                job,
                stage,
                percent,
                eta_seconds,
            } => {
                held.progress.insert(
                    *job,
                    Progress {
                        stage: *stage,
                        percent: *percent,
                        eta_seconds: *eta_seconds,
                    },
                );
            }
            other => {
                if let Some(job) = job_of(other).filter(|_| is_terminal(other)) {
                    held.progress.remove(&job);
                }
            }
        }
        let numbered = Numbered {
            id: held.next_id,
            name: name_of(&data),
            job: job_of(event),
            terminal: is_terminal(event),
            data: Arc::new(data),
        };
        held.next_id += 1;
        if held.events.len() == HELD {
            held.events.pop_front();
        }
        held.events.push_back(numbered.clone());
        // Sent under the lock: a follower subscribing meanwhile gets each event once,
        // either among the missed ones or live.
        let _ = self.live.send(numbered);
    }

    /// The held events after `after` (none without it), and the live ones from now on.
    pub fn follow(&self, after: Option<u64>) -> Follow {
        let held = self.held();
        let live = self.live.subscribe();
        let Some(after) = after else {
            return Follow {
                missed: Vec::new(),
                gap: false,
                live,
            };
        };
        let oldest = held.events.front().map(|e| e.id).unwrap_or(held.next_id);
        Follow {
            gap: after + 1 < oldest,
            missed: held
                .events
                .iter()
                .filter(|e| e.id > after)
                .cloned()
                .collect(),
            live,
        }
    }

    /// The id the next event will have, less one (what a snapshot is numbered).
    pub fn last_id(&self) -> u64 {
        self.held().next_id - 1
    }

    pub fn progress(&self, job: i64) -> Option<Progress> {
        self.held().progress.get(&job).copied()
    }
}

/// The SSE event name: the engine event's `type` (`job_progress`, `job_completed`, …).
fn name_of(data: &Value) -> String {
    data.get("type")
        .and_then(Value::as_str)
        .unwrap_or("event")
        .to_string()
}

fn job_of(event: &EngineEvent) -> Option<i64> {
    match event {
        EngineEvent::JobQueued { job } => Some(job.id),
        EngineEvent::JobStarted { job, .. }
        | EngineEvent::JobProgress { job, .. }
        | EngineEvent::JobCompleted { job, .. }
        | EngineEvent::JobFailed { job, .. }
        | EngineEvent::JobCancelled { job }
        | EngineEvent::JobRequeued { job }
        | EngineEvent::JobDeleted { job } => Some(*job),
        EngineEvent::DeliveryAttempted { job, .. } => *job,
        _ => None,
    }
}

fn is_terminal(event: &EngineEvent) -> bool {
    matches!(
        event,
        EngineEvent::JobCompleted { .. }
            | EngineEvent::JobFailed { .. }
            | EngineEvent::JobCancelled { .. }
            | EngineEvent::JobDeleted { .. }
    )
}

/// The event that says how a finished job ended, made from its row (for a job that ended
/// before the stream began, or in another process).
fn ending(job: &JobView, id: u64) -> Option<Numbered> {
    let event = match job.status {
        JobStatus::Completed => EngineEvent::JobCompleted {
            job: job.id,
            transcript: job.transcript_id?,
            duplicate_of: job.duplicate_of,
        },
        JobStatus::Failed => EngineEvent::JobFailed {
            job: job.id,
            error: job.error.clone().unwrap_or_default(),
        },
        JobStatus::Cancelled => EngineEvent::JobCancelled { job: job.id },
        JobStatus::Queued | JobStatus::Running => return None,
    };
    let data = serde_json::to_value(&event).unwrap_or(Value::Null);
    Some(Numbered {
        id,
        name: name_of(&data),
        job: Some(job.id),
        terminal: true,
        data: Arc::new(data),
    })
}

fn snapshot(job: &JobView, id: u64) -> Numbered {
    Numbered {
        id,
        name: "snapshot".into(),
        data: Arc::new(serde_json::json!({"type": "snapshot", "job": job})),
        job: Some(job.id),
        terminal: false,
    }
}

/// A job's events, ending with the one that finishes it: a snapshot first (unless the
/// client resumes from an id still held), then what happens. Stops when the receiver is
/// dropped (the client went away).
pub fn job_events(
    engine: Engine,
    log: Arc<EventLog>,
    job: i64,
    after: Option<u64>,
) -> mpsc::Receiver<Numbered> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        if let Err(reason) = follow_job(&engine, &log, job, after, &tx).await {
            tracing::debug!(job, reason, "job event stream ended early");
        }
    });
    rx
}

async fn follow_job(
    engine: &Engine,
    log: &EventLog,
    job: i64,
    after: Option<u64>,
    tx: &mpsc::Sender<Numbered>,
) -> Result<(), &'static str> {
    let send =
        |event: Numbered| async move { tx.send(event).await.map_err(|_| "the client went away") };
    let Follow {
        missed,
        gap,
        mut live,
    } = log.follow(after);
    let stored = read_job(engine, job).await.ok_or("the job is gone")?;
    if after.is_none() || gap {
        send(snapshot(&stored, log.last_id())).await?;
    }
    for event in missed.into_iter().filter(|e| e.job == Some(job)) {
        let terminal = event.terminal;
        send(event).await?;
        if terminal {
            return Ok(());
        }
    }
    if let Some(end) = ending(&stored, log.last_id()) {
        return send(end).await;
    }
    let mut check = tokio::time::interval(STORE_CHECK);
    check.tick().await;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(event) if event.job == Some(job) => {
                    let terminal = event.terminal;
                    send(event).await?;
                    if terminal {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                // Fell behind: the store says where the job is.
                Err(broadcast::error::RecvError::Lagged(_)) => check.reset_immediately(),
                Err(broadcast::error::RecvError::Closed) => return Err("the server stopped"),
            },
            _ = check.tick() => {
                let stored = read_job(engine, job).await.ok_or("the job is gone")?;
                if let Some(end) = ending(&stored, log.last_id()) {
                    return send(end).await;
                }
            }
            _ = tx.closed() => return Err("the client went away"),
            _ = log.stop.cancelled() => return Err("the server stopped"),
        }
    }
}

async fn read_job(engine: &Engine, job: i64) -> Option<JobView> {
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || engine.jobs().get(job).ok())
        .await
        .ok()
        .flatten()
}

/// Every event from now on (or after `after`, while held), for dashboards. A client that
/// falls too far behind is told so with a `lagged` event and should read the lists again.
pub fn all_events(log: Arc<EventLog>, after: Option<u64>) -> mpsc::Receiver<Numbered> {
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        let Follow {
            missed,
            gap,
            mut live,
        } = log.follow(after);
        if gap {
            let _ = tx.send(lagged(log.last_id())).await;
        }
        for event in missed {
            if tx.send(event).await.is_err() {
                return;
            }
        }
        loop {
            let event = tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(_)) => lagged(log.last_id()),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tx.closed() => return,
                _ = log.stop.cancelled() => return,
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    });
    rx
}

fn lagged(id: u64) -> Numbered {
    Numbered {
        id,
        name: "lagged".into(),
        data: Arc::new(serde_json::json!({
            "type": "lagged",
            "message": "some events were missed; read the jobs and deliveries again"
        })),
        job: None,
        terminal: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> EventLog {
        EventLog {
            held: Mutex::new(Held {
                events: VecDeque::new(),
                next_id: 100,
                progress: HashMap::new(),
            }),
            live: broadcast::channel(16).0,
            stop: CancellationToken::new(),
        }
    }

    #[test]
    fn followers_resume_after_the_id_they_saw_and_hear_of_gaps() {
        let log = log();
        for job in 1..=3 {
            log.record(&EngineEvent::JobCancelled { job });
        }
        let resumed = log.follow(Some(100));
        let ids: Vec<u64> = resumed.missed.iter().map(|e| e.id).collect();
        assert_eq!(ids, [101, 102]);
        assert!(!resumed.gap);
        assert_eq!(resumed.missed[0].name, "job_cancelled");
        assert!(resumed.missed[0].terminal);
        assert!(log.follow(Some(50)).gap, "an id older than anything held");
        assert!(log.follow(None).missed.is_empty());
    }

    #[test]
    fn progress_is_kept_until_the_job_ends() {
        let log = log();
        log.record(&EngineEvent::JobProgress {
            job: 7,
            stage: Stage::Transcribing,
            percent: 40,
            eta_seconds: Some(3.0),
        });
        assert_eq!(log.progress(7).map(|p| p.percent), Some(40));
        log.record(&EngineEvent::JobFailed {
            job: 7,
            error: "x".into(),
        });
        assert_eq!(log.progress(7), None);
    }
}
