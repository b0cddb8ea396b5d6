//! Sending: leases on due messages, the record of each attempt (with the endpoint's
//! health and automatic disabling), released leases and pruning of the log.

use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{
    all_endpoints, endpoint_from_row, message_from_row, pairs_json, AttemptRecord, Claim,
    DeliveryStatus, DisablePolicy, Endpoint, EndpointId, MessageId, NextStep, ENDPOINT_COLUMNS,
    LEASE_MARGIN, MESSAGE_COLUMNS,
};
use crate::store::jobs::{now_ms, process_alive};
use crate::store::{Store, StoreError};
use crate::webhooks::policy::ErrorKind;

impl Store {
    /// Leases due messages of enabled endpoints, at most each endpoint's concurrency
    /// minus what is already in flight (in any process).
    pub fn claim_due(&mut self, now: i64) -> Result<Vec<Claim>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut claims = Vec::new();
        for endpoint in all_endpoints(&tx)? {
            if endpoint.disabled.is_none() {
                claims.extend(lease_due(&tx, &endpoint, now, i64::MAX)?);
            }
        }
        tx.commit()?;
        Ok(claims)
    }

    /// Leases one message regardless of its schedule (`webhooks test`).
    pub fn claim_now(&mut self, id: MessageId) -> Result<Claim, StoreError> {
        let message = self.message(id)?;
        let endpoint = self.endpoint(message.endpoint_id)?;
        lease(&self.conn, id, lease_until(&endpoint, now_ms()))?;
        Ok(Claim {
            body: self.message_body(id)?,
            message,
            endpoint,
        })
    }

    /// When the next pending message that is not leased at `now` falls due (unix ms),
    /// if any. (A lease still running belongs to a live sender, or runs out later than
    /// the dispatcher's longest sleep.) Walks the `messages_due` index from its start.
    pub fn next_due(&self, now: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT next_attempt_at FROM messages
                 WHERE status = 'pending' AND next_attempt_at IS NOT NULL
                   AND (locked_until IS NULL OR locked_until <= ?1)
                 ORDER BY next_attempt_at LIMIT 1",
                [now],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Logs an attempt and moves its message on, in one transaction; updates the
    /// endpoint's health and disables it when `policy` (or the step) says so. With
    /// `then_claim`, the same transaction leases the endpoint's next due message, so a
    /// sending slot goes straight on to it.
    pub fn record_attempt(
        &mut self,
        claim: &Claim,
        attempt: &AttemptRecord,
        step: &NextStep,
        policy: DisablePolicy,
        then_claim: bool,
    ) -> Result<Recorded, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        tx.execute(
            "INSERT INTO attempts (message_id, endpoint_id, url, attempted_at, duration_ms,
                 request_headers, response_status, response_headers, response_body, error_kind, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                claim.message.id,
                claim.endpoint.id,
                attempt.url,
                attempt.attempted_at,
                attempt.duration_ms,
                pairs_json(&attempt.request_headers),
                attempt.response_status.map(i64::from),
                pairs_json(&attempt.response_headers),
                attempt.response_body,
                attempt.error_kind.map(ErrorKind::as_str),
                attempt.error
            ],
        )?;
        // The endpoint as it is now (the user may have changed or disabled it meanwhile).
        let current = endpoint_row(&tx, claim.endpoint.id)?;
        let endpoint_disabled = current.as_ref().is_none_or(|e| e.disabled.is_some());
        let (status, next_at, error, delivered_at) = match step {
            NextStep::Delivered => (DeliveryStatus::Delivered, None, None, Some(now)),
            NextStep::RetryAt(at) if endpoint_disabled => {
                (DeliveryStatus::Held, Some(*at), attempt.error.clone(), None)
            }
            NextStep::RetryAt(at) => (
                DeliveryStatus::Pending,
                Some(*at),
                attempt.error.clone(),
                None,
            ),
            NextStep::Failed(reason) | NextStep::FailedAndDisable(reason) => {
                (DeliveryStatus::Failed, None, Some(reason.clone()), None)
            }
        };
        tx.execute(
            "UPDATE messages SET status = ?2, attempts = attempts + 1, next_attempt_at = ?3,
                 last_error = ?4, delivered_at = ?5, locked_by = NULL, locked_until = NULL
             WHERE id = ?1",
            params![
                claim.message.id,
                status.as_str(),
                next_at,
                error,
                delivered_at
            ],
        )?;
        let disabled_now = if *step == NextStep::Delivered {
            tx.execute(
                "UPDATE endpoints SET consecutive_failures = 0, failing_since = NULL, last_success_at = ?2
                 WHERE id = ?1",
                params![claim.endpoint.id, now],
            )?;
            None
        } else {
            endpoint_failed(&tx, claim.endpoint.id, step, policy, now, endpoint_disabled)?
        };
        let next = match current {
            Some(endpoint) if then_claim && !endpoint_disabled && disabled_now.is_none() => {
                lease_due(&tx, &endpoint, now, 1)?.pop()
            }
            _ => None,
        };
        tx.commit()?;
        Ok(Recorded {
            disabled: disabled_now,
            next,
        })
    }

    /// Clears the leases of processes that no longer exist (killed mid-attempt), and with
    /// `mine`, this process's own (on shutdown).
    pub fn release_leases(&self, mine: bool) -> Result<usize, StoreError> {
        let owners: Vec<i64> = {
            let mut statement = self
                .conn
                .prepare("SELECT DISTINCT locked_by FROM messages WHERE locked_by IS NOT NULL")?;
            let rows = statement.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let me = i64::from(std::process::id());
        let mut released = 0;
        for owner in owners {
            let release = if owner == me {
                mine
            } else {
                !process_alive(owner as u32)
            };
            if release {
                released += self.conn.execute(
                    "UPDATE messages SET locked_by = NULL, locked_until = NULL WHERE locked_by = ?1",
                    [owner],
                )?;
            }
        }
        Ok(released)
    }

    /// Drops the log of delivered messages older than `cutoff` (unix ms). Messages that
    /// were never delivered, and their attempts, are kept.
    pub fn prune_deliveries(&mut self, cutoff: i64) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM attempts WHERE attempted_at < ?1
               AND message_id IN (SELECT id FROM messages WHERE status = 'delivered')",
            [cutoff],
        )?;
        let removed = tx.execute(
            "DELETE FROM messages WHERE status = 'delivered' AND delivered_at < ?1",
            [cutoff],
        )?;
        tx.commit()?;
        Ok(removed)
    }
}

/// What `record_attempt` did besides logging.
#[derive(Debug)]
pub struct Recorded {
    /// Why the endpoint was disabled by this attempt, if it was.
    pub disabled: Option<String>,
    /// The endpoint's next due message, leased (with `then_claim`).
    pub next: Option<Claim>,
}

fn endpoint_row(conn: &Connection, id: EndpointId) -> rusqlite::Result<Option<Endpoint>> {
    conn.query_row(
        &format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = ?1"),
        [id],
        endpoint_from_row,
    )
    .optional()
}

/// Until when a message sent to `endpoint` now is leased: its timeout and a margin.
fn lease_until(endpoint: &Endpoint, now: i64) -> i64 {
    now + (endpoint.settings.timeout + LEASE_MARGIN).as_millis() as i64
}

/// Leases one message to this process.
fn lease(conn: &Connection, id: MessageId, until: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE messages SET locked_by = ?2, locked_until = ?3 WHERE id = ?1")?
        .execute(params![id, std::process::id(), until])?;
    Ok(())
}

/// Leases up to `max` due messages of one endpoint, within its concurrency minus what is
/// in flight (in any process).
fn lease_due(
    conn: &Connection,
    endpoint: &Endpoint,
    now: i64,
    max: i64,
) -> rusqlite::Result<Vec<Claim>> {
    let in_flight: i64 = conn.query_row(
        "SELECT count(*) FROM messages WHERE endpoint_id = ?1 AND locked_until IS NOT NULL
             AND locked_until > ?2 AND status = 'pending'",
        params![endpoint.id, now],
        |r| r.get(0),
    )?;
    let room = (i64::from(endpoint.settings.max_concurrency) - in_flight).min(max);
    if room <= 0 {
        return Ok(Vec::new());
    }
    let until = lease_until(endpoint, now);
    let mut due = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS}, body FROM messages
         WHERE endpoint_id = ?1 AND status = 'pending' AND next_attempt_at <= ?2
           AND (locked_until IS NULL OR locked_until <= ?2)
         ORDER BY next_attempt_at, id LIMIT ?3"
    ))?;
    let rows = due
        .query_map(params![endpoint.id, now, room], |r| {
            Ok((message_from_row(r)?, r.get::<_, String>(11)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut claims = Vec::with_capacity(rows.len());
    for (message, body) in rows {
        lease(conn, message.id, until)?;
        claims.push(Claim {
            message,
            body: body.into_bytes(),
            endpoint: endpoint.clone(),
        });
    }
    Ok(claims)
}

/// Counts a failed attempt against its endpoint and disables it when the step (410) or
/// the policy says so.
fn endpoint_failed(
    conn: &Connection,
    id: EndpointId,
    step: &NextStep,
    policy: DisablePolicy,
    now: i64,
    already_disabled: bool,
) -> rusqlite::Result<Option<String>> {
    conn.execute(
        "UPDATE endpoints SET consecutive_failures = consecutive_failures + 1,
             failing_since = coalesce(failing_since, ?2)
         WHERE id = ?1",
        params![id, now],
    )?;
    if already_disabled {
        return Ok(None);
    }
    let reason = match step {
        NextStep::FailedAndDisable(reason) => Some(reason.clone()),
        _ => {
            let (failures, since): (i64, i64) = conn.query_row(
                "SELECT consecutive_failures, coalesce(failing_since, ?2) FROM endpoints WHERE id = ?1",
                params![id, now],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let failing_for = Duration::from_millis((now - since).max(0) as u64);
            (failures >= policy.min_failures && failing_for >= policy.after).then(|| {
                format!(
                    "no successful delivery for {} ({failures} failed attempts in a row)",
                    humantime::format_duration(Duration::from_secs(failing_for.as_secs()))
                )
            })
        }
    };
    if let Some(reason) = &reason {
        disable(conn, id, reason, now)?;
    }
    Ok(reason)
}

/// Returns whether the endpoint exists.
pub(super) fn disable(
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
