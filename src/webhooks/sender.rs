//! One HTTP attempt: sign, POST, read at most 4 KiB of the answer, and describe the
//! result the way the delivery log shows it. Redirects are never followed.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::endpoint::Endpoint;
use super::policy::{judge_status, ErrorKind, Verdict};
use super::signing::signature_header;
use super::WebhookError;
use hookscribe_store::delivery::{Lease, NewAttempt};
use hookscribe_store::now_ms;

/// A leased message with its endpoint read: what one attempt sends.
#[derive(Debug, Clone)]
pub struct Claim {
    pub lease: Lease,
    pub endpoint: Endpoint,
}

impl Claim {
    pub fn new(lease: Lease) -> Result<Self, WebhookError> {
        let endpoint = Endpoint::from_record(&lease.endpoint)?;
        Ok(Self { lease, endpoint })
    }

    pub fn message_id(&self) -> i64 {
        self.lease.message.id
    }
}

/// How much of a response body the log keeps.
pub const BODY_EXCERPT: usize = 4096;
/// A connection that cannot be opened in this long fails the attempt early.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one attempt did.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub record: NewAttempt,
    pub verdict: Verdict,
    /// One line for logs and `last_error`: "HTTP 500", "timed out after 15s", …
    pub summary: String,
}

/// Shares one connection pool across all deliveries.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
}

impl Sender {
    pub fn new() -> Result<Self, WebhookError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(format!("Hookscribe/{}", crate::version()))
            .build()
            .map_err(|e| WebhookError::Client(e.to_string()))?;
        Ok(Self { client })
    }

    pub async fn attempt(&self, claim: &Claim) -> AttemptResult {
        let endpoint = &claim.endpoint;
        let attempted_at = now_ms();
        let timestamp = attempted_at / 1000;
        let signature = signature_header(
            &endpoint.signing_secrets(attempted_at),
            &claim.lease.message.webhook_id,
            timestamp,
            &claim.lease.body,
        );
        // (name, real value, value as logged)
        let mut headers: Vec<(String, String, String)> = vec![
            plain("content-type", "application/json"),
            plain("user-agent", &format!("Hookscribe/{}", crate::version())),
            plain("webhook-id", &claim.lease.message.webhook_id),
            plain("webhook-timestamp", &timestamp.to_string()),
            plain("webhook-signature", &signature),
        ];
        for header in &endpoint.settings.headers {
            headers.push((
                header.name.clone(),
                header.value.clone(),
                header.shown_value().to_string(),
            ));
        }
        let mut map = HeaderMap::new();
        for (name, value, _) in &headers {
            // Custom headers were checked when the endpoint was saved.
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                map.append(name, value);
            }
        }
        let started = Instant::now();
        let response = self
            .client
            .post(&endpoint.settings.url)
            .headers(map)
            .timeout(endpoint.settings.timeout)
            .body(claim.lease.body.clone())
            .send()
            .await;
        let mut record = NewAttempt {
            url: endpoint.settings.url.clone(),
            attempted_at,
            duration_ms: 0,
            request_headers: headers
                .into_iter()
                .map(|(n, _, shown)| (n, shown))
                .collect(),
            response_status: None,
            response_headers: Vec::new(),
            response_body: None,
            error_kind: None,
            error: None,
        };
        let (verdict, summary) = match response {
            Ok(response) => {
                let retry_client_errors = endpoint.settings.retry_client_errors;
                self.read_response(response, retry_client_errors, &mut record)
                    .await
            }
            Err(error) => {
                let (kind, text) = describe_error(&error, endpoint.settings.timeout);
                record.error_kind = Some(kind.as_str().to_string());
                record.error = Some(text.clone());
                (Verdict::Retry { after: None }, text)
            }
        };
        record.duration_ms = started.elapsed().as_millis() as i64;
        AttemptResult {
            record,
            verdict,
            summary,
        }
    }

    async fn read_response(
        &self,
        mut response: reqwest::Response,
        retry_client_errors: bool,
        record: &mut NewAttempt,
    ) -> (Verdict, String) {
        let status = response.status();
        record.response_status = Some(status.as_u16());
        record.response_headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while body.len() < BODY_EXCERPT {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                // The status is what counts; a body cut short is logged as far as it came.
                Ok(None) | Err(_) => break,
            }
        }
        body.truncate(BODY_EXCERPT);
        record.response_body = Some(String::from_utf8_lossy(&body).into_owned());
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let reason = status.canonical_reason().unwrap_or("");
        let code = format!("HTTP {} {reason}", status.as_u16())
            .trim_end()
            .to_string();
        if status.is_redirection() {
            let to = header("location").unwrap_or_else(|| "(no Location)".into());
            let text = format!(
                "{code}: a redirect to {to}; redirects are not followed, so update the endpoint's URL"
            );
            record.error_kind = Some(ErrorKind::Redirect.as_str().to_string());
            record.error = Some(text.clone());
            return (Verdict::Final, text);
        }
        let verdict = judge_status(
            status.as_u16(),
            header("retry-after").as_deref(),
            retry_client_errors,
        );
        if verdict != Verdict::Delivered {
            record.error_kind = Some(ErrorKind::Status.as_str().to_string());
            record.error = Some(code.clone());
        }
        (verdict, code)
    }
}

fn plain(name: &str, value: &str) -> (String, String, String) {
    (name.to_string(), value.to_string(), value.to_string())
}

/// The kind of a failed request and a sentence naming the cause.
fn describe_error(error: &reqwest::Error, timeout: Duration) -> (ErrorKind, String) {
    if error.is_timeout() {
        return (
            ErrorKind::Timeout,
            format!(
                "no response within {}",
                humantime::format_duration(Duration::from_millis(timeout.as_millis() as u64))
            ),
        );
    }
    let mut causes = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let all = causes.join(": ").to_ascii_lowercase();
    let root = causes.last().cloned().unwrap_or_default();
    // reqwest does not expose the kind of a connect error; its causes' text does.
    const TLS_SIGNS: &[&str] = &[
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "peer is incompatible",
        "alert received",
    ];
    let kind = if all.contains("dns error") || all.contains("failed to lookup address") {
        ErrorKind::Dns
    } else if TLS_SIGNS.iter().any(|sign| all.contains(sign)) {
        ErrorKind::Tls
    } else {
        ErrorKind::Connect
    };
    let text = match kind {
        ErrorKind::Dns => format!("cannot resolve the host name: {root}"),
        ErrorKind::Tls if all.contains("corrupt message") => format!(
            "TLS failed: {root} (the server did not answer in TLS: does the endpoint take http:// rather than https://?)"
        ),
        ErrorKind::Tls => format!("TLS failed: {root}"),
        _ => format!("cannot connect: {root}"),
    };
    (kind, text)
}
