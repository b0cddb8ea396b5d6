//! Webhook endpoints as the webhooks layer sees them: what a user chose, the signing
//! secret(s), health; checking what a user types for one (URL, headers, events); and the
//! conversion to and from the store's rows.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::payload::{EventType, Format};
use super::signing::Secret;
use super::WebhookError;
use hookscribe_store::endpoints::{EndpointFields, EndpointId, EndpointRecord};

/// What secret header values look like in views and the delivery log.
pub const MASK: &str = "••••••";

/// A custom request header. Values of secret headers are never shown or logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disabled {
    /// Unix milliseconds.
    pub at: i64,
    pub reason: String,
}

/// A webhook endpoint: what the user chose, its signing secret(s), and its health (which
/// decides automatic disabling).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: EndpointId,
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

/// What a user chooses for an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointSettings {
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    pub format: Format,
    pub headers: Vec<CustomHeader>,
    pub timeout: Duration,
    pub max_concurrency: u32,
    /// Retry 401, 403 and 404 on the schedule (a receiver mid-deploy answers them for a
    /// while) instead of failing the message at once.
    pub retry_client_errors: bool,
}

/// Bounds on what a user may choose.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
pub const MIN_TIMEOUT: Duration = Duration::from_millis(100);
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_CONCURRENCY: u32 = 4;
pub const MAX_CONCURRENCY: u32 = 64;
/// The longest description kept.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

impl EndpointSettings {
    /// An endpoint at `url` with every default.
    pub fn new(url: String) -> Self {
        Self {
            url,
            description: String::new(),
            events: EventType::SUBSCRIBABLE.to_vec(),
            format: Format::Full,
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_concurrency: DEFAULT_CONCURRENCY,
            retry_client_errors: true,
        }
    }

    /// Checks the ranges and lengths a user could get wrong.
    pub fn check(&self) -> Result<(), WebhookError> {
        check_url(&self.url)?;
        if self.timeout < MIN_TIMEOUT || self.timeout > MAX_TIMEOUT {
            return Err(WebhookError::BadTimeout(self.timeout));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.max_concurrency) {
            return Err(WebhookError::BadConcurrency(self.max_concurrency));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(WebhookError::BadDescription);
        }
        Ok(())
    }

    pub fn to_fields(&self) -> EndpointFields {
        EndpointFields {
            url: self.url.clone(),
            description: self.description.clone(),
            events: self.events.iter().map(|e| e.as_str().to_string()).collect(),
            format: self.format.as_str().to_string(),
            headers: serde_json::to_value(&self.headers)
                .unwrap_or(serde_json::Value::Array(Vec::new())),
            timeout_ms: self.timeout.as_millis() as i64,
            max_concurrency: i64::from(self.max_concurrency),
            retry_client_errors: self.retry_client_errors,
        }
    }

    fn from_fields(id: EndpointId, fields: &EndpointFields) -> Result<Self, WebhookError> {
        let headers =
            serde_json::from_value(fields.headers.clone()).map_err(|_| WebhookError::Corrupt {
                endpoint: id,
                what: "headers",
            })?;
        Ok(Self {
            url: fields.url.clone(),
            description: fields.description.clone(),
            events: fields
                .events
                .iter()
                .filter_map(|e| EventType::parse(e))
                .collect(),
            format: Format::parse(&fields.format).unwrap_or_default(),
            headers,
            timeout: Duration::from_millis(fields.timeout_ms.max(1) as u64),
            max_concurrency: fields.max_concurrency.clamp(1, 1000) as u32,
            retry_client_errors: fields.retry_client_errors,
        })
    }
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

    /// Reads a stored endpoint; a row whose secret or headers do not parse is reported,
    /// never used to sign with something else.
    pub fn from_record(record: &EndpointRecord) -> Result<Self, WebhookError> {
        let corrupt = |what| WebhookError::Corrupt {
            endpoint: record.id,
            what,
        };
        Ok(Self {
            id: record.id,
            settings: EndpointSettings::from_fields(record.id, &record.fields)?,
            secret: Secret::parse(&record.secret).map_err(|_| corrupt("secret"))?,
            previous_secret: match (&record.previous_secret, record.previous_secret_until) {
                (Some(text), Some(until)) => Secret::parse(text).ok().map(|s| (s, until)),
                _ => None,
            },
            disabled: record.disabled_at.map(|at| Disabled {
                at,
                reason: record.disabled_reason.clone().unwrap_or_default(),
            }),
            consecutive_failures: record.consecutive_failures,
            failing_since: record.failing_since,
            last_success_at: record.last_success_at,
            created_at: record.created_at,
        })
    }
}

/// Headers Hookscribe sets on every request; a custom header may not replace them.
const RESERVED: &[&str] = &[
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "content-type",
    "content-length",
    "host",
    "user-agent",
];

/// An http(s) URL with a host. Loopback and LAN hosts are fine: forwarding to local
/// tools is a main use.
pub fn check_url(text: &str) -> Result<String, WebhookError> {
    let text = text.trim();
    let bad = |reason: &str| WebhookError::BadUrl {
        url: text.to_string(),
        reason: reason.to_string(),
    };
    let url = reqwest::Url::parse(text).map_err(|e| bad(&format!("{e}")))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(bad(&format!(
                "the scheme is '{other}'; use http:// or https://"
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    Ok(url.to_string())
}

/// `Name: value` into a header; `secret` marks a value never to show.
pub fn parse_header(text: &str, secret: bool) -> Result<CustomHeader, WebhookError> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| WebhookError::BadHeader(text.to_string()))?;
    check_header(name, value, secret).map_err(|error| match error {
        WebhookError::BadHeader(_) => WebhookError::BadHeader(text.to_string()),
        other => other,
    })
}

/// A header from its name and value; `secret` marks a value never to show.
pub fn check_header(name: &str, value: &str, secret: bool) -> Result<CustomHeader, WebhookError> {
    let name = name.trim();
    let value = value.trim();
    let valid = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
        && reqwest::header::HeaderValue::from_str(value).is_ok();
    if !valid || name.is_empty() {
        return Err(WebhookError::BadHeader(format!(
            "{name}: {}",
            if secret { MASK } else { value }
        )));
    }
    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(WebhookError::ReservedHeader(name.to_string()));
    }
    Ok(CustomHeader {
        name: name.to_string(),
        value: value.to_string(),
        secret,
    })
}

/// Event names (comma-separated or repeated) into events; `webhook.test` is implied.
pub fn parse_events(names: &[String]) -> Result<Vec<EventType>, WebhookError> {
    let mut events = Vec::new();
    for name in names.iter().flat_map(|n| n.split(',')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let event = EventType::parse(name)
            .filter(|e| EventType::SUBSCRIBABLE.contains(e))
            .ok_or_else(|| WebhookError::BadEvent {
                event: name.to_string(),
                known: EventType::SUBSCRIBABLE.map(|e| e.as_str()).join(", "),
            })?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    if events.is_empty() {
        events = EventType::SUBSCRIBABLE.to_vec();
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert_eq!(
            check_url(" http://127.0.0.1:8080/hook ").unwrap(),
            "http://127.0.0.1:8080/hook"
        );
        assert!(check_url("https://hooks.zapier.com/hooks/catch/1/abc/").is_ok());
        for bad in [
            "ftp://x.org/",
            "localhost:8080",
            "not a url",
            "http://",
            "file:///tmp/x",
        ] {
            let error = check_url(bad).unwrap_err().to_string();
            assert!(error.contains(bad.trim()), "{error}");
        }
    }

    #[test]
    fn headers_parse_and_reserved_ones_are_refused() {
        let header = parse_header("Authorization: Bearer abc", false).unwrap();
        assert_eq!(header.name, "Authorization");
        assert!(header.is_secret(), "credential headers are masked by name");
        assert!(!parse_header("X-Team: sales", false).unwrap().is_secret());
        assert!(parse_header("X-Team: sales", true).unwrap().is_secret());
        assert!(parse_header("no colon", false).is_err());
        assert!(parse_header("Bad Name: x", false).is_err());
        let error = parse_header("Webhook-Signature: x", false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("set by Hookscribe"), "{error}");
    }

    #[test]
    fn events_default_to_all_and_unknown_ones_are_named() {
        assert_eq!(parse_events(&[]).unwrap().len(), 2);
        assert_eq!(
            parse_events(&["transcription.failed".into()]).unwrap(),
            [EventType::TranscriptionFailed]
        );
        let error = parse_events(&["transcription.done".into()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("transcription.done") && error.contains("transcription.completed"));
    }
}
