//! Sending: leases on due messages, the record of each attempt (with the endpoint's
//! health), released leases and pruning of the log.
//!
//! What an attempt's result means (delivered, retry when, give up, disable the endpoint)
//! is decided above the store, by the webhooks policy; [`Store::record_attempt`] hands it
//! the endpoint's health as read inside the recording transaction and writes what it
//! decides.

use std::time::Duration;

use rusqlite::{params, Connection, Row, TransactionBehavior};

use crate::endpoints::{disable, endpoint_in, sending_endpoints, EndpointId, EndpointRecord};
use crate::messages::{
    message_from_row, MessageId, MessageRecord, MessageStatus, AFTER_MESSAGE_COLUMNS,
    MESSAGE_COLUMNS,
};
use crate::{now_ms, process_alive, Store, StoreError};

/// How long past its timeout a leased message stays leased: after a crash mid-attempt,
/// another process sends it again once the lease runs out (at-least-once).
pub const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// A leased message, ready to send.
#[derive(Debug, Clone)]
pub struct Lease {
    pub message: MessageRecord,
    pub body: Vec<u8>,
    pub endpoint: EndpointRecord,
    /// Names this lease: its attempt moves the message on only while the message is
    /// still leased under it (not re-leased, after a laptop slept through its expiry).
    pub token: String,
}

/// What an attempt sent and got, as the log keeps it: request headers with secret values
/// already masked, the response body cut short.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttempt {
    pub url: String,
    pub attempted_at: i64,
    pub duration_ms: i64,
    pub request_headers: Vec<(String, String)>,
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    /// `dns`, `connect`, `tls`, `timeout`, `redirect` or `status`.
    pub error_kind: Option<String>,
    pub error: Option<String>,
}

/// One logged attempt.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub id: i64,
    pub message_id: MessageId,
    pub endpoint_id: EndpointId,
    pub attempt: NewAttempt,
}

/// An endpoint's state when an attempt is recorded (before counting the attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointHealth {
    /// The endpoint was removed while the attempt was in flight.
    pub removed: bool,
    pub disabled: bool,
    pub consecutive_failures: i64,
    pub failing_since: Option<i64>,
}

/// What becomes of a message after an attempt (decided by the webhooks policy).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub status: MessageStatus,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    /// Disable the endpoint, for this reason.
    pub disable: Option<String>,
}

/// What `record_attempt` did besides logging.
#[derive(Debug)]
pub struct Recorded {
    /// The message's status as committed (a disable in the same transaction holds it).
    pub status: MessageStatus,
    /// The message had been leased again (or replayed, or removed) while this attempt
    /// was in flight: the attempt is logged, and the message left as the newer lease
    /// has it.
    pub stale: bool,
    /// Why the endpoint was disabled by this attempt, if it was.
    pub disabled: Option<String>,
    /// The endpoint's next due message, leased (with `then_claim`).
    pub next: Option<Lease>,
}

fn pairs(text: Option<String>) -> Vec<(String, String)> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn attempt_from_row(row: &Row) -> rusqlite::Result<AttemptRecord> {
    Ok(AttemptRecord {
        id: row.get(0)?,
        message_id: row.get(1)?,
        endpoint_id: row.get(2)?,
        attempt: NewAttempt {
            url: row.get(3)?,
            attempted_at: row.get(4)?,
            duration_ms: row.get(5)?,
            request_headers: pairs(row.get(6)?),
            response_status: row.get::<_, Option<i64>>(7)?.map(|s| s as u16),
            response_headers: pairs(row.get(8)?),
            response_body: row.get(9)?,
            error_kind: row.get(10)?,
            error: row.get(11)?,
        },
    })
}

impl Store {
    /// Leases due messages of enabled endpoints, at most each endpoint's concurrency
    /// minus what is already in flight (in any process).
    pub fn claim_due(&mut self, now: i64) -> Result<Vec<Lease>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut claims = Vec::new();
        for endpoint in sending_endpoints(&tx)? {
            if endpoint.disabled_at.is_none() {
                claims.extend(lease_due(&tx, &endpoint, now, i64::MAX)?);
            }
        }
        tx.commit()?;
        Ok(claims)
    }

    /// Leases one message regardless of its schedule (`webhooks test`).
    pub fn claim_now(&mut self, id: MessageId) -> Result<Lease, StoreError> {
        let message = self.message(id)?;
        let endpoint = self.endpoint(message.endpoint_id)?;
        let token = lease(&self.conn, id, lease_until(&endpoint, now_ms()))?;
        Ok(Lease {
            body: self.message_body(id)?,
            message,
            endpoint,
            token,
        })
    }

    /// When the next message that [`Store::claim_due`] could lease falls due (unix ms), if
    /// any: pending, not leased at `now`, of an enabled endpoint with a free slot. A due
    /// message that cannot be claimed (its endpoint busy or disabled) is not counted, or
    /// the dispatcher would wake at once, claim nothing and go round again: a busy loop.
    /// A slot frees when an attempt is recorded, which wakes the dispatcher anyway (in
    /// this process at once, from another within its change check), or when a dead
    /// process's lease runs out (noticed by the dispatcher's periodic read).
    pub fn next_due(&self, now: i64) -> Result<Option<i64>, StoreError> {
        use rusqlite::OptionalExtension;
        let mut next: Option<i64> = None;
        for endpoint in sending_endpoints(&self.conn)? {
            if endpoint.disabled_at.is_some() || room(&self.conn, &endpoint, now)? <= 0 {
                continue;
            }
            // Walks the `messages_by_endpoint` index in due order to the first unleased one.
            let due: Option<i64> = self
                .conn
                .prepare_cached(
                    "SELECT next_attempt_at FROM messages
                     WHERE endpoint_id = ?1 AND status = 'pending' AND next_attempt_at IS NOT NULL
                       AND (locked_until IS NULL OR (locked_until <= ?2 AND locked_by IS NOT ?3))
                     ORDER BY next_attempt_at LIMIT 1",
                )?
                .query_row(params![endpoint.id, now, std::process::id()], |r| r.get(0))
                .optional()?;
            next = match (next, due) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(next)
    }

    /// Logs an attempt and moves its message on, in one transaction: `decide` gets the
    /// endpoint's health as it is now and says where the message goes; the endpoint's
    /// health follows, and the endpoint is disabled when the decision says so. With
    /// `then_claim`, the same transaction leases the endpoint's next due message, so a
    /// sending slot goes straight on to it.
    pub fn record_attempt(
        &mut self,
        lease: &Lease,
        attempt: &NewAttempt,
        decide: impl FnOnce(&EndpointHealth) -> Decision,
        then_claim: bool,
    ) -> Result<Recorded, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        insert_attempt(&tx, lease, attempt)?;
        // The endpoint as it is now (the user may have changed or disabled it meanwhile).
        let current = endpoint_in(&tx, lease.endpoint.id)?;
        let health = EndpointHealth {
            removed: current.is_none(),
            disabled: current.as_ref().is_none_or(|e| e.disabled_at.is_some()),
            consecutive_failures: current.as_ref().map_or(0, |e| e.consecutive_failures),
            failing_since: current.as_ref().and_then(|e| e.failing_since),
        };
        let decision = decide(&health);
        let delivered = decision.status == MessageStatus::Delivered;
        // Only under its own lease: a late answer never overwrites what a newer lease of
        // the same message recorded (a `delivered`, say).
        let moved = tx.execute(
            "UPDATE messages SET status = ?2, attempts = attempts + 1, next_attempt_at = ?3,
                 last_error = ?4, delivered_at = ?5, locked_by = NULL, locked_until = NULL,
                 lease_token = NULL
             WHERE id = ?1 AND lease_token IS ?6",
            params![
                lease.message.id,
                decision.status.as_str(),
                decision.next_attempt_at,
                decision.last_error,
                delivered.then_some(now),
                lease.token
            ],
        )?;
        let stale = moved == 0;
        if delivered {
            tx.execute(
                "UPDATE endpoints SET consecutive_failures = 0, failing_since = NULL, last_success_at = ?2
                 WHERE id = ?1",
                params![lease.endpoint.id, now],
            )?;
        } else {
            tx.execute(
                "UPDATE endpoints SET consecutive_failures = consecutive_failures + 1,
                     failing_since = coalesce(failing_since, ?2)
                 WHERE id = ?1",
                params![lease.endpoint.id, now],
            )?;
        }
        let disabled = match &decision.disable {
            Some(reason) if !health.disabled && !stale => {
                disable(&tx, lease.endpoint.id, reason, now)?;
                Some(reason.clone())
            }
            _ => None,
        };
        let status: Option<String> = {
            use rusqlite::OptionalExtension;
            tx.query_row(
                "SELECT status FROM messages WHERE id = ?1",
                [lease.message.id],
                |r| r.get(0),
            )
            .optional()?
        };
        let next = match current {
            Some(endpoint) if then_claim && !health.disabled && disabled.is_none() => {
                lease_due(&tx, &endpoint, now, 1)?.pop()
            }
            _ => None,
        };
        tx.commit()?;
        Ok(Recorded {
            status: status
                .as_deref()
                .and_then(MessageStatus::parse)
                .unwrap_or(decision.status),
            stale,
            disabled,
            next,
        })
    }

    /// Logs an attempt whose answer never came because this process stopped (after a
    /// grace period) and gives the message back: it is sent again at the next start, and
    /// the log shows the request that went out.
    pub fn record_interrupted(
        &mut self,
        lease: &Lease,
        attempt: &NewAttempt,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert_attempt(&tx, lease, attempt)?;
        tx.execute(
            "UPDATE messages SET locked_by = NULL, locked_until = NULL, lease_token = NULL
             WHERE id = ?1 AND lease_token IS ?2",
            params![lease.message.id, lease.token],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every attempt of a message, oldest first.
    pub fn attempts(&self, message: MessageId) -> Result<Vec<AttemptRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, message_id, endpoint_id, url, attempted_at, duration_ms, request_headers,
                    response_status, response_headers, response_body, error_kind, error
             FROM attempts WHERE message_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map([message], attempt_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
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
                    "UPDATE messages SET locked_by = NULL, locked_until = NULL, lease_token = NULL
                     WHERE locked_by = ?1",
                    [owner],
                )?;
            }
        }
        Ok(released)
    }

    /// Drops delivered messages delivered before `delivered_before`, and failed and held
    /// ones created before `undelivered_before` (unix ms), with their attempts: each
    /// keeps a copy of a transcript, and a disabled endpoint would otherwise keep one of
    /// every transcript forever. Pending messages are still being sent and always stay.
    /// Returns how many messages went.
    pub fn prune_deliveries(
        &mut self,
        delivered_before: i64,
        undelivered_before: i64,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        const OLD: &str = "(status = 'delivered' AND delivered_at < ?1)
            OR (status IN ('failed', 'held') AND created_at < ?2)";
        tx.execute(
            &format!(
                "DELETE FROM attempts WHERE message_id IN (SELECT id FROM messages WHERE {OLD})"
            ),
            params![delivered_before, undelivered_before],
        )?;
        let removed = tx.execute(
            &format!("DELETE FROM messages WHERE {OLD}"),
            params![delivered_before, undelivered_before],
        )?;
        tx.commit()?;
        Ok(removed)
    }
}

fn insert_attempt(conn: &Connection, lease: &Lease, attempt: &NewAttempt) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO attempts (message_id, endpoint_id, url, attempted_at, duration_ms,
             request_headers, response_status, response_headers, response_body, error_kind, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        lease.message.id,
        lease.endpoint.id,
        attempt.url,
        attempt.attempted_at,
        attempt.duration_ms,
        crate::to_json(&attempt.request_headers, "[]"),
        attempt.response_status.map(i64::from),
        crate::to_json(&attempt.response_headers, "[]"),
        attempt.response_body,
        attempt.error_kind,
        attempt.error
    ])?;
    Ok(())
}

/// Until when a message sent to `endpoint` now is leased: its timeout and a margin.
fn lease_until(endpoint: &EndpointRecord, now: i64) -> i64 {
    now + endpoint.fields.timeout_ms.max(0) + LEASE_MARGIN.as_millis() as i64
}

/// Leases one message to this process; returns the lease's token.
fn lease(conn: &Connection, id: MessageId, until: i64) -> rusqlite::Result<String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    // Unique among this process's leases; the pid and the clock set it apart from any
    // other process's, past or present.
    static LEASES: AtomicU64 = AtomicU64::new(0);
    let token = format!(
        "{}-{}-{}",
        std::process::id(),
        now_ms(),
        LEASES.fetch_add(1, Ordering::Relaxed)
    );
    conn.prepare_cached(
        "UPDATE messages SET locked_by = ?2, locked_until = ?3, lease_token = ?4 WHERE id = ?1",
    )?
    .execute(params![id, std::process::id(), until, token])?;
    Ok(token)
}

/// How many more requests `endpoint` may have in flight at `now` (leases of every
/// process count; this process's own count until it records them, expired or not).
fn room(conn: &Connection, endpoint: &EndpointRecord, now: i64) -> rusqlite::Result<i64> {
    let in_flight: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM messages WHERE endpoint_id = ?1 AND locked_until IS NOT NULL
                 AND (locked_until > ?2 OR locked_by = ?3) AND status = 'pending'",
        )?
        .query_row(params![endpoint.id, now, std::process::id()], |r| r.get(0))?;
    Ok(endpoint.fields.max_concurrency.max(1) - in_flight)
}

/// Leases up to `max` due messages of one endpoint, within its concurrency minus what is
/// in flight (in any process).
fn lease_due(
    conn: &Connection,
    endpoint: &EndpointRecord,
    now: i64,
    max: i64,
) -> rusqlite::Result<Vec<Lease>> {
    let room = room(conn, endpoint, now)?.min(max);
    if room <= 0 {
        return Ok(Vec::new());
    }
    let until = lease_until(endpoint, now);
    // An expired lease of another process is taken over (it died, or its request
    // outlived the timeout); one of this process is still in flight here, whatever the
    // clock says (a laptop that slept): it is never sent twice from here.
    let mut due = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS}, body FROM messages
         WHERE endpoint_id = ?1 AND status = 'pending' AND next_attempt_at <= ?2
           AND (locked_until IS NULL OR (locked_until <= ?2 AND locked_by IS NOT ?4))
         ORDER BY next_attempt_at, id LIMIT ?3"
    ))?;
    let rows = due
        .query_map(params![endpoint.id, now, room, std::process::id()], |r| {
            Ok((
                message_from_row(r)?,
                r.get::<_, String>(AFTER_MESSAGE_COLUMNS)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut claims = Vec::with_capacity(rows.len());
    for (message, body) in rows {
        let token = lease(conn, message.id, until)?;
        claims.push(Lease {
            message,
            body: body.into_bytes(),
            endpoint: endpoint.clone(),
            token,
        });
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::EndpointFields;
    use crate::jobs::{JobId, NewJob, Origin};
    use crate::messages::{Finished, MessageFilter, NewMessage};
    use crate::temp_store;

    fn endpoint(store: &Store) -> EndpointId {
        let fields = EndpointFields {
            url: "http://127.0.0.1:9/hook".into(),
            description: String::new(),
            events: vec!["transcription.completed".into()],
            format: "full".into(),
            headers: serde_json::json!([]),
            timeout_ms: 5000,
            max_concurrency: 4,
            retry_client_errors: true,
        };
        store.add_endpoint(&fields, "whsec_test").unwrap()
    }

    fn running_job(store: &mut Store) -> JobId {
        let id = store
            .enqueue(&NewJob {
                route: Default::default(),
                source_path: "/rec/a.wav".into(),
                origin: Origin::Manual,
                folder_id: None,
                options: serde_json::json!({}),
                metadata: None,
            })
            .unwrap();
        assert_eq!(store.claim_next().unwrap().unwrap().id, id);
        id
    }

    /// An outbox builder that writes one message per endpoint, with a body naming the job.
    fn one_each(finished: &Finished<'_>) -> Result<Vec<NewMessage>, String> {
        Ok(finished
            .endpoints
            .iter()
            .map(|e| NewMessage {
                webhook_id: format!("msg_{}_{}", finished.job.id, e.id),
                event: "transcription.completed".into(),
                endpoint_id: e.id,
                body: format!("{{\"job\":{}}}", finished.job.id).into_bytes(),
            })
            .collect())
    }

    fn complete_one(store: &mut Store) -> JobId {
        let id = running_job(store);
        let t = crate::jobs::tests::transcript("hello");
        store.complete(id, "aa", &t, &mut one_each).unwrap();
        id
    }

    fn all(store: &Store) -> Vec<MessageRecord> {
        store
            .messages(&MessageFilter {
                limit: 100,
                ..MessageFilter::default()
            })
            .unwrap()
    }

    fn attempt(status: u16) -> NewAttempt {
        NewAttempt {
            url: "http://127.0.0.1:9/hook".into(),
            attempted_at: now_ms(),
            duration_ms: 3,
            request_headers: Vec::new(),
            response_status: Some(status),
            response_headers: Vec::new(),
            response_body: None,
            error_kind: (status >= 300).then(|| "status".into()),
            error: (status >= 300).then(|| format!("HTTP {status}")),
        }
    }

    fn decided(status: MessageStatus) -> impl FnOnce(&EndpointHealth) -> Decision {
        move |_| Decision {
            status,
            next_attempt_at: (status == MessageStatus::Pending).then(now_ms),
            last_error: None,
            disable: None,
        }
    }

    #[test]
    fn an_expired_lease_of_this_process_is_never_sent_again_from_here() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        complete_one(&mut store);
        let lease = store.claim_due(now_ms()).unwrap().remove(0);
        // The laptop slept through the lease's end with the request in flight.
        store
            .conn
            .execute("UPDATE messages SET locked_until = ?1", [now_ms() - 1])
            .unwrap();
        assert!(
            store.claim_due(now_ms()).unwrap().is_empty(),
            "still in flight here"
        );
        assert_eq!(
            store.next_due(now_ms()).unwrap(),
            None,
            "so nothing is due: no busy loop"
        );
        let recorded = store
            .record_attempt(
                &lease,
                &attempt(200),
                decided(MessageStatus::Delivered),
                false,
            )
            .unwrap();
        assert!(!recorded.stale);
        assert_eq!(recorded.status, MessageStatus::Delivered);
        assert_eq!(all(&store)[0].attempts, 1);
    }

    #[test]
    fn a_late_answer_never_overwrites_what_a_newer_lease_recorded() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        complete_one(&mut store);
        let late = store.claim_due(now_ms()).unwrap().remove(0);
        // Another process took the expired lease over and delivered the message.
        store
            .conn
            .execute(
                "UPDATE messages SET locked_by = 1, locked_until = ?1, lease_token = 'theirs'",
                [now_ms() - 1],
            )
            .unwrap();
        let newer = store.claim_due(now_ms()).unwrap().remove(0);
        assert_ne!(newer.token, late.token);
        store
            .record_attempt(
                &newer,
                &attempt(200),
                decided(MessageStatus::Delivered),
                false,
            )
            .unwrap();
        // Then the first request's answer comes back: a failure.
        let recorded = store
            .record_attempt(&late, &attempt(500), decided(MessageStatus::Pending), false)
            .unwrap();
        assert!(recorded.stale);
        assert_eq!(recorded.status, MessageStatus::Delivered);
        let message = all(&store).remove(0);
        assert_eq!(
            message.status,
            MessageStatus::Delivered,
            "the delivery stands"
        );
        assert_eq!(message.attempts, 1);
        assert_eq!(
            store.attempts(message.id).unwrap().len(),
            2,
            "both attempts are logged"
        );
    }

    #[test]
    fn an_interrupted_attempt_is_logged_and_its_message_sent_again() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        complete_one(&mut store);
        let lease = store.claim_due(now_ms()).unwrap().remove(0);
        let mut cut = attempt(0);
        cut.response_status = None;
        cut.error_kind = Some("interrupted".into());
        store.record_interrupted(&lease, &cut).unwrap();
        let message = all(&store).remove(0);
        assert_eq!(message.status, MessageStatus::Pending);
        assert_eq!(message.attempts, 0, "no answer: it does not use up a retry");
        assert_eq!(store.attempts(message.id).unwrap().len(), 1);
        assert_eq!(
            store.claim_due(now_ms()).unwrap().len(),
            1,
            "free to send again"
        );
    }

    #[test]
    fn the_outbox_is_written_with_the_job_and_held_for_disabled_endpoints() {
        let (_dir, mut store) = temp_store();
        let first = endpoint(&store);
        let second = endpoint(&store);
        store
            .disable_endpoint(second, "disabled by the user")
            .unwrap();
        let job = complete_one(&mut store);
        let messages = all(&store);
        assert_eq!(messages.len(), 2);
        let status_of = |id| {
            messages
                .iter()
                .find(|m| m.endpoint_id == id)
                .unwrap()
                .status
        };
        assert_eq!(status_of(first), MessageStatus::Pending);
        assert_eq!(status_of(second), MessageStatus::Held);
        assert!(messages.iter().all(|m| m.job_id == Some(job)));
        let counts = store.delivery_counts().unwrap();
        assert_eq!((counts.endpoints, counts.enabled_endpoints), (2, 1));
        assert_eq!((counts.pending, counts.held, counts.delivered), (1, 1, 0));
    }

    #[test]
    fn a_failing_outbox_builder_rolls_the_completion_back() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        let id = running_job(&mut store);
        let t = crate::jobs::tests::transcript("hello");
        let error = store
            .complete(id, "aa", &t, &mut |_: &Finished<'_>| {
                Err("no randomness".to_string())
            })
            .unwrap_err();
        assert!(error.to_string().contains("no randomness"), "{error}");
        assert_eq!(
            store.job(id).unwrap().status,
            crate::jobs::JobStatus::Running
        );
        assert!(all(&store).is_empty());
    }

    #[test]
    fn cancelled_jobs_and_completions_that_lost_the_race_send_nothing() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        let id = running_job(&mut store);
        store.cancel(id).unwrap();
        let t = crate::jobs::tests::transcript("hello");
        assert_eq!(store.complete(id, "aa", &t, &mut one_each).unwrap(), None);
        assert!(!store.fail(id, "late", &mut one_each).unwrap());
        assert!(all(&store).is_empty());
    }

    #[test]
    fn only_messages_a_claim_could_take_count_as_due() {
        let (_dir, mut store) = temp_store();
        let id = endpoint(&store);
        let test = store
            .add_test_message(&NewMessage {
                webhook_id: "msg_test".into(),
                event: "webhook.test".into(),
                endpoint_id: id,
                body: b"{}".to_vec(),
            })
            .unwrap();
        // A test that is sent again goes through the outbox like any message.
        assert_eq!(store.replay(test, None).unwrap(), test);
        let now = now_ms();
        assert!(store.next_due(now).unwrap().is_some_and(|due| due <= now));

        // Disabling holds transcripts but leaves a test message pending: it is still not
        // due, since no claim would take it.
        store.disable_endpoint(id, "testing").unwrap();
        assert_eq!(store.message(test).unwrap().status, MessageStatus::Pending);
        assert!(store.claim_due(now).unwrap().is_empty());
        assert_eq!(store.next_due(now).unwrap(), None);

        // An endpoint that is gone counts for nothing either; another one still does.
        store.remove_endpoint(id).unwrap();
        let other = endpoint(&store);
        complete_one(&mut store);
        let due = store.next_due(now_ms()).unwrap();
        assert!(due.is_some(), "the other endpoint's message");
        let claims = store.claim_due(now_ms()).unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].endpoint.id, other);
    }

    #[test]
    fn claims_respect_each_endpoints_concurrency_and_leases() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        for _ in 0..6 {
            complete_one(&mut store);
        }
        let now = now_ms();
        assert!(store.next_due(now).unwrap().is_some_and(|due| due <= now));
        assert_eq!(store.claim_due(now).unwrap().len(), 4, "max_concurrency 4");
        assert_eq!(
            store.next_due(now).unwrap(),
            None,
            "two are due, but the endpoint has no free slot: nothing to wake for"
        );
        assert_eq!(store.claim_due(now).unwrap().len(), 0, "four in flight");
        let later = now + 5_000 + LEASE_MARGIN.as_millis() as i64 + 1;
        assert_eq!(
            store.claim_due(later).unwrap().len(),
            0,
            "this process's own leases are in flight here, expired or not"
        );
        // Another process's expired leases are taken over.
        store
            .conn
            .execute(
                "UPDATE messages SET locked_by = 1 WHERE locked_by IS NOT NULL",
                [],
            )
            .unwrap();
        assert_eq!(
            store.claim_due(later).unwrap().len(),
            4,
            "expired leases of another process are taken again"
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
        let recorded = store
            .record_attempt(
                &claims[0],
                &attempt(200),
                decided(MessageStatus::Delivered),
                true,
            )
            .unwrap();
        assert_eq!(recorded.status, MessageStatus::Delivered);
        let next = recorded.next.expect("the next due message");
        assert!(claims.iter().all(|c| c.message.id != next.message.id));
        assert_eq!(
            store.claim_due(now_ms()).unwrap().len(),
            0,
            "still four in flight"
        );
        let counts = store.delivery_counts().unwrap();
        assert_eq!(counts.delivered, 1);
        assert!(counts.last_delivered_at.is_some());
    }

    #[test]
    fn a_decision_to_disable_holds_the_message_and_says_so() {
        let (_dir, mut store) = temp_store();
        let id = endpoint(&store);
        complete_one(&mut store);
        complete_one(&mut store);
        let claims = store.claim_due(now_ms()).unwrap();
        let mut seen = None;
        let recorded = store
            .record_attempt(
                &claims[0],
                &attempt(500),
                |health: &EndpointHealth| {
                    seen = Some(*health);
                    Decision {
                        status: MessageStatus::Pending,
                        next_attempt_at: Some(now_ms() + 60_000),
                        last_error: Some("HTTP 500".into()),
                        disable: Some("failing for days".into()),
                    }
                },
                true,
            )
            .unwrap();
        let health = seen.unwrap();
        assert!(!health.disabled && !health.removed);
        assert_eq!(
            health.consecutive_failures, 0,
            "counted before this attempt"
        );
        assert_eq!(recorded.status, MessageStatus::Held, "the disable held it");
        assert_eq!(recorded.disabled.as_deref(), Some("failing for days"));
        assert!(
            recorded.next.is_none(),
            "a disabled endpoint gets no next message"
        );
        let endpoint = store.endpoint(id).unwrap();
        assert_eq!(
            endpoint.disabled_reason.as_deref(),
            Some("failing for days")
        );
        assert_eq!(endpoint.consecutive_failures, 1);
        assert_eq!(
            store.message(claims[1].message.id).unwrap().status,
            MessageStatus::Held,
            "its other pending messages are held too"
        );
        let stats = store.endpoint_stats(0).unwrap();
        assert_eq!(stats[&id].attempts, 1);
        assert_eq!(stats[&id].succeeded, 0);
        assert_eq!(stats[&id].last_failure.as_ref().unwrap().1, "HTTP 500");
    }

    #[test]
    fn retention_prunes_delivered_history_but_never_undelivered_messages() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        complete_one(&mut store);
        complete_one(&mut store);
        let claims = store.claim_due(now_ms()).unwrap();
        store
            .record_attempt(
                &claims[0],
                &attempt(200),
                decided(MessageStatus::Delivered),
                false,
            )
            .unwrap();
        store
            .record_attempt(
                &claims[1],
                &attempt(400),
                decided(MessageStatus::Failed),
                false,
            )
            .unwrap();
        let long_ago = now_ms() - 60_000;
        assert_eq!(
            store.prune_deliveries(long_ago, long_ago).unwrap(),
            0,
            "too recent"
        );
        assert_eq!(store.prune_deliveries(now_ms() + 1, long_ago).unwrap(), 1);
        let left = all(&store);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].status, MessageStatus::Failed);
        assert_eq!(
            store.attempts(left[0].id).unwrap().len(),
            1,
            "a dead letter keeps its log within its own retention"
        );

        let replayed = store.replay_failed_since(0).unwrap();
        assert_eq!(replayed, [left[0].id]);
        let again = store.message(left[0].id).unwrap();
        assert_eq!((again.status, again.attempts), (MessageStatus::Pending, 0));
        assert_eq!(
            store.prune_deliveries(now_ms() + 1, now_ms() + 1).unwrap(),
            0,
            "a pending message is still being sent: never pruned"
        );
    }

    #[test]
    fn failed_and_held_messages_go_after_their_own_retention_with_their_attempts() {
        let (_dir, mut store) = temp_store();
        let held_endpoint = endpoint(&store);
        complete_one(&mut store);
        let claims = store.claim_due(now_ms()).unwrap();
        store
            .record_attempt(
                &claims[0],
                &attempt(400),
                decided(MessageStatus::Failed),
                false,
            )
            .unwrap();
        store.disable_endpoint(held_endpoint, "testing").unwrap();
        complete_one(&mut store);
        let statuses: Vec<MessageStatus> = all(&store).iter().map(|m| m.status).collect();
        assert!(
            statuses.contains(&MessageStatus::Failed) && statuses.contains(&MessageStatus::Held)
        );

        let far_future = now_ms() + 1;
        assert_eq!(store.prune_deliveries(far_future, far_future).unwrap(), 2);
        assert!(all(&store).is_empty());
        assert!(
            store.attempts(claims[0].message.id).unwrap().is_empty(),
            "their attempts too"
        );
    }

    #[test]
    fn replay_to_another_endpoint_keeps_the_webhook_id_and_body() {
        let (_dir, mut store) = temp_store();
        endpoint(&store);
        complete_one(&mut store);
        let other = endpoint(&store);
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
        assert!(matches!(
            store.replay(original.id, Some(999)),
            Err(StoreError::NoSuchEndpoint(999))
        ));
    }
}
