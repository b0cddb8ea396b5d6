//! Jobs and their transcripts: typed queries over the `jobs`, `transcripts`, `segments`
//! and `transcripts_fts` tables.
//!
//! A job is a row before it is work: `enqueue` commits it, `claim_next` hands it to a
//! worker, and `complete` stores the transcript and marks the job done in one transaction
//! (so a crash never leaves a transcript without its job, or stores one twice).

use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::asr::{Segment, Transcript};

pub type JobId = i64;
pub type TranscriptId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => Self::Queued,
        }
    }
}

/// Where a job came from; hand-added jobs run before a watched folder's backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// What a job asks for beyond the file: stored as JSON so options can grow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub translate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub source_path: String,
    pub origin: Origin,
    /// The watched folder it came from.
    pub folder_id: Option<i64>,
    pub options: JobOptions,
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: JobId,
    pub source_path: String,
    pub source_sha256: Option<String>,
    pub source_bytes: Option<i64>,
    pub origin: Origin,
    pub status: JobStatus,
    pub stage: Option<String>,
    pub progress: i64,
    pub error: Option<String>,
    pub options: JobOptions,
    pub metadata: Option<serde_json::Value>,
    pub transcript_id: Option<TranscriptId>,
    pub duplicate_of: Option<JobId>,
    pub attempts: i64,
    /// Unix milliseconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub folder_id: Option<i64>,
}

/// A transcript as stored.
#[derive(Debug, Clone, Serialize)]
pub struct StoredTranscript {
    pub id: TranscriptId,
    pub source_sha256: String,
    pub transcript: Transcript,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub transcript_id: TranscriptId,
    /// The most recent job with this transcript, if any is left.
    pub job_id: Option<JobId>,
    pub source_path: Option<String>,
    /// Matching text with the hits wrapped in `[` `]`.
    pub snippet: String,
}

/// Whether a process with this id exists (signal 0 checks without sending anything).
#[cfg(unix)]
pub(crate) fn process_alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 sends nothing; it only reports whether the pid exists.
    let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub(crate) fn process_alive(_pid: u32) -> bool {
    // Without a cheap check, trust the heartbeat alone.
    true
}

const JOB_COLUMNS: &str = "id, source_path, source_sha256, source_bytes, origin, status, stage, \
    progress, error, options, metadata, transcript_id, duplicate_of, attempts, created_at, \
    started_at, finished_at, folder_id";

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn job_from_row(row: &Row) -> rusqlite::Result<Job> {
    let origin: String = row.get(4)?;
    let status: String = row.get(5)?;
    let options: String = row.get(9)?;
    let metadata: Option<String> = row.get(10)?;
    Ok(Job {
        id: row.get(0)?,
        source_path: row.get(1)?,
        source_sha256: row.get(2)?,
        source_bytes: row.get(3)?,
        origin: if origin == "folder" {
            Origin::Folder
        } else {
            Origin::Manual
        },
        status: JobStatus::parse(&status),
        stage: row.get(6)?,
        progress: row.get(7)?,
        error: row.get(8)?,
        // Written by us as JSON; a hand-edited row degrades to defaults, not a crash.
        options: serde_json::from_str(&options).unwrap_or_default(),
        metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
        transcript_id: row.get(11)?,
        duplicate_of: row.get(12)?,
        attempts: row.get(13)?,
        created_at: row.get(14)?,
        started_at: row.get(15)?,
        finished_at: row.get(16)?,
        folder_id: row.get(17)?,
    })
}

/// Turns what a user types into an FTS5 query that cannot be a syntax error: each word
/// becomes a quoted term, all of which must match.
fn fts_query(text: &str) -> String {
    text.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Inserts a queued job (also used inside other transactions).
pub(super) fn insert_job(conn: &rusqlite::Connection, job: &NewJob) -> rusqlite::Result<JobId> {
    let options = serde_json::to_string(&job.options).unwrap_or_else(|_| "{}".into());
    let metadata = job.metadata.as_ref().map(|m| m.to_string());
    conn.execute(
        "INSERT INTO jobs (source_path, origin, priority, status, options, metadata, created_at, folder_id)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7)",
        params![
            job.source_path,
            job.origin.as_str(),
            job.origin.priority(),
            options,
            metadata,
            now_ms(),
            job.folder_id
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    pub fn enqueue(&self, job: &NewJob) -> Result<JobId, StoreError> {
        Ok(insert_job(&self.conn, job)?)
    }

    pub fn job(&self, id: JobId) -> Result<Job, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                [id],
                job_from_row,
            )
            .optional()?
            .ok_or(StoreError::NoSuchJob(id))
    }

    /// Jobs, newest first, optionally only those in `status`.
    pub fn jobs(&self, status: Option<JobStatus>, limit: usize) -> Result<Vec<Job>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = statement.query_map(
            params![status.map(JobStatus::as_str), limit as i64],
            job_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Takes the next queued job (hand-added first, then oldest) and marks it running,
    /// owned by this process.
    pub fn claim_next(&mut self) -> Result<Option<Job>, StoreError> {
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
        let job = tx.query_row(
            &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
            [id],
            job_from_row,
        )?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Coarse progress for running jobs (the live stream goes through events); also the
    /// owner's heartbeat.
    pub fn set_progress(&self, id: JobId, stage: &str, percent: u8) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET stage = ?2, progress = ?3, heartbeat_at = ?4 WHERE id = ?1 AND status = 'running'",
            params![id, stage, i64::from(percent), now_ms()],
        )?;
        Ok(())
    }

    /// Tells other processes this one still works on `id`.
    pub fn heartbeat(&self, id: JobId) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET heartbeat_at = ?2 WHERE id = ?1 AND status = 'running'",
            params![id, now_ms()],
        )?;
        Ok(())
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
            .map(|s| JobStatus::parse(&s))
            .ok_or(StoreError::NoSuchJob(id))
    }

    pub fn set_source(&self, id: JobId, sha256: &str, bytes: u64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE jobs SET source_sha256 = ?2, source_bytes = ?3 WHERE id = ?1",
            params![id, sha256, bytes as i64],
        )?;
        Ok(())
    }

    /// Stores the transcript and completes the job, atomically. A job that is no longer
    /// running (cancelled meanwhile, or already completed) is left alone and nothing is
    /// stored: a transcript is never stored twice.
    pub fn complete(
        &mut self,
        id: JobId,
        sha256: &str,
        transcript: &Transcript,
    ) -> Result<Option<TranscriptId>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let status: Option<String> = tx
            .query_row("SELECT status FROM jobs WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?;
        match status.as_deref() {
            None => return Err(StoreError::NoSuchJob(id)),
            Some("running") => {}
            Some(_) => return Ok(None),
        }
        tx.execute(
            "INSERT INTO transcripts (source_sha256, text, language, model, audio_seconds, processing_seconds, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                sha256,
                transcript.text,
                transcript.language,
                transcript.model,
                transcript.audio_seconds,
                transcript.processing_seconds,
                now_ms()
            ],
        )?;
        let transcript_id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO segments (transcript_id, idx, start_s, end_s, text, words) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (index, segment) in transcript.segments.iter().enumerate() {
                let words = (!segment.words.is_empty())
                    .then(|| serde_json::to_string(&segment.words).unwrap_or_default());
                insert.execute(params![
                    transcript_id,
                    index as i64,
                    segment.start,
                    segment.end,
                    segment.text,
                    words
                ])?;
            }
        }
        tx.execute(
            "UPDATE jobs SET status = 'completed', stage = NULL, progress = 100, transcript_id = ?2,
                 source_sha256 = ?3, finished_at = ?4
             WHERE id = ?1",
            params![id, transcript_id, sha256, now_ms()],
        )?;
        // The transactional outbox: the job is never completed without its messages.
        super::webhooks::enqueue_job_event(&tx, id)?;
        tx.commit()?;
        Ok(Some(transcript_id))
    }

    /// Completes a job with the transcript of an earlier job of the same content.
    pub fn complete_as_duplicate(&mut self, id: JobId, of: &Job) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE jobs SET status = 'completed', stage = NULL, progress = 100, transcript_id = ?2,
                 duplicate_of = ?3, source_sha256 = ?4, finished_at = ?5
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id, of.transcript_id, of.id, of.source_sha256, now_ms()],
        )?;
        if changed == 1 {
            super::webhooks::enqueue_job_event(&tx, id)?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// The latest completed job whose source had this content, if its transcript is kept.
    pub fn completed_job_with_content(&self, sha256: &str) -> Result<Option<Job>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE source_sha256 = ?1 AND status = 'completed'
                     AND transcript_id IS NOT NULL ORDER BY id DESC LIMIT 1"
                ),
                [sha256],
                job_from_row,
            )
            .optional()?)
    }

    /// Marks a running job failed and writes its `transcription.failed` messages, in one
    /// transaction.
    pub fn fail(&mut self, id: JobId, reason: &str) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE jobs SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1 AND status = 'running'",
            params![id, reason, now_ms()],
        )?;
        if changed == 1 {
            super::webhooks::enqueue_job_event(&tx, id)?;
        }
        tx.commit()?;
        Ok(())
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
        match self.job(id) {
            Ok(job) => StoreError::WrongState {
                id,
                status: job.status.as_str(),
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

    /// Deletes a job, and its transcript unless another job shares it.
    pub fn delete_job(&mut self, id: JobId) -> Result<Job, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let job = tx
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                [id],
                job_from_row,
            )
            .optional()?
            .ok_or(StoreError::NoSuchJob(id))?;
        if job.status == JobStatus::Running {
            return Err(StoreError::WrongState {
                id,
                status: "running",
                action: "cancel it first",
            });
        }
        tx.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
        if let Some(transcript) = job.transcript_id {
            tx.execute(
                "DELETE FROM transcripts WHERE id = ?1
                 AND NOT EXISTS (SELECT 1 FROM jobs WHERE transcript_id = ?1)",
                [transcript],
            )?;
        }
        tx.commit()?;
        Ok(job)
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

    pub fn transcript(&self, id: TranscriptId) -> Result<Option<StoredTranscript>, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT source_sha256, text, language, model, audio_seconds, processing_seconds, created_at
                 FROM transcripts WHERE id = ?1",
                [id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, f64>(4)?,
                        row.get::<_, f64>(5)?,
                        row.get::<_, i64>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((sha, text, language, model, audio_seconds, processing_seconds, created_at)) =
            head
        else {
            return Ok(None);
        };
        let mut statement = self.conn.prepare(
            "SELECT start_s, end_s, text, words FROM segments WHERE transcript_id = ?1 ORDER BY idx",
        )?;
        let segments = statement
            .query_map([id], |row| {
                let words: Option<String> = row.get(3)?;
                Ok(Segment {
                    start: row.get(0)?,
                    end: row.get(1)?,
                    text: row.get(2)?,
                    words: words
                        .and_then(|w| serde_json::from_str(&w).ok())
                        .unwrap_or_default(),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(StoredTranscript {
            id,
            source_sha256: sha,
            created_at,
            transcript: Transcript {
                text,
                segments,
                language,
                model,
                audio_seconds,
                processing_seconds,
            },
        }))
    }

    /// Full-text search over transcripts, best matches first.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let query = fts_query(text);
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let mut statement = self.conn.prepare(
            "SELECT f.rowid, snippet(transcripts_fts, 0, '[', ']', '…', 12),
                    (SELECT j.id FROM jobs j WHERE j.transcript_id = f.rowid ORDER BY j.id DESC LIMIT 1),
                    (SELECT j.source_path FROM jobs j WHERE j.transcript_id = f.rowid ORDER BY j.id DESC LIMIT 1)
             FROM transcripts_fts f WHERE transcripts_fts MATCH ?1 ORDER BY rank LIMIT ?2",
        )?;
        let hits = statement
            .query_map(params![query, limit as i64], |row| {
                Ok(SearchHit {
                    transcript_id: row.get(0)?,
                    snippet: row.get(1)?,
                    job_id: row.get(2)?,
                    source_path: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::temp_store as store;

    fn new_job(path: &str, origin: Origin) -> NewJob {
        NewJob {
            source_path: path.into(),
            origin,
            folder_id: None,
            options: JobOptions::default(),
            metadata: Some(serde_json::json!({"meeting": "weekly"})),
        }
    }

    fn transcript(text: &str) -> Transcript {
        Transcript {
            text: text.into(),
            segments: vec![Segment::new(0.0, 2.0, text)],
            language: Some("en".into()),
            model: "tiny.en".into(),
            audio_seconds: 2.0,
            processing_seconds: 0.5,
        }
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
    fn completion_stores_the_transcript_once_and_it_is_searchable() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        let t = transcript("The quarterly numbers look strong this year.");
        let tid = store.complete(id, "abc", &t).unwrap().expect("stored");
        assert_eq!(
            store.complete(id, "abc", &t).unwrap(),
            None,
            "never stored twice"
        );
        let job = store.job(id).unwrap();
        assert_eq!(
            (job.status, job.transcript_id, job.progress),
            (JobStatus::Completed, Some(tid), 100)
        );
        assert_eq!(job.metadata.unwrap()["meeting"], "weekly");
        let stored = store.transcript(tid).unwrap().unwrap();
        assert_eq!(stored.transcript.segments, t.segments);

        let hits = store.search("QUARTERLY numbers", 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].job_id, Some(id));
        assert!(
            hits[0].snippet.contains("[quarterly] [numbers]"),
            "{}",
            hits[0].snippet
        );
        assert!(
            store.search("\"unbalanced AND (", 10).unwrap().is_empty(),
            "user text is never FTS syntax"
        );
    }

    #[test]
    fn a_cancelled_job_does_not_store_a_late_transcript() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        store.cancel(id).unwrap();
        assert_eq!(
            store.complete(id, "abc", &transcript("late")).unwrap(),
            None
        );
        assert!(store.search("late", 10).unwrap().is_empty());
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
        store
            .fail(b, "worker killed by signal 9 (SIGKILL)")
            .unwrap();
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
        assert_eq!(store.jobs(Some(JobStatus::Failed), 10).unwrap().len(), 1);
        assert_eq!(store.jobs(None, 10).unwrap().len(), 2);
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
        let tid = store
            .complete(first, "same", &transcript("hello there"))
            .unwrap()
            .unwrap();
        let copy = store
            .enqueue(&new_job("/copy/a.wav", Origin::Folder))
            .unwrap();
        let original = store.completed_job_with_content("same").unwrap().unwrap();
        assert!(store.complete_as_duplicate(copy, &original).unwrap());
        let job = store.job(copy).unwrap();
        assert_eq!(
            (job.transcript_id, job.duplicate_of),
            (Some(tid), Some(first))
        );

        store.delete_job(first).unwrap();
        assert!(
            store.transcript(tid).unwrap().is_some(),
            "still used by the copy"
        );
        store.delete_job(copy).unwrap();
        assert!(
            store.transcript(tid).unwrap().is_none(),
            "deleted with its last job"
        );
        assert!(
            store.search("hello", 10).unwrap().is_empty(),
            "and gone from the index"
        );
    }

    #[test]
    fn a_running_job_cannot_be_deleted() {
        let (_d, mut store) = store();
        let id = store.enqueue(&new_job("/a.wav", Origin::Manual)).unwrap();
        store.claim_next().unwrap();
        let err = store.delete_job(id).unwrap_err().to_string();
        assert!(
            err.contains("running") && err.contains("cancel it first"),
            "{err}"
        );
        assert!(matches!(store.job(999), Err(StoreError::NoSuchJob(999))));
    }
}
