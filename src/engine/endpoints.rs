//! Webhook endpoints: add, change, enable and disable them, rotate and reveal their
//! signing secrets, send a test. Views never hold a secret unless asked to reveal one.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ChangedArea, Engine, EngineError, EngineEvent, Subject};
use crate::webhooks::endpoint::{
    check_header, check_url, parse_events, CustomHeader, Endpoint, EndpointSettings,
};
use crate::webhooks::outbox::test_message;
use crate::webhooks::payload::{EventType, Format};
use crate::webhooks::policy::Verdict;
use crate::webhooks::send_once;
use crate::webhooks::signing::Secret;
use hookscribe_store::endpoints::{EndpointRecord, EndpointStats};
use hookscribe_store::messages::MessageStatus;
use hookscribe_store::now_ms;

/// How far back an endpoint's success rate looks.
const HEALTH_WINDOW: Duration = Duration::from_secs(7 * 86_400);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DisabledView {
    /// Unix ms.
    pub at: i64,
    pub reason: String,
}

/// A custom header as shown: secret values masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HeaderView {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

/// An endpoint's health at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EndpointHealth {
    /// Attempts in the last 7 days, and how many delivered.
    pub attempts: i64,
    pub succeeded: i64,
    /// `succeeded / attempts`, when there were attempts.
    pub success_rate: Option<f64>,
    pub consecutive_failures: i64,
    /// Unix ms.
    pub failing_since: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    /// What went wrong the last time.
    pub last_failure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EndpointView {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    pub format: Format,
    pub headers: Vec<HeaderView>,
    pub timeout_ms: i64,
    pub max_concurrency: u32,
    /// Whether 401, 403 and 404 answers are retried on the schedule (the default) or
    /// fail the message at once.
    pub retry_client_errors: bool,
    /// Masked (`whsec_…abcd`); `Endpoints::reveal_secret` shows it.
    pub secret: String,
    /// The previous secret still signs until then (unix ms), during a rotation.
    pub previous_secret_until: Option<i64>,
    /// Whether messages are sent to it (`disabled` is `None`).
    pub enabled: bool,
    /// Since when and why it is disabled: by the user, or by the engine after failing
    /// for long (or a 410 Gone). Its new messages are held meanwhile.
    pub disabled: Option<DisabledView>,
    pub health: EndpointHealth,
    pub created_at: i64,
}

impl EndpointView {
    fn new(endpoint: &Endpoint, stats: Option<&EndpointStats>) -> Self {
        let now = now_ms();
        let stats = stats.cloned().unwrap_or_default();
        Self {
            id: endpoint.id,
            url: endpoint.settings.url.clone(),
            description: endpoint.settings.description.clone(),
            events: endpoint.settings.events.clone(),
            format: endpoint.settings.format,
            headers: endpoint
                .settings
                .headers
                .iter()
                .map(|h| HeaderView {
                    name: h.name.clone(),
                    value: h.shown_value().to_string(),
                    secret: h.is_secret(),
                })
                .collect(),
            timeout_ms: endpoint.settings.timeout.as_millis() as i64,
            max_concurrency: endpoint.settings.max_concurrency,
            retry_client_errors: endpoint.settings.retry_client_errors,
            secret: endpoint.secret.masked(),
            previous_secret_until: endpoint
                .previous_secret
                .as_ref()
                .map(|(_, until)| *until)
                .filter(|until| *until > now),
            enabled: endpoint.disabled.is_none(),
            disabled: endpoint.disabled.as_ref().map(|d| DisabledView {
                at: d.at,
                reason: d.reason.clone(),
            }),
            health: EndpointHealth {
                success_rate: (stats.attempts > 0)
                    .then(|| stats.succeeded as f64 / stats.attempts as f64),
                attempts: stats.attempts,
                succeeded: stats.succeeded,
                consecutive_failures: endpoint.consecutive_failures,
                failing_since: endpoint.failing_since,
                last_success_at: endpoint.last_success_at,
                last_failure_at: stats.last_failure.as_ref().map(|(at, _)| *at),
                last_failure: stats.last_failure.map(|(_, error)| error),
            },
            created_at: endpoint.created_at,
        }
    }
}

/// A custom header to set.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct HeaderRequest {
    pub name: String,
    pub value: String,
    /// Masked in views and the delivery log (credential-like names always are).
    #[ts(optional = nullable)]
    pub secret: bool,
}

/// A new endpoint; what is left out takes its default.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct EndpointRequest {
    pub url: String,
    pub description: Option<String>,
    /// Events to send; empty: every event.
    #[ts(optional = nullable)]
    pub events: Vec<String>,
    pub format: Option<Format>,
    #[ts(optional = nullable)]
    pub headers: Vec<HeaderRequest>,
    pub timeout_ms: Option<i64>,
    pub max_concurrency: Option<u32>,
    /// Retry 401, 403 and 404 on the schedule (default: yes).
    pub retry_client_errors: Option<bool>,
    /// A `whsec_…` secret the receiver already has; `None` makes a new one.
    pub secret: Option<String>,
}

/// Changes to an endpoint: only what is given changes.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub format: Option<Format>,
    /// Remove every custom header before applying `headers`.
    #[ts(optional = nullable)]
    pub clear_headers: bool,
    /// Headers to remove, by name.
    #[ts(optional = nullable)]
    pub remove_headers: Vec<String>,
    /// Headers to add, or to replace (by name, ignoring case).
    #[ts(optional = nullable)]
    pub headers: Vec<HeaderRequest>,
    pub timeout_ms: Option<i64>,
    pub max_concurrency: Option<u32>,
    pub retry_client_errors: Option<bool>,
}

/// A new endpoint and its signing secret, shown this once.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EndpointCreated {
    pub endpoint: EndpointView,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RemovedEndpoint {
    pub id: i64,
    /// Messages (and their attempts) removed with it.
    pub messages_removed: usize,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SecretRotated {
    pub id: i64,
    pub secret: String,
    /// Until then (unix ms) requests carry signatures with both secrets.
    pub previous_secret_until: i64,
}

/// What the receiver answered to a `webhook.test`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TestReport {
    pub message_id: i64,
    pub webhook_id: String,
    pub url: String,
    pub delivered: bool,
    /// "HTTP 200 OK", "no response within 15s", …
    pub summary: String,
    pub response_status: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub response_body: Option<String>,
    /// The endpoint is disabled (a test still goes out).
    pub endpoint_disabled: bool,
}

/// What enabling an endpoint did with what was held while it was disabled.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Enabled {
    pub endpoint: EndpointView,
    /// Held messages now pending (or, with `skip_held`, marked failed).
    pub held: usize,
    pub skipped: bool,
}

pub struct Endpoints<'e> {
    pub(super) engine: &'e Engine,
}

fn header(request: &HeaderRequest) -> Result<CustomHeader, EngineError> {
    Ok(check_header(&request.name, &request.value, request.secret)?)
}

fn timeout(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

impl Endpoints<'_> {
    pub fn add(&self, request: &EndpointRequest) -> Result<EndpointCreated, EngineError> {
        let mut settings = EndpointSettings::new(check_url(&request.url)?);
        if let Some(description) = &request.description {
            settings.description = description.trim().to_string();
        }
        settings.events = parse_events(&request.events)?;
        if let Some(format) = request.format {
            settings.format = format;
        }
        for h in &request.headers {
            upsert(&mut settings.headers, header(h)?);
        }
        if let Some(ms) = request.timeout_ms {
            settings.timeout = timeout(ms);
        }
        if let Some(n) = request.max_concurrency {
            settings.max_concurrency = n;
        }
        if let Some(retry) = request.retry_client_errors {
            settings.retry_client_errors = retry;
        }
        settings.check()?;
        let secret = match &request.secret {
            Some(text) => Secret::parse(text.trim())?,
            None => Secret::generate()?,
        };
        let id = self
            .engine
            .with_store(|store| store.add_endpoint(&settings.to_fields(), secret.expose()))?;
        tracing::info!(endpoint = id, url = %settings.url, "webhook endpoint added");
        self.changed();
        Ok(EndpointCreated {
            endpoint: self.get(id)?,
            secret: secret.expose().to_string(),
        })
    }

    pub fn list(&self) -> Result<Vec<EndpointView>, EngineError> {
        let since = now_ms() - HEALTH_WINDOW.as_millis() as i64;
        let (records, stats) = self
            .engine
            .with_store(|store| Ok((store.endpoints()?, store.endpoint_stats(since)?)))?;
        records
            .iter()
            .map(|record| Ok(EndpointView::new(&read(record)?, stats.get(&record.id))))
            .collect()
    }

    pub fn get(&self, id: i64) -> Result<EndpointView, EngineError> {
        let since = now_ms() - HEALTH_WINDOW.as_millis() as i64;
        let (record, stats) = self
            .engine
            .with_store(|store| Ok((store.endpoint(id)?, store.endpoint_stats(since)?)))?;
        Ok(EndpointView::new(&read(&record)?, stats.get(&id)))
    }

    /// The endpoint's signing secret, in full.
    pub fn reveal_secret(&self, id: i64) -> Result<String, EngineError> {
        let record = self.engine.with_store(|store| store.endpoint(id))?;
        Ok(read(&record)?.secret.expose().to_string())
    }

    pub fn update(&self, id: i64, patch: &EndpointPatch) -> Result<EndpointView, EngineError> {
        let record = self.engine.with_store(|store| store.endpoint(id))?;
        let mut settings = read(&record)?.settings;
        if let Some(url) = &patch.url {
            settings.url = check_url(url)?;
        }
        if let Some(description) = &patch.description {
            settings.description = description.trim().to_string();
        }
        if let Some(events) = &patch.events {
            settings.events = parse_events(events)?;
        }
        if let Some(format) = patch.format {
            settings.format = format;
        }
        if patch.clear_headers {
            settings.headers.clear();
        }
        for name in &patch.remove_headers {
            settings
                .headers
                .retain(|h| !h.name.eq_ignore_ascii_case(name.trim()));
        }
        for h in &patch.headers {
            upsert(&mut settings.headers, header(h)?);
        }
        if let Some(ms) = patch.timeout_ms {
            settings.timeout = timeout(ms);
        }
        if let Some(n) = patch.max_concurrency {
            settings.max_concurrency = n;
        }
        if let Some(retry) = patch.retry_client_errors {
            settings.retry_client_errors = retry;
        }
        settings.check()?;
        self.engine
            .with_store(|store| store.update_endpoint(id, &settings.to_fields()))?;
        self.changed();
        self.get(id)
    }

    /// Removes an endpoint with its delivery log.
    pub fn remove(&self, id: i64) -> Result<RemovedEndpoint, EngineError> {
        let messages_removed = self.engine.with_store(|store| store.remove_endpoint(id))?;
        self.changed();
        Ok(RemovedEndpoint {
            id,
            messages_removed,
        })
    }

    /// Sends to the endpoint again. What was held while it was disabled is sent now, or
    /// with `skip_held` marked failed (still replayable).
    pub fn enable(&self, id: i64, skip_held: bool) -> Result<Enabled, EngineError> {
        let held = self
            .engine
            .with_store(|store| store.enable_endpoint(id, skip_held))?;
        self.engine.wake_dispatcher();
        self.changed();
        self.engine
            .emit(EngineEvent::EndpointEnabled { endpoint: id });
        Ok(Enabled {
            endpoint: self.get(id)?,
            held,
            skipped: skip_held,
        })
    }

    /// Stops sending to the endpoint; its new messages are held until it is enabled.
    pub fn disable(&self, id: i64) -> Result<EndpointView, EngineError> {
        const REASON: &str = "disabled by the user";
        self.engine
            .with_store(|store| store.disable_endpoint(id, REASON))?;
        self.changed();
        let view = self.get(id)?;
        self.engine.emit(EngineEvent::EndpointDisabled {
            endpoint: id,
            url: view.url.clone(),
            reason: REASON.to_string(),
        });
        Ok(view)
    }

    /// A new signing secret (or `secret`, one the receiver already has); the old one
    /// keeps signing during `grace`.
    pub fn rotate_secret(
        &self,
        id: i64,
        grace: Duration,
        secret: Option<&str>,
    ) -> Result<SecretRotated, EngineError> {
        let secret = match secret {
            Some(text) => Secret::parse(text.trim())?,
            None => Secret::generate()?,
        };
        let until = now_ms() + grace.as_millis() as i64;
        self.engine
            .with_store(|store| store.rotate_secret(id, secret.expose(), until))?;
        tracing::info!(endpoint = id, "webhook signing secret rotated");
        self.changed();
        Ok(SecretRotated {
            id,
            secret: secret.expose().to_string(),
            previous_secret_until: until,
        })
    }

    /// Sends a `webhook.test` now (even to a disabled endpoint) and reports the answer;
    /// the attempt is logged like any delivery.
    pub async fn test(&self, id: i64) -> Result<TestReport, EngineError> {
        let home = self.engine.home().clone();
        let task = self.engine.runtime().spawn(async move {
            let mut store = hookscribe_store::Store::open(&home.database_path())?;
            let endpoint = Endpoint::from_record(&store.endpoint(id)?)?;
            let message = test_message(&endpoint, now_ms())?;
            let message_id = store.add_test_message(&message)?;
            let (result, status) = send_once(&mut store, message_id).await?;
            Ok::<_, EngineError>(TestReport {
                message_id,
                webhook_id: message.webhook_id,
                url: endpoint.settings.url.clone(),
                delivered: result.verdict == Verdict::Delivered
                    && status == MessageStatus::Delivered,
                summary: result.summary,
                response_status: result.record.response_status,
                duration_ms: result.record.duration_ms,
                error: result.record.error,
                response_body: result.record.response_body,
                endpoint_disabled: endpoint.disabled.is_some(),
            })
        });
        let report = task
            .await
            .map_err(|e| EngineError::internal(format!("the test send failed: {e}")))??;
        self.engine.emit(EngineEvent::Changed {
            what: ChangedArea::Deliveries,
        });
        Ok(report)
    }

    fn changed(&self) {
        self.engine.emit(EngineEvent::Changed {
            what: ChangedArea::Endpoints,
        });
    }
}

/// Adds a header, replacing one of the same name.
fn upsert(headers: &mut Vec<CustomHeader>, header: CustomHeader) {
    headers.retain(|h| !h.name.eq_ignore_ascii_case(&header.name));
    headers.push(header);
}

fn read(record: &EndpointRecord) -> Result<Endpoint, EngineError> {
    Endpoint::from_record(record)
        .map_err(|e| EngineError::from(e).about(Subject::Endpoint(record.id)))
}
