//! The transactional outbox: the messages of a finished job, written inside the
//! transaction that finishes it (see `Store::complete` and `Store::fail`).

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use super::{all_endpoints, insert_message, Endpoint, EndpointId};
use crate::asr::Segment;
use crate::store::jobs::{now_ms, JobId};
use crate::store::StoreError;
use crate::webhooks::payload::{self, Completed, Format, JobFacts, JobOutcome};
use crate::webhooks::signing;

/// Writes the outbox rows for a finished job: one message per endpoint subscribed to
/// its event (and allowed by the job's folder). Runs inside the caller's transaction.
pub(in crate::store) fn enqueue_job_event(
    conn: &Connection,
    job_id: JobId,
) -> Result<usize, StoreError> {
    let Some((facts, folder_endpoints)) = job_facts(conn, job_id)? else {
        return Ok(0);
    };
    let event = facts.event();
    let endpoints: Vec<Endpoint> = all_endpoints(conn)?
        .into_iter()
        .filter(|e| e.subscribes(event))
        .filter(|e| {
            folder_endpoints
                .as_ref()
                .is_none_or(|ids| ids.contains(&e.id))
        })
        .collect();
    if endpoints.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    // Each format's body is built once, however many endpoints share it.
    let mut bodies: Vec<(Format, Vec<u8>)> = Vec::new();
    for endpoint in &endpoints {
        let format = endpoint.settings.format;
        let index = match bodies.iter().position(|(f, _)| *f == format) {
            Some(index) => index,
            None => {
                bodies.push((format, payload::job_body(&facts, format, now)));
                bodies.len() - 1
            }
        };
        let body = &bodies[index].1;
        let webhook_id =
            signing::new_message_id().map_err(|e| StoreError::Random(e.to_string()))?;
        insert_message(conn, &webhook_id, event, endpoint, Some(job_id), body, now)?;
    }
    Ok(endpoints.len())
}

/// Everything a job event's body says, and which endpoints its folder notifies (`None`:
/// all). `None` for a job that is not finished.
fn job_facts(
    conn: &Connection,
    job_id: JobId,
) -> rusqlite::Result<Option<(JobFacts, Option<Vec<EndpointId>>)>> {
    type JobRow = (
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
        i64,
        Option<i64>,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let row: Option<JobRow> = conn
        .query_row(
            "SELECT source_path, source_sha256, source_bytes, metadata, created_at, finished_at,
                    status, error, transcript_id, duplicate_of, folder_id
             FROM jobs WHERE id = ?1",
            [job_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            },
        )
        .optional()?;
    let Some((
        path,
        sha256,
        bytes,
        metadata,
        created_at,
        finished_at,
        status,
        error,
        transcript_id,
        duplicate_of,
        folder_id,
    )) = row
    else {
        return Ok(None);
    };
    let folder: Option<(String, String)> = match folder_id {
        Some(id) => conn
            .query_row(
                "SELECT path, options FROM folders WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
        None => None,
    };
    let folder_endpoints = folder.as_ref().and_then(|(_, options)| {
        serde_json::from_str::<crate::store::folders::FolderOptions>(options)
            .ok()
            .and_then(|o| o.webhooks)
    });
    let outcome = match (status.as_str(), transcript_id) {
        ("completed", Some(transcript_id)) => {
            let Some(outcome) = completed_outcome(conn, transcript_id, duplicate_of)? else {
                return Ok(None);
            };
            outcome
        }
        ("failed", _) => JobOutcome::Failed {
            error: error.unwrap_or_default(),
        },
        _ => return Ok(None),
    };
    let facts = JobFacts {
        job_id,
        source_path: path,
        sha256,
        bytes,
        folder: folder.map(|(path, _)| path),
        metadata: metadata.and_then(|m| serde_json::from_str::<Value>(&m).ok()),
        created_at,
        finished_at: finished_at.unwrap_or_else(now_ms),
        outcome,
    };
    Ok(Some((facts, folder_endpoints)))
}

fn completed_outcome(
    conn: &Connection,
    transcript_id: i64,
    duplicate_of: Option<JobId>,
) -> rusqlite::Result<Option<JobOutcome>> {
    let transcript: Option<(String, Option<String>, String, f64, f64)> = conn
        .query_row(
            "SELECT text, language, model, audio_seconds, processing_seconds FROM transcripts WHERE id = ?1",
            [transcript_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((text, language, model, duration_s, processing_s)) = transcript else {
        return Ok(None);
    };
    let mut statement = conn.prepare_cached(
        "SELECT start_s, end_s, text FROM segments WHERE transcript_id = ?1 ORDER BY idx",
    )?;
    let segments = statement
        .query_map([transcript_id], |r| {
            Ok(Segment::new(r.get(0)?, r.get(1)?, r.get::<_, String>(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(JobOutcome::Completed(Completed {
        transcript_id,
        duplicate_of,
        text,
        segments,
        language,
        model,
        duration_s,
        processing_s,
    })))
}
