//! Webhook endpoints: where messages go, signed with which secret, and how healthy they
//! are. What the columns mean (events, formats, headers) is the webhooks layer's
//! business; here they are text and numbers.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde_json::Value;

use crate::{now_ms, Store, StoreError};

pub type EndpointId = i64;

/// What a user chooses for an endpoint, in stored form.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointFields {
    pub url: String,
    pub description: String,
    /// Event names.
    pub events: Vec<String>,
    pub format: String,
    /// Custom headers (a JSON array the webhooks layer writes and reads).
    pub headers: Value,
    pub timeout_ms: i64,
    pub max_concurrency: i64,
    /// Whether 401, 403 and 404 answers are retried (a receiver mid-deploy) or final.
    pub retry_client_errors: bool,
}

/// An endpoint row.
#[derive(Debug, Clone)]
pub struct EndpointRecord {
    pub id: EndpointId,
    pub fields: EndpointFields,
    pub secret: String,
    pub previous_secret: Option<String>,
    /// Until when the previous secret still signs (unix ms).
    pub previous_secret_until: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i64,
    pub failing_since: Option<i64>,
    pub last_success_at: Option<i64>,
    pub created_at: i64,
    /// The job that owns it (a per-job webhook): it hears of that job only, and is not
    /// listed among the configured endpoints.
    pub job_id: Option<i64>,
}

/// An endpoint's attempts over a period, for health at a glance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointStats {
    pub attempts: i64,
    pub succeeded: i64,
    /// The latest failed attempt (unix ms) and what went wrong.
    pub last_failure: Option<(i64, String)>,
}

pub(crate) const ENDPOINT_SELECT: &str = "SELECT id, url, description, events, format, headers, \
    timeout_ms, max_concurrency, secret, previous_secret, previous_secret_until, disabled_at, \
    disabled_reason, consecutive_failures, failing_since, last_success_at, created_at, job_id, \
    retry_client_errors FROM endpoints";

pub(crate) fn endpoint_from_row(row: &Row) -> rusqlite::Result<EndpointRecord> {
    let events: String = row.get(3)?;
    let headers: String = row.get(5)?;
    Ok(EndpointRecord {
        id: row.get(0)?,
        fields: EndpointFields {
            url: row.get(1)?,
            description: row.get(2)?,
            events: serde_json::from_str(&events).unwrap_or_default(),
            format: row.get(4)?,
            headers: serde_json::from_str(&headers).unwrap_or(Value::Array(Vec::new())),
            timeout_ms: row.get(6)?,
            max_concurrency: row.get(7)?,
            retry_client_errors: row.get(18)?,
        },
        secret: row.get(8)?,
        previous_secret: row.get(9)?,
        previous_secret_until: row.get(10)?,
        disabled_at: row.get(11)?,
        disabled_reason: row.get(12)?,
        consecutive_failures: row.get(13)?,
        failing_since: row.get(14)?,
        last_success_at: row.get(15)?,
        created_at: row.get(16)?,
        job_id: row.get(17)?,
    })
}

/// The endpoints a finished job may notify: every configured one, and its own.
pub(crate) fn endpoints_for_job(
    conn: &Connection,
    job: i64,
) -> rusqlite::Result<Vec<EndpointRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "{ENDPOINT_SELECT} WHERE job_id IS NULL OR job_id = ?1 ORDER BY id"
    ))?;
    let rows = statement.query_map([job], endpoint_from_row)?;
    rows.collect()
}

/// The endpoints the dispatcher looks at: every configured one, and a job's own only
/// while it has a message pending (there may be one per API job ever made).
pub(crate) fn sending_endpoints(conn: &Connection) -> rusqlite::Result<Vec<EndpointRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "{ENDPOINT_SELECT} WHERE job_id IS NULL OR EXISTS (
             SELECT 1 FROM messages m WHERE m.endpoint_id = endpoints.id AND m.status = 'pending')
         ORDER BY id"
    ))?;
    let rows = statement.query_map([], endpoint_from_row)?;
    rows.collect()
}

/// Inserts an endpoint (a job's own when `job` is set).
pub(crate) fn insert_endpoint(
    conn: &Connection,
    fields: &EndpointFields,
    secret: &str,
    job: Option<i64>,
) -> rusqlite::Result<EndpointId> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO endpoints (url, description, events, format, headers, timeout_ms,
             max_concurrency, secret, created_at, updated_at, job_id, retry_client_errors)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)",
        params![
            fields.url,
            fields.description,
            crate::to_json(&fields.events, "[]"),
            fields.format,
            crate::to_json(&fields.headers, "[]"),
            fields.timeout_ms,
            fields.max_concurrency,
            secret,
            now,
            job,
            fields.retry_client_errors
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn endpoint_in(
    conn: &Connection,
    id: EndpointId,
) -> rusqlite::Result<Option<EndpointRecord>> {
    conn.query_row(
        &format!("{ENDPOINT_SELECT} WHERE id = ?1"),
        [id],
        endpoint_from_row,
    )
    .optional()
}

/// Disables an endpoint and holds its pending messages (tests excepted); returns whether
/// the endpoint exists.
pub(crate) fn disable(
    conn: &Connection,
    id: EndpointId,
    reason: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE endpoints SET disabled_at = coalesce(disabled_at, ?2), disabled_reason = ?3, updated_at = ?2
         WHERE id = ?1",
        params![id, now, reason],
    )?;
    conn.execute(
        "UPDATE messages SET status = 'held' WHERE endpoint_id = ?1 AND status = 'pending'
             AND event != 'webhook.test'",
        [id],
    )?;
    Ok(changed == 1)
}

impl Store {
    pub fn add_endpoint(
        &self,
        fields: &EndpointFields,
        secret: &str,
    ) -> Result<EndpointId, StoreError> {
        Ok(insert_endpoint(&self.conn, fields, secret, None)?)
    }

    pub fn endpoint(&self, id: EndpointId) -> Result<EndpointRecord, StoreError> {
        endpoint_in(&self.conn, id)?.ok_or(StoreError::NoSuchEndpoint(id))
    }

    /// The configured endpoints (not the ones jobs own).
    pub fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "{ENDPOINT_SELECT} WHERE job_id IS NULL ORDER BY id"
        ))?;
        let rows = statement.query_map([], endpoint_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn update_endpoint(
        &self,
        id: EndpointId,
        fields: &EndpointFields,
    ) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE endpoints SET url = ?2, description = ?3, events = ?4, format = ?5, headers = ?6,
                 timeout_ms = ?7, max_concurrency = ?8, updated_at = ?9, retry_client_errors = ?10
             WHERE id = ?1",
            params![
                id,
                fields.url,
                fields.description,
                crate::to_json(&fields.events, "[]"),
                fields.format,
                crate::to_json(&fields.headers, "[]"),
                fields.timeout_ms,
                fields.max_concurrency,
                now_ms(),
                fields.retry_client_errors
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
        // IMMEDIATE: a deferred transaction that reads first cannot always upgrade to a
        // writer while another process writes ("database is locked").
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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

    /// Replaces the secret; the old one keeps signing until `until` (unix ms).
    pub fn rotate_secret(&self, id: EndpointId, new: &str, until: i64) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE endpoints SET previous_secret = secret, previous_secret_until = ?3, secret = ?2,
                 updated_at = ?4
             WHERE id = ?1",
            params![id, new, until, now_ms()],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchEndpoint(id));
        }
        Ok(())
    }

    /// Disables an endpoint and holds its pending messages.
    pub fn disable_endpoint(&mut self, id: EndpointId, reason: &str) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !disable(&tx, id, reason, now_ms())? {
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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

    /// Each endpoint's attempts since `since` (unix ms) and its latest failure ever.
    pub fn endpoint_stats(
        &self,
        since: i64,
    ) -> Result<HashMap<EndpointId, EndpointStats>, StoreError> {
        let mut stats: HashMap<EndpointId, EndpointStats> = HashMap::new();
        let mut counts = self.conn.prepare_cached(
            "SELECT endpoint_id, count(*),
                    count(*) FILTER (WHERE error_kind IS NULL AND response_status BETWEEN 200 AND 299)
             FROM attempts WHERE attempted_at >= ?1 GROUP BY endpoint_id",
        )?;
        let rows = counts.query_map([since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        for row in rows {
            let (id, attempts, succeeded): (EndpointId, i64, i64) = row?;
            let entry = stats.entry(id).or_default();
            entry.attempts = attempts;
            entry.succeeded = succeeded;
        }
        let mut failures = self.conn.prepare_cached(
            "SELECT a.endpoint_id, a.attempted_at,
                    coalesce(a.error, 'HTTP ' || a.response_status, 'failed')
             FROM endpoints e JOIN attempts a ON a.id = (
                 SELECT max(id) FROM attempts
                 WHERE endpoint_id = e.id AND (error_kind IS NOT NULL OR response_status NOT BETWEEN 200 AND 299))",
        )?;
        let rows = failures.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        for row in rows {
            let (id, at, error): (EndpointId, i64, String) = row?;
            stats.entry(id).or_default().last_failure = Some((at, error));
        }
        Ok(stats)
    }
}
