//! The delivery log: every webhook message and each of its attempts; replays.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{page_limit, ChangedArea, Engine, EngineError, EngineEvent, Page};
use crate::webhooks::policy::ErrorKind as AttemptErrorKind;
use hookscribe_store::delivery::AttemptRecord;
use hookscribe_store::messages::{DeliveryCounts, MessageFilter, MessageRecord, MessageStatus};

/// A webhook message: one event for one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MessageView {
    pub id: i64,
    /// The `webhook-id` header: the same on every attempt and replay.
    pub webhook_id: String,
    /// `transcription.completed`, `transcription.failed` or `webhook.test`.
    pub event: String,
    pub endpoint_id: i64,
    pub job_id: Option<i64>,
    pub status: MessageStatus,
    /// Attempts since the message was created or last replayed.
    pub attempts: i64,
    /// Unix ms of the next attempt (pending and held messages).
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    /// Where its endpoint sends (`None`: the endpoint was removed since).
    pub endpoint_url: Option<String>,
    /// Sent to a job's own webhook URL (from the local API or `jobs add --webhook-url`),
    /// which is not among the configured endpoints.
    pub job_webhook: bool,
    /// The file name of the job's recording (`None`: no job, or it was deleted).
    pub job_file_name: Option<String>,
}

impl From<MessageRecord> for MessageView {
    fn from(m: MessageRecord) -> Self {
        Self {
            id: m.id,
            webhook_id: m.webhook_id,
            event: m.event,
            endpoint_id: m.endpoint_id,
            job_id: m.job_id,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            created_at: m.created_at,
            delivered_at: m.delivered_at,
            endpoint_url: m.endpoint_url,
            job_webhook: m.own_endpoint,
            job_file_name: m.job_source.map(|source| {
                super::jobs::file_name(&hookscribe_types::stored_path::shown(&source))
            }),
        }
    }
}

/// One HTTP attempt as logged: secret header values are masked, the response body is
/// cut at 4 KiB.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AttemptView {
    pub id: i64,
    pub url: String,
    /// Unix ms.
    pub attempted_at: i64,
    pub duration_ms: i64,
    pub request_headers: Vec<(String, String)>,
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub error_kind: Option<AttemptErrorKind>,
    pub error: Option<String>,
}

impl From<AttemptRecord> for AttemptView {
    fn from(record: AttemptRecord) -> Self {
        let a = record.attempt;
        Self {
            id: record.id,
            url: a.url,
            attempted_at: a.attempted_at,
            duration_ms: a.duration_ms,
            request_headers: a.request_headers,
            response_status: a.response_status,
            response_headers: a.response_headers,
            response_body: a.response_body,
            error_kind: a.error_kind.as_deref().and_then(AttemptErrorKind::parse),
            error: a.error,
        }
    }
}

/// A message with its body and every attempt.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MessageDetail {
    pub message: MessageView,
    /// The endpoint's URL now (`None` if it was removed).
    pub endpoint_url: Option<String>,
    /// The body as sent (JSON).
    #[ts(type = "unknown")]
    pub body: serde_json::Value,
    pub body_bytes: usize,
    pub attempts: Vec<AttemptView>,
}

/// Which messages a list shows, newest first.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct DeliveryQuery {
    pub status: Option<MessageStatus>,
    pub endpoint: Option<i64>,
    pub job: Option<i64>,
    pub event: Option<String>,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    /// How many to return: default 50, at most 1000.
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Endpoints and messages at a glance.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeliverySummary {
    pub endpoints: i64,
    pub enabled_endpoints: i64,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub held: i64,
    /// Unix ms.
    pub last_delivered_at: Option<i64>,
}

impl From<DeliveryCounts> for DeliverySummary {
    fn from(c: DeliveryCounts) -> Self {
        Self {
            endpoints: c.endpoints,
            enabled_endpoints: c.enabled_endpoints,
            pending: c.pending,
            delivered: c.delivered,
            failed: c.failed,
            held: c.held,
            last_delivered_at: c.last_delivered_at,
        }
    }
}

pub struct Deliveries<'e> {
    pub(super) engine: &'e Engine,
}

impl Deliveries<'_> {
    pub fn list(&self, query: &DeliveryQuery) -> Result<Page<MessageView>, EngineError> {
        let filter = MessageFilter {
            status: query.status,
            endpoint: query.endpoint,
            job: query.job,
            event: query.event.clone(),
            since: query.since,
            limit: page_limit(query.limit),
            offset: query.offset.unwrap_or(0),
        };
        self.engine.with_store(|store| {
            Ok(Page {
                items: store
                    .messages(&filter)?
                    .into_iter()
                    .map(MessageView::from)
                    .collect(),
                total: store.count_messages(&filter)?,
                offset: filter.offset,
                limit: filter.limit,
            })
        })
    }

    pub fn get(&self, id: i64) -> Result<MessageView, EngineError> {
        self.engine
            .with_store(|store| store.message(id))
            .map(MessageView::from)
    }

    /// A message with its body and every attempt.
    pub fn show(&self, id: i64) -> Result<MessageDetail, EngineError> {
        self.engine.with_store(|store| {
            let message = store.message(id)?;
            let body = store.message_body(id)?;
            Ok(MessageDetail {
                endpoint_url: store
                    .endpoint(message.endpoint_id)
                    .ok()
                    .map(|e| e.fields.url),
                body_bytes: body.len(),
                body: serde_json::from_slice(&body).unwrap_or_else(|_| {
                    serde_json::Value::String(String::from_utf8_lossy(&body).into())
                }),
                attempts: store
                    .attempts(id)?
                    .into_iter()
                    .map(AttemptView::from)
                    .collect(),
                message: message.into(),
            })
        })
    }

    /// Sends a message again with the same webhook id and body: to its own endpoint (the
    /// retry schedule starts over), or as a copy to `to`.
    pub fn replay(&self, id: i64, to: Option<i64>) -> Result<MessageView, EngineError> {
        let message = self.engine.with_store(|store| {
            let id = store.replay(id, to)?;
            store.message(id)
        })?;
        self.changed();
        Ok(message.into())
    }

    /// Replays every failed message created since `since` (unix ms).
    pub fn replay_failed_since(&self, since: i64) -> Result<Vec<MessageView>, EngineError> {
        let messages = self.engine.with_store(|store| {
            let ids = store.replay_failed_since(since)?;
            ids.into_iter()
                .map(|id| store.message(id).map(MessageView::from))
                .collect::<Result<Vec<_>, _>>()
        })?;
        if !messages.is_empty() {
            self.changed();
        }
        Ok(messages)
    }

    /// Endpoints and messages by status.
    pub fn summary(&self) -> Result<DeliverySummary, EngineError> {
        self.engine
            .with_store(|store| store.delivery_counts())
            .map(DeliverySummary::from)
    }

    fn changed(&self) {
        self.engine.wake_dispatcher();
        self.engine.emit(EngineEvent::Changed {
            what: ChangedArea::Deliveries,
        });
    }
}

/// `MessageStatus` names for the command line.
pub fn parse_message_status(text: &str) -> Result<MessageStatus, String> {
    MessageStatus::parse(text).ok_or_else(|| {
        format!(
            "unknown status '{text}'; choose from {}",
            MessageStatus::ALL.map(|s| s.as_str()).join(", ")
        )
    })
}
