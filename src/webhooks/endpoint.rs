//! Checking what a user types for an endpoint: its URL, custom headers and events.

use super::payload::EventType;
use super::WebhookError;
use crate::store::webhooks::CustomHeader;

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
    let name = name.trim();
    let value = value.trim();
    let valid = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
        && reqwest::header::HeaderValue::from_str(value).is_ok();
    if !valid || name.is_empty() {
        return Err(WebhookError::BadHeader(text.to_string()));
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
