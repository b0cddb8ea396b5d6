//! Jobs: typed queries over the `jobs` and `job_outputs` tables.
//!
//! A job is a row before it is work: `enqueue` commits it, `claim_next` hands it to a
//! worker, and `complete` stores the transcript, marks the job done and writes its
//! outbox messages in one transaction (so a crash never leaves a transcript without its
//! job, or a finished job without its webhooks).

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::endpoints::{insert_endpoint, EndpointFields, EndpointId};
use crate::messages::{insert_outbox, Outbox};
use crate::transcripts::{insert_transcript, TranscriptId};
use crate::{now_ms, process_alive, Store, StoreError};
use hookscribe_types::Transcript;

pub type JobId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        Self::Queued,
        Self::Running,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Whether the job will not change again by itself.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a job came from; hand-added jobs run before a watched folder's backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Manual,
    Folder,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Folder => "folder",
        }
    }

    fn priority(self) -> i64 {
        match self {
            Self::Manual => 0,
            Self::Folder => 10,
        }
    }
}

/// A job to queue. `options` and `metadata` are stored as JSON: the store keeps them,
/// the engine gives them meaning.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub source_path: String,
    pub origin: Origin,
    /// The watched folder it came from.
    pub folder_id: Option<i64>,
    pub options: Value,
    pub metadata: Option<Value>,
    /// Where its webhooks go.
    pub route: JobRoute,
}

/// Where a job's webhooks go.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum JobRoute {
    /// To every endpoint subscribed to the job's event (a watched folder may narrow that).
    #[default]
    Subscribed,
    /// To these configured endpoints only.
    Only(Vec<EndpointId>),
    /// To an endpoint of its own, created with the job and removed with it, as well as to
    /// every subscribed endpoint (a per-job `webhook_url` from the local API).
    Own {
        fields: EndpointFields,
        secret: String,
    },
}

/// Told of each job a queueing transaction adds, before it commits: a queue working on
/// another connection cannot claim the job (and announce its start) before the job's
/// own announcement is out, so listeners never hear of a start before the queueing.
/// (If the commit then fails, the caller reports the error; the job never existed.)
pub type Announce<'a> = &'a mut dyn FnMut(&JobRecord);

/// A job as stored, with a glimpse of its transcript (for lists).
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: JobId,
    pub source_path: String,
    pub source_sha256: Option<String>,
    pub source_bytes: Option<i64>,
    pub origin: Origin,
    pub status: JobStatus,
    pub stage: Option<String>,
    pub progress: i64,
    pub error: Option<String>,
    /// The transcription options as queued (JSON).
    pub options: Value,
    pub metadata: Option<Value>,
    pub transcript_id: Option<TranscriptId>,
    pub duplicate_of: Option<JobId>,
    pub attempts: i64,
    /// Unix milliseconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub folder_id: Option<i64>,
    /// The start of the transcript's text.
    pub preview: Option<String>,
    /// The recording's length in seconds, once transcribed.
    pub audio_seconds: Option<f64>,
    /// The only configured endpoints its webhooks go to (`None`: every subscribed one).
    pub only_endpoints: Option<Vec<EndpointId>>,
}

/// Which jobs a list shows, newest first.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub folder: Option<i64>,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    /// Created before (unix ms).
    pub until: Option<i64>,
    pub limit: usize,
    pub offset: usize,
}

const JOB_SELECT: &str = "SELECT j.id, j.source_path, j.source_sha256, j.source_bytes, j.origin, \
    j.status, j.stage, j.progress, j.error, j.options, j.metadata, j.transcript_id, \
    j.duplicate_of, j.attempts, j.created_at, j.started_at, j.finished_at, j.folder_id, \
    substr(t.text, 1, 160), t.audio_seconds, j.webhooks \
    FROM jobs j LEFT JOIN transcripts t ON t.id = j.transcript_id";

const JOB_FILTER: &str = "(?1 IS NULL OR j.status = ?1) AND (?2 IS NULL OR j.folder_id = ?2) \
    AND (?3 IS NULL OR j.created_at >= ?3) AND (?4 IS NULL OR j.created_at < ?4)";

fn job_from_row(row: &Row) -> rusqlite::Result<JobRecord> {
    let origin: String = row.get(4)?;
    let status: String = row.get(5)?;
    let options: String = row.get(9)?;
    let metadata: Option<String> = row.get(10)?;
    Ok(JobRecord {
        id: row.get(0)?,
        source_path: row.get(1)?,
        source_sha256: row.get(2)?,
        source_bytes: row.get(3)?,
        origin: if origin == "folder" {
            Origin::Folder
        } else {
            Origin::Manual
        },
        // The CHECK constraint allows only known statuses.
        status: JobStatus::parse(&status).unwrap_or(JobStatus::Failed),
        stage: row.get(6)?,
        progress: row.get(7)?,
        error: row.get(8)?,
        // Written by us as JSON; a hand-edited row degrades to defaults, not a crash.
        options: serde_json::from_str(&options)
            .unwrap_or_else(|_| Value::Object(Default::default())),
        metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
        transcript_id: row.get(11)?,
        duplicate_of: row.get(12)?,
        attempts: row.get(13)?,
        created_at: row.get(14)?,
        started_at: row.get(15)?,
        finished_at: row.get(16)?,
        folder_id: row.get(17)?,
        preview: row.get(18)?,
        audio_seconds: row.get(19)?,
        only_endpoints: row
            .get::<_, Option<String>>(20)?
            .and_then(|ids| serde_json::from_str(&ids).ok()),
    })
}

/// Inserts a queued job, and its own endpoint if it has one (also used inside other
/// transactions: the two are written together or not at all).
pub(crate) fn insert_job(conn: &Connection, job: &NewJob) -> rusqlite::Result<JobId> {
    let options = crate::to_json(&job.options, "{}");
    let metadata = job.metadata.as_ref().map(|m| m.to_string());
    let only = match &job.route {
        JobRoute::Only(ids) => Some(crate::to_json(ids, "[]")),
        JobRoute::Subscribed | JobRoute::Own { .. } => None,
    };
    conn.execute(
        "INSERT INTO jobs (source_path, origin, priority, status, options, metadata, created_at,
             folder_id, webhooks)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?8)",
        params![
            job.source_path,
            job.origin.as_str(),
            job.origin.priority(),
            options,
            metadata,
            now_ms(),
            job.folder_id,
            only
        ],
    )?;
    let id = conn.last_insert_rowid();
    if let JobRoute::Own { fields, secret } = &job.route {
        insert_endpoint(conn, fields, secret, Some(id))?;
    }
    Ok(id)
}

pub(crate) fn job_in(conn: &Connection, id: JobId) -> Result<JobRecord, StoreError> {
    conn.query_row(&format!("{JOB_SELECT} WHERE j.id = ?1"), [id], job_from_row)
        .optional()?
        .ok_or(StoreError::NoSuchJob(id))
}

impl Store {
    pub fn enqueue(&self, job: &NewJob) -> Result<JobId, StoreError> {
        Ok(insert_job(&self.conn, job)?)
    }

    /// Queues several jobs in one transaction: all or none. `announce` gets each job
    /// before the commit (see [`Announce`]).
    pub fn enqueue_all(
        &mut self,
        jobs: &[NewJob],
        announce: Announce<'_>,
    ) -> Result<Vec<JobId>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids = jobs
            .iter()
            .map(|job| insert_job(&tx, job))
            .collect::<Result<Vec<_>, _>>()?;
        for id in &ids {
            announce(&job_in(&tx, *id)?);
        }
        tx.commit()?;
        Ok(ids)
    }

    pub fn job(&self, id: JobId) -> Result<JobRecord, StoreError> {
        job_in(&self.conn, id)
    }

    /// Jobs matching `filter`, newest first.
    pub fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "{JOB_SELECT} WHERE {JOB_FILTER} ORDER BY j.id DESC LIMIT ?5 OFFSET ?6"
        ))?;
        let rows = statement.query_map(
            params![
                filter.status.map(JobStatus::as_str),
                filter.folder,
                filter.since,
                filter.until,
                filter.limit.min(i64::MAX as usize) as i64,
                filter.offset.min(i64::MAX as usize) as i64
            ],
            job_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many jobs match `filter` (its limit and offset aside).
    pub fn count_jobs(&self, filter: &JobFilter) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            &format!("SELECT count(*) FROM jobs j WHERE {JOB_FILTER}"),
            params![
                filter.status.map(JobStatus::as_str),
                filter.folder,
                filter.since,
                filter.until
            ],
            |r| r.get(0),
        )?)
    }

    /// Jobs by status, for summaries.
    pub fn job_counts(&self) -> Result<Vec<(JobStatus, i64)>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT status, count(*) FROM jobs GROUP BY status")?;
        let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        let mut counts = Vec::new();
        for row in rows {
            let (status, count) = row?;
            if let Some(status) = JobStatus::parse(&status) {
                counts.push((status, count));
            }
        }
        Ok(counts)
    }

    /// Takes the next queued job (hand-added first, then oldest) and marks it running,
    /// owned by this process.
    pub fn claim_next(&mut self) -> Result<Option<JobRecord>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: Option<JobId> = tx
            .query_row(
                "SELECT id FROM jobs WHERE status = 'queued' ORDER BY priority, id LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        tx.execute(
            "UPDATE jobs SET status = 'running', stage = 'decoding', progress = 0, error = NULL,
                 attempts = attempts + 1, started_at = ?2, finished_at = NULL,
                 claimed_by = ?3, heartbeat_at = ?2
             WHERE id = ?1",
            params![id, now_ms(), std::process::id()],
        )?;
        let job = job_in(&tx, id)?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Coarse progress for running jobs (the live stream goes through events); also the
    /// owner's heartbeat. Only the owner's: a job another process took back is not its.
    pub fn set_progress(&self, id: JobId, stage: &str, percent: u8) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET stage = ?2, progress = ?3, heartbeat_at = ?4
             WHERE id = ?1 AND status = 'running' AND claimed_by IS ?5",
            params![id, stage, i64::from(percent), now_ms(), std::process::id()],
        )?;
        Ok(())
    }

    /// Tells other processes this one still works on `id` (if it still owns it).
    pub fn heartbeat(&self, id: JobId) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET heartbeat_at = ?2
             WHERE id = ?1 AND status = 'running' AND claimed_by IS ?3",
            params![id, now_ms(), std::process::id()],
        )?;
        Ok(())
    }

    /// Whether this process runs `id`: running and claimed by it (not taken back by
    /// another process meanwhile).
    fn owns(conn: &Connection, id: JobId) -> Result<bool, StoreError> {
        Ok(conn
            .query_row(
                "SELECT status = 'running' AND claimed_by IS ?2 FROM jobs WHERE id = ?1",
                params![id, std::process::id()],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// The job's status, cheaply (a runner polls it to notice a cancel from elsewhere).
    pub fn job_status(&self, id: JobId) -> Result<JobStatus, StoreError> {
        let status: Option<String> = self
            .conn
            .query_row("SELECT status FROM jobs WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?;
        status
            .and_then(|s| JobStatus::parse(&s))
            .ok_or(StoreError::NoSuchJob(id))
    }

    /// Records what the job's recording holds and the recipe it is transcribed with
    /// (the options that change a transcript, as one string the engine makes).
    pub fn set_source(
        &self,
        id: JobId,
        sha256: &str,
        bytes: u64,
        recipe: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET source_sha256 = ?2, source_bytes = ?3, recipe = ?4 WHERE id = ?1",
            params![id, sha256, bytes as i64, recipe],
        )?;
        Ok(())
    }

    /// Stores the transcript, completes the job and writes its outbox messages,
    /// atomically. A job this process no longer runs (cancelled meanwhile, completed, or
    /// taken back by another process) is left alone and nothing is stored: a transcript
    /// is never stored twice.
    pub fn complete(
        &mut self,
        id: JobId,
        sha256: &str,
        transcript: &Transcript,
        outbox: Outbox<'_>,
    ) -> Result<Option<TranscriptId>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        job_in(&tx, id)?;
        if !Self::owns(&tx, id)? {
            return Ok(None);
        }
        let transcript_id = insert_transcript(&tx, sha256, transcript)?;
        tx.execute(
            "UPDATE jobs SET status = 'completed', stage = NULL, progress = 100, transcript_id = ?2,
                 source_sha256 = ?3, finished_at = ?4
             WHERE id = ?1",
            params![id, transcript_id, sha256, now_ms()],
        )?;
        finish(tx, id, 1, outbox)?;
        Ok(Some(transcript_id))
    }

    /// Completes a job with the transcript of an earlier job of the same content.
    pub fn complete_as_duplicate(
        &mut self,
        id: JobId,
        of: &JobRecord,
        outbox: Outbox<'_>,
    ) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE jobs SET status = 'completed', stage = NULL, progress = 100, transcript_id = ?2,
                 duplicate_of = ?3, source_sha256 = ?4, finished_at = ?5
             WHERE id = ?1 AND (status = 'queued' OR (status = 'running' AND claimed_by IS ?6))",
            params![
                id,
                of.transcript_id,
                of.id,
                of.source_sha256,
                now_ms(),
                std::process::id()
            ],
        )?;
        finish(tx, id, changed, outbox)
    }

    /// The latest completed job whose source had this content and that was transcribed
    /// with the same recipe (a translation is no transcription, `base` is not `tiny`), if
    /// its transcript is kept.
    pub fn completed_job_with_content(
        &self,
        sha256: &str,
        recipe: &str,
    ) -> Result<Option<JobRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "{JOB_SELECT} WHERE j.source_sha256 = ?1 AND j.recipe = ?2
                     AND j.status = 'completed' AND j.transcript_id IS NOT NULL
                     ORDER BY j.id DESC LIMIT 1"
                ),
                params![sha256, recipe],
                job_from_row,
            )
            .optional()?)
    }

    /// Marks a running job failed and writes its outbox messages, in one transaction.
    /// Returns whether this process was running it (a cancelled job stays cancelled; one
    /// another process took back is its to finish).
    pub fn fail(
        &mut self,
        id: JobId,
        reason: &str,
        outbox: Outbox<'_>,
    ) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE jobs SET status = 'failed', error = ?2, finished_at = ?3
             WHERE id = ?1 AND status = 'running' AND claimed_by IS ?4",
            params![id, reason, now_ms(), std::process::id()],
        )?;
        finish(tx, id, changed, outbox)
    }

    /// Writes the messages of a finished job again (a re-send), for the endpoints the
    /// outbox builder picks; returns their ids.
    pub fn resend(&mut self, id: JobId, outbox: Outbox<'_>) -> Result<Vec<i64>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let job = job_in(&tx, id)?;
        if !matches!(job.status, JobStatus::Completed | JobStatus::Failed) {
            return Err(StoreError::WrongState {
                id,
                status: job.status.as_str(),
                action: "only completed or failed jobs can be sent to webhooks",
            });
        }
        let ids = insert_outbox(&tx, &job, outbox)?;
        tx.commit()?;
        Ok(ids)
    }

    /// Cancels a queued or running job. (A running job's worker notices the row.)
    pub fn cancel(&self, id: JobId) -> Result<(), StoreError> {
        // One conditional UPDATE: a job that completes at the same moment is not
        // cancelled after the fact.
        let changed = self.conn.execute(
            "UPDATE jobs SET status = 'cancelled', stage = NULL, finished_at = ?2
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id, now_ms()],
        )?;
        if changed == 0 {
            return Err(self.wrong_state(id, "only queued or running jobs can be cancelled"));
        }
        Ok(())
    }

    /// Puts a failed or cancelled job back in the queue.
    pub fn retry(&self, id: JobId) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, error = NULL,
                 started_at = NULL, finished_at = NULL
             WHERE id = ?1 AND status IN ('failed', 'cancelled')",
            [id],
        )?;
        if changed == 0 {
            return Err(self.wrong_state(id, "only failed or cancelled jobs can be retried"));
        }
        Ok(())
    }

    /// The error for a transition the job's current state does not allow.
    fn wrong_state(&self, id: JobId, action: &'static str) -> StoreError {
        match self.job_status(id) {
            Ok(status) => StoreError::WrongState {
                id,
                status: status.as_str(),
                action,
            },
            Err(error) => error,
        }
    }

    /// Records a file a job wrote (sidecars), so deleting the job removes it too.
    pub fn add_job_output(&self, id: JobId, path: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO job_outputs (job_id, path) VALUES (?1, ?2)",
            params![id, path],
        )?;
        Ok(())
    }

    /// Forgets a file recorded for a job that was not written after all.
    pub fn remove_job_output(&self, id: JobId, path: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM job_outputs WHERE job_id = ?1 AND path = ?2",
            params![id, path],
        )?;
        Ok(())
    }

    /// Whether Hookscribe wrote this file (a sidecar): such files never become jobs.
    pub fn is_job_output(&self, path: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM job_outputs WHERE path = ?1 LIMIT 1",
                [path],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    pub fn job_outputs(&self, id: JobId) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT path FROM job_outputs WHERE job_id = ?1 ORDER BY path")?;
        let paths = statement
            .query_map([id], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(paths)
    }

    /// Deletes a job, and its transcript unless another job shares it. Returns the job
    /// and the files it wrote (for the caller to remove).
    pub fn delete_job(&mut self, id: JobId) -> Result<(JobRecord, Vec<String>), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let job = job_in(&tx, id)?;
        if job.status == JobStatus::Running {
            return Err(StoreError::WrongState {
                id,
                status: "running",
                action: "cancel it first",
            });
        }
        let outputs: Vec<String> = {
            let mut statement =
                tx.prepare("SELECT path FROM job_outputs WHERE job_id = ?1 ORDER BY path")?;
            let rows = statement.query_map([id], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        tx.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
        if let Some(transcript) = job.transcript_id {
            tx.execute(
                "DELETE FROM transcripts WHERE id = ?1
                 AND NOT EXISTS (SELECT 1 FROM jobs WHERE transcript_id = ?1)",
                [transcript],
            )?;
        }
        tx.commit()?;
        Ok((job, outputs))
    }

    /// Crash recovery: jobs left running by a process that is gone (or silent for longer
    /// than `stale_after`) go back to the queue. Jobs another live process is running are
    /// left alone, so the desktop app and `hookscribe run` can share a database.
    pub fn requeue_orphans(&self, stale_after: std::time::Duration) -> Result<usize, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, claimed_by, heartbeat_at FROM jobs WHERE status = 'running'")?;
        let running: Vec<(JobId, Option<i64>, Option<i64>)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let stale_before = now_ms() - stale_after.as_millis() as i64;
        let mut requeued = 0;
        for (id, owner, heartbeat) in running {
            let owner_alive = owner
                .is_some_and(|pid| pid as u32 != std::process::id() && process_alive(pid as u32));
            let fresh = heartbeat.is_some_and(|at| at >= stale_before);
            if owner_alive && fresh {
                continue;
            }
            requeued += self.conn.execute(
                "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, claimed_by = NULL
                 WHERE id = ?1 AND status = 'running'",
                [id],
            )?;
        }
        Ok(requeued)
    }

    /// Puts this process's running jobs back in the queue (graceful shutdown).
    pub fn release_mine(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, claimed_by = NULL
             WHERE status = 'running' AND claimed_by = ?1",
            [std::process::id()],
        )?)
    }
}

/// Writes a just-finished job's outbox messages and commits; `changed` is how many rows
/// the finishing update changed (none: the job was not in a state to finish, and nothing
/// is written). Returns whether the job finished.
fn finish(
    tx: Transaction<'_>,
    id: JobId,
    changed: usize,
    outbox: Outbox<'_>,
) -> Result<bool, StoreError> {
    if changed == 0 {
        return Ok(false);
    }
    // The transactional outbox: the job is never finished without its messages.
    let job = job_in(&tx, id)?;
    insert_outbox(&tx, &job, outbox)?;
    tx.commit()?;
    Ok(true)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::messages::no_messages;
    use crate::temp_store as store;
    use hookscribe_types::Segment;

    fn new_job(path: &str, origin: Origin) -> NewJob {
        NewJob {
            route: Default::default(),
            source_path: path.into(),
            origin,
            folder_id: None,
            options: serde_json::json!({}),
            metadata: Some(serde_json::json!({"meeting": "weekly"})),
        }
    }

    pub(crate) fn transcript(text: &str) -> Transcript {
        Transcript {
            text: text.into(),
            segments: vec![Segment::new(0.0, 2.0, text)],
            language: Some("en".into()),
            model: "tiny.en".into(),
            audio_seconds: 2.0,
            processing_seconds: 0.5,
        }
    }

    fn all(store: &Store) -> Vec<JobRecord> {
        store
            .jobs(&JobFilter {
                limit: 100,
                ..JobFilter::default()
            })
            .unwrap()
    }

    #[test]
    fn hand_added_jobs_run_before_a_folder_backlog() {
        let (_d, mut store) = store();
        let backlog = store.enqueue(&new_job("/w/a.wav", Origin::Folder)).unwrap();
        store.enqueue(&new_job("/w/b.wav", Origin::Folder)).unwrap();
        let dropped = store
            .enqueue(&new_job("/home/drop.mp3", Origin::Manual))
            .unwrap();
        let first = store.claim_next().unwrap().unwrap();
        assert_eq!(first.id, dropped);
        assert_eq!(first.status, JobStatus::Running);
        assert_eq!(first.attempts, 1);
        assert_eq!(store.claim_next().unwrap().unwrap().id, backlog);
    }

    #[test]
    fn completion_stores_the_transcript_once() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        let t = transcript("The quarterly numbers look strong this year.");
        let tid = store
            .complete(id, "abc", &t, &mut no_messages)
            .unwrap()
            .expect("stored");
        assert_eq!(
            store.complete(id, "abc", &t, &mut no_messages).unwrap(),
            None,
            "never stored twice"
        );
        let job = store.job(id).unwrap();
        assert_eq!(
            (job.status, job.transcript_id, job.progress),
            (JobStatus::Completed, Some(tid), 100)
        );
        assert_eq!(job.metadata.unwrap()["meeting"], "weekly");
        assert_eq!(job.audio_seconds, Some(2.0));
        assert!(job.preview.unwrap().starts_with("The quarterly"));
        let stored = store.transcript(tid).unwrap();
        assert_eq!(stored.transcript.segments, t.segments);
    }

    #[test]
    fn a_cancelled_job_does_not_store_a_late_transcript() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        store.cancel(id).unwrap();
        assert_eq!(
            store
                .complete(id, "abc", &transcript("late"), &mut no_messages)
                .unwrap(),
            None
        );
        assert!(store
            .search("late", &Default::default())
            .unwrap()
            .is_empty());
        store.retry(id).unwrap();
        assert_eq!(store.job(id).unwrap().status, JobStatus::Queued);
        let err = store.retry(id).unwrap_err().to_string();
        assert!(err.contains("only failed or cancelled"), "{err}");
    }

    #[test]
    fn orphaned_jobs_are_requeued_and_failures_keep_their_reason() {
        let (_d, mut store) = store();
        let a = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        let b = store.enqueue(&new_job("/b.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        store.claim_next().unwrap();
        assert!(store
            .fail(b, "worker killed by signal 9 (SIGKILL)", &mut no_messages)
            .unwrap());
        // Jobs this process claimed count as orphans at start-up (it has just started).
        assert_eq!(
            store
                .requeue_orphans(std::time::Duration::from_secs(60))
                .unwrap(),
            1
        );
        assert_eq!(store.job(a).unwrap().status, JobStatus::Queued);
        let failed = store.job(b).unwrap();
        assert_eq!(failed.status, JobStatus::Failed);
        assert_eq!(
            failed.error.as_deref(),
            Some("worker killed by signal 9 (SIGKILL)")
        );
        let only_failed = JobFilter {
            status: Some(JobStatus::Failed),
            limit: 10,
            ..JobFilter::default()
        };
        assert_eq!(store.jobs(&only_failed).unwrap().len(), 1);
        assert_eq!(store.count_jobs(&only_failed).unwrap(), 1);
        assert_eq!(all(&store).len(), 2);
    }

    #[test]
    fn lists_page_and_filter_by_folder_status_and_date() {
        let (_d, store) = store();
        let folder = store.add_folder("/rec", &serde_json::json!({})).unwrap();
        let mut ids = Vec::new();
        for n in 0..25 {
            let mut job = new_job(&format!("/rec/{n}.wav"), Origin::Folder);
            job.folder_id = (n % 2 == 0).then_some(folder);
            ids.push(store.enqueue(&job).unwrap());
        }
        let page = |offset| {
            store
                .jobs(&JobFilter {
                    limit: 10,
                    offset,
                    ..JobFilter::default()
                })
                .unwrap()
                .iter()
                .map(|j| j.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(page(0)[0], ids[24], "newest first");
        assert_eq!(page(20).len(), 5);
        let in_folder = JobFilter {
            folder: Some(folder),
            limit: 100,
            ..JobFilter::default()
        };
        assert_eq!(store.count_jobs(&in_folder).unwrap(), 13);
        let future = JobFilter {
            since: Some(now_ms() + 60_000),
            limit: 100,
            ..JobFilter::default()
        };
        assert_eq!(store.count_jobs(&future).unwrap(), 0);
        assert_eq!(store.job_counts().unwrap(), vec![(JobStatus::Queued, 25)]);
    }

    #[test]
    fn a_job_taken_back_by_another_process_is_no_longer_this_ones_to_finish() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        let beat = |store: &Store| -> i64 {
            store
                .conn
                .query_row("SELECT heartbeat_at FROM jobs WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap()
        };
        // This process went quiet (hashing a huge file on a share, before the fix);
        // another one took the job back and runs it now.
        store
            .conn
            .execute(
                "UPDATE jobs SET claimed_by = 1, heartbeat_at = 5 WHERE id = ?1",
                [id],
            )
            .unwrap();
        store.heartbeat(id).unwrap();
        store.set_progress(id, "transcribing", 50).unwrap();
        assert_eq!(beat(&store), 5, "no heartbeat for a job it does not own");
        assert_eq!(store.job(id).unwrap().progress, 0);
        let done = store
            .complete(id, "aa", &transcript("late"), &mut no_messages)
            .unwrap();
        assert_eq!(done, None, "its late transcript is not stored");
        assert!(!store.fail(id, "late failure", &mut no_messages).unwrap());
        let job = store.job(id).unwrap();
        assert_eq!(job.status, JobStatus::Running, "still the other process's");
        assert_eq!(job.transcript_id, None);
    }

    #[test]
    fn a_job_another_live_process_runs_is_left_alone_until_its_heartbeat_stops() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        // Pretend pid 1 (always alive) owns it, with a fresh heartbeat.
        store
            .conn
            .execute("UPDATE jobs SET claimed_by = 1 WHERE id = ?1", [id])
            .unwrap();
        let minute = std::time::Duration::from_secs(60);
        assert_eq!(store.requeue_orphans(minute).unwrap(), 0);
        assert_eq!(store.job(id).unwrap().status, JobStatus::Running);
        // Silent for longer than allowed: taken back.
        store
            .conn
            .execute(
                "UPDATE jobs SET heartbeat_at = heartbeat_at - 120000 WHERE id = ?1",
                [id],
            )
            .unwrap();
        assert_eq!(store.requeue_orphans(minute).unwrap(), 1);
        assert_eq!(store.job(id).unwrap().status, JobStatus::Queued);
    }

    #[test]
    fn duplicates_share_a_transcript_that_outlives_either_job() {
        let (_d, mut store) = store();
        let first = store.enqueue(&new_job("/a.wav", Origin::Folder)).unwrap();
        store.claim_next().unwrap();
        store.set_source(first, "same", 5, "tiny-en-beam5").unwrap();
        let tid = store
            .complete(first, "same", &transcript("hello there"), &mut no_messages)
            .unwrap()
            .unwrap();
        let copy = store
            .enqueue(&new_job("/copy/a.wav", Origin::Folder))
            .unwrap();
        assert!(
            store
                .completed_job_with_content("same", "tiny-en-translate")
                .unwrap()
                .is_none(),
            "the same recording made another way (a translation) is not reused"
        );
        let original = store
            .completed_job_with_content("same", "tiny-en-beam5")
            .unwrap()
            .unwrap();
        assert!(store
            .complete_as_duplicate(copy, &original, &mut no_messages)
            .unwrap());
        let job = store.job(copy).unwrap();
        assert_eq!(
            (job.transcript_id, job.duplicate_of),
            (Some(tid), Some(first))
        );

        store.delete_job(first).unwrap();
        assert!(store.transcript(tid).is_ok(), "still used by the copy");
        store.delete_job(copy).unwrap();
        assert!(
            matches!(store.transcript(tid), Err(StoreError::NoSuchTranscript(_))),
            "deleted with its last job"
        );
        assert!(
            store
                .search("hello", &Default::default())
                .unwrap()
                .is_empty(),
            "and gone from the index"
        );
    }

    #[test]
    fn a_running_job_cannot_be_deleted_and_deleting_returns_its_outputs() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        let err = store.delete_job(id).unwrap_err().to_string();
        assert!(
            err.contains("running") && err.contains("cancel it first"),
            "{err}"
        );
        assert!(matches!(store.job(999), Err(StoreError::NoSuchJob(999))));
        store.add_job_output(id, "/a.txt").unwrap();
        store.cancel(id).unwrap();
        let (job, outputs) = store.delete_job(id).unwrap();
        assert_eq!((job.id, outputs), (id, vec!["/a.txt".to_string()]));
        assert!(!store.is_job_output("/a.txt").unwrap());
    }
}
