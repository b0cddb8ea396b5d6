//! Webhook messages: one event for one endpoint, its body built once (by the webhooks
//! layer) and stored, so retries and replays send the same bytes. A message is a row
//! before it is sent; the outbox rows of a job are written inside the transaction that
//! finishes the job ([`Outbox`]).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::endpoints::{endpoint_in, endpoints_for_job, EndpointId, EndpointRecord};
use crate::jobs::{JobId, JobRecord};
use crate::{now_ms, Store, StoreError};

pub type MessageId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Retries exhausted or a final answer: a dead letter, replayable.
    Failed,
    /// Its endpoint is disabled; sent when it is enabled again.
    Held,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 4] = [Self::Pending, Self::Delivered, Self::Failed, Self::Held];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Held => "held",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }
}

impl std::fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct MessageRecord {
    pub id: MessageId,
    /// The `webhook-id` header: the same on every attempt and replay.
    pub webhook_id: String,
    pub event: String,
    pub endpoint_id: EndpointId,
    pub job_id: Option<JobId>,
    pub status: MessageStatus,
    /// Attempts since the message was created or last replayed.
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    /// Where its endpoint sends now (`None`: the endpoint was removed).
    pub endpoint_url: Option<String>,
    /// Whether the endpoint is a job's own (a per-job webhook URL), not a configured one.
    pub own_endpoint: bool,
    /// The recording of the job it is about, as stored (`None`: no job, or deleted).
    pub job_source: Option<String>,
}

/// A message to write, built above the store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub webhook_id: String,
    pub event: String,
    pub endpoint_id: EndpointId,
    pub body: Vec<u8>,
}

/// What an outbox builder sees inside a job's finishing transaction: the job as it now
/// is, and every endpoint as it now is.
pub struct Finished<'a> {
    pub job: &'a JobRecord,
    pub endpoints: &'a [EndpointRecord],
}

/// Builds a finished job's messages inside its transaction (the webhooks layer decides
/// which endpoints hear of it and what they are sent). An error rolls the whole
/// transaction back.
pub type Outbox<'a> = &'a mut dyn FnMut(&Finished<'_>) -> Result<Vec<NewMessage>, String>;

/// An outbox builder that sends nothing (tests, and callers without webhooks).
pub fn no_messages(_: &Finished<'_>) -> Result<Vec<NewMessage>, String> {
    Ok(Vec::new())
}

#[derive(Debug, Default, Clone)]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
    pub endpoint: Option<EndpointId>,
    pub job: Option<JobId>,
    pub event: Option<String>,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    pub limit: usize,
    pub offset: usize,
}

/// Endpoints and messages by status, for summaries.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub endpoints: i64,
    pub enabled_endpoints: i64,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub held: i64,
    /// Unix ms.
    pub last_delivered_at: Option<i64>,
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, webhook_id, event, endpoint_id, job_id, status, \
    attempts, next_attempt_at, last_error, created_at, delivered_at, \
    (SELECT e.url FROM endpoints e WHERE e.id = messages.endpoint_id), \
    coalesce((SELECT e.job_id IS NOT NULL FROM endpoints e WHERE e.id = messages.endpoint_id), 0), \
    (SELECT j.source_path FROM jobs j WHERE j.id = messages.job_id)";

/// The column after [`MESSAGE_COLUMNS`] (a leased message's body).
pub(crate) const AFTER_MESSAGE_COLUMNS: usize = 14;

const MESSAGE_FILTER: &str = "(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR endpoint_id = ?2) \
    AND (?3 IS NULL OR job_id = ?3) AND (?4 IS NULL OR created_at >= ?4) AND (?5 IS NULL OR event = ?5)";

pub(crate) fn message_from_row(row: &Row) -> rusqlite::Result<MessageRecord> {
    let status: String = row.get(5)?;
    Ok(MessageRecord {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        event: row.get(2)?,
        endpoint_id: row.get(3)?,
        job_id: row.get(4)?,
        // The CHECK constraint allows only known statuses.
        status: MessageStatus::parse(&status).unwrap_or(MessageStatus::Failed),
        attempts: row.get(6)?,
        next_attempt_at: row.get(7)?,
        last_error: row.get(8)?,
        created_at: row.get(9)?,
        delivered_at: row.get(10)?,
        endpoint_url: row.get(11)?,
        own_endpoint: row.get(12)?,
        job_source: row.get(13)?,
    })
}

/// Inserts one message: `pending`, or `held` while its endpoint is disabled. Messages
/// for endpoints that no longer exist are skipped (`None`).
fn insert_message(
    conn: &Connection,
    message: &NewMessage,
    job_id: Option<JobId>,
    now: i64,
) -> rusqlite::Result<Option<MessageId>> {
    let inserted = conn.prepare_cached(
        "INSERT INTO messages (webhook_id, event, endpoint_id, job_id, body, status, next_attempt_at, created_at)
         SELECT ?1, ?2, e.id, ?4, ?5,
                CASE WHEN e.disabled_at IS NULL THEN 'pending' ELSE 'held' END, ?6, ?6
         FROM endpoints e WHERE e.id = ?3",
    )?
    .execute(params![
        message.webhook_id,
        message.event,
        message.endpoint_id,
        job_id,
        String::from_utf8_lossy(&message.body),
        now
    ])?;
    Ok((inserted == 1).then(|| conn.last_insert_rowid()))
}

/// Writes the messages `outbox` builds for a job (inside the caller's transaction).
pub(crate) fn insert_outbox(
    conn: &Connection,
    job: &JobRecord,
    outbox: Outbox<'_>,
) -> Result<Vec<MessageId>, StoreError> {
    let endpoints = endpoints_for_job(conn, job.id)?;
    let messages = outbox(&Finished {
        job,
        endpoints: &endpoints,
    })
    .map_err(StoreError::Outbox)?;
    let now = now_ms();
    let mut ids = Vec::with_capacity(messages.len());
    for message in &messages {
        ids.extend(insert_message(conn, message, Some(job.id), now)?);
    }
    Ok(ids)
}

impl Store {
    /// A `webhook.test` message for one endpoint, sent at once by the caller.
    pub fn add_test_message(&self, message: &NewMessage) -> Result<MessageId, StoreError> {
        // Tests go out even to a disabled endpoint: checking it is why one would test.
        // The row says `failed` until its attempt is recorded, so a test interrupted
        // midway is not left pending forever (the dispatcher sends a test only when it
        // is replayed).
        self.conn.execute(
            "INSERT INTO messages (webhook_id, event, endpoint_id, body, status, next_attempt_at,
                 last_error, created_at)
             VALUES (?1, ?2, ?3, ?4, 'failed', NULL,
                 'the test was interrupted before its answer was recorded', ?5)",
            params![
                message.webhook_id,
                message.event,
                message.endpoint_id,
                String::from_utf8_lossy(&message.body),
                now_ms()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn message(&self, id: MessageId) -> Result<MessageRecord, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
                [id],
                message_from_row,
            )
            .optional()?
            .ok_or(StoreError::NoSuchMessage(id))
    }

    pub fn message_body(&self, id: MessageId) -> Result<Vec<u8>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM messages WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(String::into_bytes)
            .ok_or(StoreError::NoSuchMessage(id))
    }

    /// Messages, newest first.
    pub fn messages(&self, filter: &MessageFilter) -> Result<Vec<MessageRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE {MESSAGE_FILTER}
             ORDER BY id DESC LIMIT ?6 OFFSET ?7"
        ))?;
        let rows = statement.query_map(
            params![
                filter.status.map(MessageStatus::as_str),
                filter.endpoint,
                filter.job,
                filter.since,
                filter.event,
                filter.limit.min(i64::MAX as usize) as i64,
                filter.offset.min(i64::MAX as usize) as i64
            ],
            message_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many messages match `filter` (its limit and offset aside).
    pub fn count_messages(&self, filter: &MessageFilter) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            &format!("SELECT count(*) FROM messages WHERE {MESSAGE_FILTER}"),
            params![
                filter.status.map(MessageStatus::as_str),
                filter.endpoint,
                filter.job,
                filter.since,
                filter.event
            ],
            |r| r.get(0),
        )?)
    }

    /// Counts of messages by status.
    pub fn message_counts(&self) -> Result<Vec<(MessageStatus, i64)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT status, count(*) FROM messages GROUP BY status ORDER BY status",
        )?;
        let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        let mut counts = Vec::new();
        for row in rows {
            let (status, count) = row?;
            if let Some(status) = MessageStatus::parse(&status) {
                counts.push((status, count));
            }
        }
        Ok(counts)
    }

    /// Endpoints and messages at a glance (the window's card, `hookscribe info`).
    pub fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        let (endpoints, enabled_endpoints): (i64, i64) = self.conn.query_row(
            "SELECT count(*), count(*) FILTER (WHERE disabled_at IS NULL) FROM endpoints",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let last_delivered_at: Option<i64> = self.conn.query_row(
            "SELECT max(delivered_at) FROM messages WHERE status = 'delivered'",
            [],
            |r| r.get(0),
        )?;
        let mut counts = DeliveryCounts {
            endpoints,
            enabled_endpoints,
            last_delivered_at,
            ..DeliveryCounts::default()
        };
        for (status, count) in self.message_counts()? {
            *match status {
                MessageStatus::Pending => &mut counts.pending,
                MessageStatus::Delivered => &mut counts.delivered,
                MessageStatus::Failed => &mut counts.failed,
                MessageStatus::Held => &mut counts.held,
            } += count;
        }
        Ok(counts)
    }

    /// Sends a message again: to its own endpoint (the retry schedule starts over), or,
    /// with `to`, as a new message with the same `webhook-id` and body to another one.
    pub fn replay(&self, id: MessageId, to: Option<EndpointId>) -> Result<MessageId, StoreError> {
        let message = self.message(id)?;
        let now = now_ms();
        match to {
            Some(endpoint_id) if endpoint_id != message.endpoint_id => {
                if endpoint_in(&self.conn, endpoint_id)?.is_none() {
                    return Err(StoreError::NoSuchEndpoint(endpoint_id));
                }
                let copy = NewMessage {
                    webhook_id: message.webhook_id,
                    event: message.event,
                    endpoint_id,
                    body: self.message_body(id)?,
                };
                insert_message(&self.conn, &copy, message.job_id, now)?
                    .ok_or(StoreError::NoSuchEndpoint(endpoint_id))
            }
            _ => {
                self.conn.execute(
                    "UPDATE messages SET attempts = 0, next_attempt_at = ?2, last_error = NULL,
                         delivered_at = NULL,
                         status = CASE WHEN (SELECT disabled_at FROM endpoints WHERE id = endpoint_id)
                                       IS NULL THEN 'pending' ELSE 'held' END
                     WHERE id = ?1",
                    params![id, now],
                )?;
                Ok(id)
            }
        }
    }

    /// Replays every failed message created since `since` (unix ms).
    pub fn replay_failed_since(&self, since: i64) -> Result<Vec<MessageId>, StoreError> {
        let ids: Vec<MessageId> = {
            let mut statement = self.conn.prepare(
                "SELECT id FROM messages WHERE status = 'failed' AND created_at >= ?1 ORDER BY id",
            )?;
            let rows = statement.query_map([since], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in &ids {
            self.replay(*id, None)?;
        }
        Ok(ids)
    }
}
