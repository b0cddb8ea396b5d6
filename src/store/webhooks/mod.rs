//! Webhook endpoints, messages and attempts: typed queries over the `endpoints`,
//! `messages` and `attempts` tables.
//!
//! A message is one event for one endpoint (its body built once, in that endpoint's
//! format); it is a row before it is sent. The outbox rows of a job event are written by
//! `enqueue_job_event` inside the transaction that finishes the job, so a finished job
//! never lacks its messages. The dispatcher leases due messages (`claim_due`), sends them,
//! and `record_attempt` logs the attempt and moves the message on in one transaction.

use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

mod delivery;
mod outbox;

pub use delivery::Recorded;
pub(super) use outbox::enqueue_job_event;

use super::jobs::{now_ms, JobId};
use super::{Store, StoreError};
use crate::webhooks::payload::{self, EventType, Format};
use crate::webhooks::policy::ErrorKind;
use crate::webhooks::signing::{self, Secret};

pub type EndpointId = i64;
pub type MessageId = i64;

/// How long past its timeout a leased message stays leased: after a crash mid-attempt,
/// another process sends it again once the lease runs out (at-least-once).
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// What secret header values look like in logs and the delivery log.
pub const MASK: &str = "••••••";

/// A custom request header. Values of secret headers are never shown or logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomHeader {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub secret: bool,
}

impl CustomHeader {
    /// Header names that carry credentials: masked even when not marked secret.
    fn name_is_sensitive(name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        [
            "authorization",
            "cookie",
            "token",
            "secret",
            "key",
            "password",
            "signature",
        ]
        .iter()
        .any(|word| name.contains(word))
            && !name.starts_with("webhook-")
    }

    pub fn is_secret(&self) -> bool {
        self.secret || Self::name_is_sensitive(&self.name)
    }

    /// The value as shown to users and stored in the delivery log.
    pub fn shown_value(&self) -> &str {
        if self.is_secret() {
            MASK
        } else {
            &self.value
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Disabled {
    /// Unix milliseconds.
    pub at: i64,
    pub reason: String,
}

/// A webhook endpoint as stored: what the user chose, its signing secret(s), and its
/// health (which decides automatic disabling).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: EndpointId,
    /// What the user chose.
    pub settings: EndpointSettings,
    pub secret: Secret,
    /// The secret before the last rotation, and until when it still signs.
    pub previous_secret: Option<(Secret, i64)>,
    pub disabled: Option<Disabled>,
    pub consecutive_failures: i64,
    pub failing_since: Option<i64>,
    pub last_success_at: Option<i64>,
    pub created_at: i64,
}

impl Endpoint {
    pub fn subscribes(&self, event: EventType) -> bool {
        event == EventType::WebhookTest || self.settings.events.contains(&event)
    }

    /// The secrets that sign an attempt made at `now_ms`: the current one, and the
    /// previous one during its grace period.
    pub fn signing_secrets(&self, now_ms: i64) -> Vec<&Secret> {
        let mut secrets = vec![&self.secret];
        if let Some((previous, until)) = &self.previous_secret {
            if now_ms < *until {
                secrets.push(previous);
            }
        }
        secrets
    }
}

/// What a user chooses for an endpoint (`webhooks add`, `webhooks update`).
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    pub format: Format,
    pub headers: Vec<CustomHeader>,
    pub timeout: Duration,
    pub max_concurrency: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Retries exhausted or a final answer: a dead letter, replayable.
    Failed,
    /// Its endpoint is disabled; sent when it is enabled again.
    Held,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Held => "held",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            "held" => Self::Held,
            _ => Self::Pending,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub id: MessageId,
    /// The `webhook-id` header: the same on every attempt and replay.
    pub webhook_id: String,
    pub event: EventType,
    pub endpoint_id: EndpointId,
    pub job_id: Option<JobId>,
    pub status: DeliveryStatus,
    /// Attempts since the message was created or last replayed.
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// One HTTP attempt as logged.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub id: i64,
    pub message_id: MessageId,
    pub endpoint_id: EndpointId,
    #[serde(flatten)]
    pub record: AttemptRecord,
}

/// What an attempt sent and got. Request headers are kept with secret values masked;
/// the response body is cut at 4 KiB.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptRecord {
    pub url: String,
    pub attempted_at: i64,
    pub duration_ms: i64,
    pub request_headers: Vec<(String, String)>,
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub error_kind: Option<ErrorKind>,
    pub error: Option<String>,
}

/// Where a message goes after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum NextStep {
    Delivered,
    RetryAt(i64),
    /// A dead letter, with the reason shown in the log.
    Failed(String),
    /// Failed, and the endpoint is disabled with this reason.
    FailedAndDisable(String),
}

/// When a failing endpoint is disabled automatically.
#[derive(Debug, Clone, Copy)]
pub struct DisablePolicy {
    pub after: Duration,
    pub min_failures: i64,
}

/// A leased message, ready to send.
#[derive(Debug, Clone)]
pub struct Claim {
    pub message: Message,
    pub body: Vec<u8>,
    pub endpoint: Endpoint,
}

/// Endpoints and messages by status, for summaries.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DeliverySummary {
    pub endpoints: i64,
    pub enabled_endpoints: i64,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub held: i64,
    /// RFC 3339.
    pub last_delivered_at: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct MessageFilter {
    pub status: Option<DeliveryStatus>,
    pub endpoint: Option<EndpointId>,
    pub job: Option<JobId>,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    pub limit: usize,
}

const ENDPOINT_COLUMNS: &str = "id, url, description, events, format, headers, timeout_ms, \
    max_concurrency, secret, previous_secret, previous_secret_until, disabled_at, disabled_reason, \
    consecutive_failures, failing_since, last_success_at, created_at";

const MESSAGE_COLUMNS: &str = "id, webhook_id, event, endpoint_id, job_id, status, attempts, \
    next_attempt_at, last_error, created_at, delivered_at";

fn endpoint_from_row(row: &Row) -> rusqlite::Result<Endpoint> {
    let events: String = row.get(3)?;
    let format: String = row.get(4)?;
    let headers: String = row.get(5)?;
    let secret: String = row.get(8)?;
    let previous: Option<String> = row.get(9)?;
    let previous_until: Option<i64> = row.get(10)?;
    let disabled_at: Option<i64> = row.get(11)?;
    let disabled_reason: Option<String> = row.get(12)?;
    let bad = |index, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("endpoint {what} is malformed").into(),
        )
    };
    let events: Vec<String> = serde_json::from_str(&events).map_err(|_| bad(3, "events"))?;
    Ok(Endpoint {
        id: row.get(0)?,
        settings: EndpointSettings {
            url: row.get(1)?,
            description: row.get(2)?,
            events: events.iter().filter_map(|e| EventType::parse(e)).collect(),
            format: Format::parse(&format).unwrap_or_default(),
            headers: serde_json::from_str(&headers).map_err(|_| bad(5, "headers"))?,
            timeout: Duration::from_millis(row.get::<_, i64>(6)?.max(1) as u64),
            max_concurrency: row.get::<_, i64>(7)?.clamp(1, 1000) as u32,
        },
        secret: Secret::parse(&secret).map_err(|_| bad(8, "secret"))?,
        previous_secret: match (previous, previous_until) {
            (Some(text), Some(until)) => Secret::parse(&text).ok().map(|s| (s, until)),
            _ => None,
        },
        disabled: disabled_at.map(|at| Disabled {
            at,
            reason: disabled_reason.unwrap_or_default(),
        }),
        consecutive_failures: row.get(13)?,
        failing_since: row.get(14)?,
        last_success_at: row.get(15)?,
        created_at: row.get(16)?,
    })
}

fn message_from_row(row: &Row) -> rusqlite::Result<Message> {
    let event: String = row.get(2)?;
    let status: String = row.get(5)?;
    Ok(Message {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        event: EventType::parse(&event).unwrap_or(EventType::WebhookTest),
        endpoint_id: row.get(3)?,
        job_id: row.get(4)?,
        status: DeliveryStatus::parse(&status),
        attempts: row.get(6)?,
        next_attempt_at: row.get(7)?,
        last_error: row.get(8)?,
        created_at: row.get(9)?,
        delivered_at: row.get(10)?,
    })
}

fn attempt_from_row(row: &Row) -> rusqlite::Result<Attempt> {
    let pairs = |text: Option<String>| -> Vec<(String, String)> {
        text.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    };
    let kind: Option<String> = row.get(10)?;
    Ok(Attempt {
        id: row.get(0)?,
        message_id: row.get(1)?,
        endpoint_id: row.get(2)?,
        record: AttemptRecord {
            url: row.get(3)?,
            attempted_at: row.get(4)?,
            duration_ms: row.get(5)?,
            request_headers: pairs(row.get(6)?),
            response_status: row.get::<_, Option<i64>>(7)?.map(|s| s as u16),
            response_headers: pairs(row.get(8)?),
            response_body: row.get(9)?,
            error_kind: kind.as_deref().and_then(ErrorKind::parse),
            error: row.get(11)?,
        },
    })
}

fn events_json(events: &[EventType]) -> String {
    serde_json::to_string(&events.iter().map(|e| e.as_str()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

fn headers_json(headers: &[CustomHeader]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".into())
}

fn pairs_json(pairs: &[(String, String)]) -> String {
    serde_json::to_string(pairs).unwrap_or_else(|_| "[]".into())
}

/// Inserts one message (status `pending`, or `held` for a disabled endpoint).
fn insert_message(
    conn: &Connection,
    webhook_id: &str,
    event: EventType,
    endpoint: &Endpoint,
    job_id: Option<JobId>,
    body: &[u8],
    now: i64,
) -> rusqlite::Result<MessageId> {
    let status = if endpoint.disabled.is_some() {
        DeliveryStatus::Held
    } else {
        DeliveryStatus::Pending
    };
    conn.execute(
        "INSERT INTO messages (webhook_id, event, endpoint_id, job_id, body, status, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            webhook_id,
            event.as_str(),
            endpoint.id,
            job_id,
            String::from_utf8_lossy(body),
            status.as_str(),
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

fn all_endpoints(conn: &Connection) -> rusqlite::Result<Vec<Endpoint>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY id"
    ))?;
    let rows = statement.query_map([], endpoint_from_row)?;
    rows.collect()
}

impl Store {
    pub fn add_endpoint(
        &self,
        settings: &EndpointSettings,
        secret: &Secret,
    ) -> Result<EndpointId, StoreError> {
        let now = now_ms();
        self.conn.execute(
            "INSERT INTO endpoints (url, description, events, format, headers, timeout_ms,
                 max_concurrency, secret, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![
                settings.url,
                settings.description,
                events_json(&settings.events),
                settings.format.as_str(),
                headers_json(&settings.headers),
                settings.timeout.as_millis() as i64,
                i64::from(settings.max_concurrency),
                secret.expose(),
                now
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn endpoint(&self, id: EndpointId) -> Result<Endpoint, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = ?1"),
                [id],
                endpoint_from_row,
            )
            .optional()?
            .ok_or(StoreError::NoSuchEndpoint(id))
    }

    pub fn endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        Ok(all_endpoints(&self.conn)?)
    }

    pub fn update_endpoint(
        &self,
        id: EndpointId,
        settings: &EndpointSettings,
    ) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE endpoints SET url = ?2, description = ?3, events = ?4, format = ?5, headers = ?6,
                 timeout_ms = ?7, max_concurrency = ?8, updated_at = ?9
             WHERE id = ?1",
            params![
                id,
                settings.url,
                settings.description,
                events_json(&settings.events),
                settings.format.as_str(),
                headers_json(&settings.headers),
                settings.timeout.as_millis() as i64,
                i64::from(settings.max_concurrency),
                now_ms()
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchEndpoint(id));
        }
        Ok(())
    }

    /// Removes an endpoint with its messages and their attempts; returns how many
    /// messages went with it.
    pub fn remove_endpoint(&mut self, id: EndpointId) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let messages: i64 = tx.query_row(
            "SELECT count(*) FROM messages WHERE endpoint_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        tx.execute(
            "DELETE FROM attempts WHERE message_id IN (SELECT id FROM messages WHERE endpoint_id = ?1)",
            [id],
        )?;
        if tx.execute("DELETE FROM endpoints WHERE id = ?1", [id])? == 0 {
            return Err(StoreError::NoSuchEndpoint(id));
        }
        tx.commit()?;
        Ok(messages as usize)
    }

    /// Replaces the secret; the old one keeps signing until `grace` has passed.
    pub fn rotate_secret(
        &self,
        id: EndpointId,
        new: &Secret,
        grace: Duration,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let changed = self.conn.execute(
            "UPDATE endpoints SET previous_secret = secret, previous_secret_until = ?3, secret = ?2,
                 updated_at = ?4
             WHERE id = ?1",
            params![id, new.expose(), now + grace.as_millis() as i64, now],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchEndpoint(id));
        }
        Ok(())
    }

    /// Disables an endpoint and holds its pending messages.
    pub fn disable_endpoint(&mut self, id: EndpointId, reason: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if !delivery::disable(&tx, id, reason, now_ms())? {
            return Err(StoreError::NoSuchEndpoint(id));
        }
        tx.commit()?;
        Ok(())
    }

    /// Enables an endpoint; its held messages are sent now, or, with `skip_held`, marked
    /// failed (still replayable). Returns how many messages were held.
    pub fn enable_endpoint(
        &mut self,
        id: EndpointId,
        skip_held: bool,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let now = now_ms();
        let changed = tx.execute(
            "UPDATE endpoints SET disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0,
                 failing_since = NULL, updated_at = ?2
             WHERE id = ?1",
            params![id, now],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchEndpoint(id));
        }
        let held = if skip_held {
            tx.execute(
                "UPDATE messages SET status = 'failed', next_attempt_at = NULL,
                     last_error = 'skipped: held while the endpoint was disabled'
                 WHERE endpoint_id = ?1 AND status = 'held'",
                [id],
            )?
        } else {
            tx.execute(
                "UPDATE messages SET status = 'pending', attempts = 0, next_attempt_at = ?2
                 WHERE endpoint_id = ?1 AND status = 'held'",
                params![id, now],
            )?
        };
        tx.commit()?;
        Ok(held)
    }

    /// A `webhook.test` message for one endpoint (sent at once by the caller).
    pub fn add_test_message(&self, endpoint: &Endpoint) -> Result<MessageId, StoreError> {
        let now = now_ms();
        let body = payload::test_body(endpoint.id, endpoint.settings.format, now);
        let webhook_id =
            signing::new_message_id().map_err(|e| StoreError::Random(e.to_string()))?;
        // Tests go out even to a disabled endpoint: checking it is why one would test.
        // The caller sends it at once; the row says `failed` until its attempt is
        // recorded, so a test interrupted midway is not left pending forever (the
        // dispatcher sends a test only when it is replayed).
        self.conn.execute(
            "INSERT INTO messages (webhook_id, event, endpoint_id, body, status, next_attempt_at,
                 last_error, created_at)
             VALUES (?1, 'webhook.test', ?2, ?3, 'failed', NULL,
                 'the test was interrupted before its answer was recorded', ?4)",
            params![webhook_id, endpoint.id, String::from_utf8_lossy(&body), now],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn message(&self, id: MessageId) -> Result<Message, StoreError> {
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
    pub fn messages(&self, filter: &MessageFilter) -> Result<Vec<Message>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR endpoint_id = ?2)
               AND (?3 IS NULL OR job_id = ?3) AND (?4 IS NULL OR created_at >= ?4)
             ORDER BY id DESC LIMIT ?5"
        ))?;
        let rows = statement.query_map(
            params![
                filter.status.map(DeliveryStatus::as_str),
                filter.endpoint,
                filter.job,
                filter.since,
                filter.limit.min(i64::MAX as usize) as i64
            ],
            message_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn attempts(&self, message: MessageId) -> Result<Vec<Attempt>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, message_id, endpoint_id, url, attempted_at, duration_ms, request_headers,
                    response_status, response_headers, response_body, error_kind, error
             FROM attempts WHERE message_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map([message], attempt_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Counts of messages by status (for summaries and tests).
    pub fn message_counts(&self) -> Result<Vec<(DeliveryStatus, i64)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT status, count(*) FROM messages GROUP BY status ORDER BY status")?;
        let rows = statement.query_map([], |r| {
            Ok((DeliveryStatus::parse(&r.get::<_, String>(0)?), r.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Endpoints and messages at a glance (the window's card, `hookscribe info`).
    pub fn delivery_summary(&self) -> Result<DeliverySummary, StoreError> {
        let (endpoints, enabled_endpoints): (i64, i64) = self.conn.query_row(
            "SELECT count(*), count(*) FILTER (WHERE disabled_at IS NULL) FROM endpoints",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let last: Option<i64> = self.conn.query_row(
            "SELECT max(delivered_at) FROM messages WHERE status = 'delivered'",
            [],
            |r| r.get(0),
        )?;
        let mut summary = DeliverySummary {
            endpoints,
            enabled_endpoints,
            last_delivered_at: last.map(payload::rfc3339_ms),
            ..DeliverySummary::default()
        };
        for (status, count) in self.message_counts()? {
            *match status {
                DeliveryStatus::Pending => &mut summary.pending,
                DeliveryStatus::Delivered => &mut summary.delivered,
                DeliveryStatus::Failed => &mut summary.failed,
                DeliveryStatus::Held => &mut summary.held,
            } += count;
        }
        Ok(summary)
    }

    /// Sends a message again: to its own endpoint (the retry schedule starts over), or,
    /// with `to`, as a new message with the same `webhook-id` and body to another one.
    pub fn replay(&self, id: MessageId, to: Option<EndpointId>) -> Result<MessageId, StoreError> {
        let message = self.message(id)?;
        let now = now_ms();
        match to {
            Some(endpoint_id) if endpoint_id != message.endpoint_id => {
                let endpoint = self.endpoint(endpoint_id)?;
                let body = self.message_body(id)?;
                Ok(insert_message(
                    &self.conn,
                    &message.webhook_id,
                    message.event,
                    &endpoint,
                    message.job_id,
                    &body,
                    now,
                )?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asr::{Segment, Transcript};
    use crate::store::folders::FolderOptions;
    use crate::store::jobs::{JobOptions, NewJob, Origin};
    use crate::store::temp_store;
    use serde_json::Value;

    fn endpoint(store: &Store, events: &[EventType], format: Format) -> EndpointId {
        let settings = EndpointSettings {
            url: "http://127.0.0.1:9/hook".into(),
            description: String::new(),
            events: events.to_vec(),
            format,
            headers: Vec::new(),
            timeout: Duration::from_secs(5),
            max_concurrency: 4,
        };
        store
            .add_endpoint(&settings, &Secret::generate().unwrap())
            .unwrap()
    }

    fn running_job(store: &mut Store, folder_id: Option<i64>) -> JobId {
        let id = store
            .enqueue(&NewJob {
                source_path: "/rec/a.wav".into(),
                origin: Origin::Manual,
                folder_id,
                options: JobOptions::default(),
                metadata: None,
            })
            .unwrap();
        assert_eq!(store.claim_next().unwrap().unwrap().id, id);
        id
    }

    fn transcript() -> Transcript {
        Transcript {
            text: "hello".into(),
            segments: vec![Segment::new(0.0, 1.0, "hello")],
            language: Some("en".into()),
            model: "tiny.en".into(),
            audio_seconds: 1.0,
            processing_seconds: 0.1,
        }
    }

    fn all(store: &Store) -> Vec<Message> {
        store
            .messages(&MessageFilter {
                limit: 100,
                ..MessageFilter::default()
            })
            .unwrap()
    }

    #[test]
    fn completion_and_failure_write_one_message_per_subscribed_endpoint() {
        let (_dir, mut store) = temp_store();
        let both = endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        let failures = endpoint(&store, &[EventType::TranscriptionFailed], Format::Flat);
        let done = running_job(&mut store, None);
        store.complete(done, "aa", &transcript()).unwrap();
        let messages = all(&store);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].endpoint_id, both);
        assert_eq!(messages[0].event, EventType::TranscriptionCompleted);
        assert_eq!(messages[0].job_id, Some(done));

        let broken = running_job(&mut store, None);
        store.fail(broken, "not a recognised audio file").unwrap();
        let failed: Vec<Message> = all(&store)
            .into_iter()
            .filter(|m| m.job_id == Some(broken))
            .collect();
        assert_eq!(failed.len(), 2);
        assert!(failed
            .iter()
            .all(|m| m.event == EventType::TranscriptionFailed));
        let flat = failed.iter().find(|m| m.endpoint_id == failures).unwrap();
        let body: Value = serde_json::from_slice(&store.message_body(flat.id).unwrap()).unwrap();
        assert_eq!(body["error"], "not a recognised audio file");
        let ids: std::collections::HashSet<&str> =
            failed.iter().map(|m| m.webhook_id.as_str()).collect();
        assert_eq!(ids.len(), 2, "each message has its own webhook-id");
    }

    #[test]
    fn a_duplicate_recording_is_announced_with_the_reused_transcript() {
        let (_dir, mut store) = temp_store();
        endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        let first = running_job(&mut store, None);
        store.complete(first, "aa", &transcript()).unwrap();
        let original = store.job(first).unwrap();
        let copy = running_job(&mut store, None);
        assert!(store.complete_as_duplicate(copy, &original).unwrap());
        let message = all(&store)
            .into_iter()
            .find(|m| m.job_id == Some(copy))
            .expect("the duplicate's own message");
        let body: Value = serde_json::from_slice(&store.message_body(message.id).unwrap()).unwrap();
        assert_eq!(body["data"]["duplicate_of"], first);
        assert_eq!(body["data"]["text"], "hello");
        assert_eq!(body["data"]["job_id"], copy);
    }

    #[test]
    fn the_summary_counts_endpoints_and_messages_by_status() {
        let (_dir, mut store) = temp_store();
        assert_eq!(
            store.delivery_summary().unwrap(),
            DeliverySummary::default()
        );
        let first = endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        let second = endpoint(&store, &EventType::SUBSCRIBABLE, Format::Flat);
        store
            .disable_endpoint(second, "disabled by the user")
            .unwrap();
        let id = running_job(&mut store, None);
        store.complete(id, "aa", &transcript()).unwrap();
        let summary = store.delivery_summary().unwrap();
        assert_eq!((summary.endpoints, summary.enabled_endpoints), (2, 1));
        assert_eq!(
            (summary.pending, summary.held, summary.delivered),
            (1, 1, 0)
        );
        assert_eq!(summary.last_delivered_at, None);
        let claim = store.claim_due(now_ms()).unwrap().remove(0);
        assert_eq!(claim.endpoint.id, first);
        let delivered = AttemptRecord {
            url: claim.endpoint.settings.url.clone(),
            attempted_at: now_ms(),
            duration_ms: 1,
            request_headers: Vec::new(),
            response_status: Some(204),
            response_headers: Vec::new(),
            response_body: None,
            error_kind: None,
            error: None,
        };
        let policy = DisablePolicy {
            after: Duration::from_secs(3600),
            min_failures: 10,
        };
        store
            .record_attempt(&claim, &delivered, &NextStep::Delivered, policy, false)
            .unwrap();
        let summary = store.delivery_summary().unwrap();
        assert_eq!((summary.pending, summary.delivered), (0, 1));
        assert!(summary.last_delivered_at.is_some());
    }

    #[test]
    fn cancelled_jobs_and_completions_that_lost_the_race_send_nothing() {
        let (_dir, mut store) = temp_store();
        endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        let id = running_job(&mut store, None);
        store.cancel(id).unwrap();
        assert_eq!(store.complete(id, "aa", &transcript()).unwrap(), None);
        store.fail(id, "late").unwrap();
        assert!(all(&store).is_empty());
    }

    #[test]
    fn a_folder_can_limit_which_endpoints_its_jobs_notify() {
        let (_dir, mut store) = temp_store();
        let first = endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        let folder = store
            .add_folder(
                "/rec",
                &FolderOptions {
                    webhooks: Some(vec![first]),
                    ..FolderOptions::default()
                },
            )
            .unwrap();
        let id = running_job(&mut store, Some(folder));
        store.complete(id, "aa", &transcript()).unwrap();
        let messages = all(&store);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].endpoint_id, first);
        let body: Value =
            serde_json::from_slice(&store.message_body(messages[0].id).unwrap()).unwrap();
        assert_eq!(body["data"]["source"]["folder"], "/rec");
    }

    #[test]
    fn claims_respect_each_endpoints_concurrency_and_leases() {
        let (_dir, mut store) = temp_store();
        endpoint(&store, &EventType::SUBSCRIBABLE, Format::Compact);
        for _ in 0..6 {
            let id = running_job(&mut store, None);
            store.complete(id, "aa", &transcript()).unwrap();
        }
        let now = now_ms();
        assert!(store.next_due(now).unwrap().is_some_and(|due| due <= now));
        assert_eq!(store.claim_due(now).unwrap().len(), 4, "max_concurrency 4");
        assert!(
            store.next_due(now).unwrap().is_some(),
            "two are due and not leased"
        );
        assert_eq!(store.claim_due(now).unwrap().len(), 0, "four in flight");
        let later = now + (Duration::from_secs(5) + LEASE_MARGIN).as_millis() as i64 + 1;
        assert_eq!(
            store.claim_due(later).unwrap().len(),
            4,
            "expired leases are taken again"
        );
        assert_eq!(
            store.release_leases(true).unwrap(),
            4,
            "the same four, leased again"
        );
        let claims = store.claim_due(now).unwrap();
        assert_eq!(claims.len(), 4);

        // A slot that finishes goes straight on to the next due message, in the same
        // transaction; the endpoint's limit still holds.
        let delivered = AttemptRecord {
            url: "http://127.0.0.1:9/hook".into(),
            attempted_at: now,
            duration_ms: 1,
            request_headers: Vec::new(),
            response_status: Some(200),
            response_headers: Vec::new(),
            response_body: None,
            error_kind: None,
            error: None,
        };
        let policy = DisablePolicy {
            after: Duration::from_secs(3600),
            min_failures: 10,
        };
        let recorded = store
            .record_attempt(&claims[0], &delivered, &NextStep::Delivered, policy, true)
            .unwrap();
        let next = recorded.next.expect("the next due message");
        assert!(claims.iter().all(|c| c.message.id != next.message.id));
        assert_eq!(
            store.claim_due(now_ms()).unwrap().len(),
            0,
            "still four in flight"
        );
    }

    #[test]
    fn retention_prunes_delivered_history_but_never_undelivered_messages() {
        let (_dir, mut store) = temp_store();
        endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        for _ in 0..2 {
            let id = running_job(&mut store, None);
            store.complete(id, "aa", &transcript()).unwrap();
        }
        let claims = store.claim_due(now_ms()).unwrap();
        let policy = DisablePolicy {
            after: Duration::from_secs(3600),
            min_failures: 10,
        };
        let attempt = |status| AttemptRecord {
            url: "http://127.0.0.1:9/hook".into(),
            attempted_at: now_ms(),
            duration_ms: 3,
            request_headers: Vec::new(),
            response_status: Some(status),
            response_headers: Vec::new(),
            response_body: None,
            error_kind: None,
            error: None,
        };
        store
            .record_attempt(
                &claims[0],
                &attempt(200),
                &NextStep::Delivered,
                policy,
                false,
            )
            .unwrap();
        store
            .record_attempt(
                &claims[1],
                &attempt(400),
                &NextStep::Failed("HTTP 400".into()),
                policy,
                false,
            )
            .unwrap();
        assert_eq!(
            store.prune_deliveries(now_ms() - 60_000).unwrap(),
            0,
            "too recent"
        );
        assert_eq!(store.prune_deliveries(now_ms() + 1).unwrap(), 1);
        let left = all(&store);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].status, DeliveryStatus::Failed);
        assert_eq!(
            store.attempts(left[0].id).unwrap().len(),
            1,
            "a dead letter keeps its log"
        );

        let replayed = store.replay_failed_since(0).unwrap();
        assert_eq!(replayed, [left[0].id]);
        let again = store.message(left[0].id).unwrap();
        assert_eq!((again.status, again.attempts), (DeliveryStatus::Pending, 0));
    }

    #[test]
    fn replay_to_another_endpoint_keeps_the_webhook_id_and_body() {
        let (_dir, mut store) = temp_store();
        endpoint(&store, &EventType::SUBSCRIBABLE, Format::Full);
        let other = endpoint(&store, &[EventType::TranscriptionFailed], Format::Flat);
        let id = running_job(&mut store, None);
        store.complete(id, "aa", &transcript()).unwrap();
        let original = all(&store).pop().unwrap();
        let copy = store.replay(original.id, Some(other)).unwrap();
        let copy = store.message(copy).unwrap();
        assert_eq!(copy.webhook_id, original.webhook_id);
        assert_eq!(copy.endpoint_id, other);
        assert_eq!(
            store.message_body(copy.id).unwrap(),
            store.message_body(original.id).unwrap()
        );
        assert!(matches!(
            store.replay(999, None),
            Err(StoreError::NoSuchMessage(999))
        ));
    }
}
