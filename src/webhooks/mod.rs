//! Webhook delivery: endpoints, Standard Webhooks signing, the messages a finished job
//! sends, the dispatcher with its retry policy, and the attempt log.
//!
//! The store keeps the rows; everything that gives them meaning lives here:
//!
//! - [`endpoint`]: endpoints, what a user may choose for one, and checking it.
//! - [`signing`]: `whsec_` secrets and `webhook-signature` values.
//! - [`payload`]: event types and the full / compact / flat bodies.
//! - [`outbox`]: which endpoints hear of a finished job, and the messages they get
//!   (built inside the transaction that finishes the job).
//! - [`policy`]: what a response means (deliver, retry, give up, disable) and when to
//!   retry: the one place a delivery's next state is decided.
//! - [`config`]: the delivery settings (schedule, auto-disable, retention).
//! - [`sender`]: one HTTP attempt, recorded as the delivery log shows it.
//! - [`dispatcher`]: leases due messages and sends them, concurrently per endpoint.

pub mod config;
pub mod dispatcher;
pub mod endpoint;
pub mod outbox;
pub mod payload;
pub mod policy;
pub mod sender;
pub mod signing;

use std::time::Duration;

pub use dispatcher::{send_once, DeliveryEvent, Dispatcher, DispatcherConfig};

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("'{url}' is not a usable webhook URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("'{0}' is not a header; write it as 'Name: value'")]
    BadHeader(String),
    #[error("the header {0} is set by Hookscribe itself and cannot be overridden")]
    ReservedHeader(String),
    #[error("unknown event '{event}'; endpoints can subscribe to: {known}")]
    BadEvent { event: String, known: String },
    #[error("a signing secret must be 'whsec_' followed by base64 of 24 to 64 bytes")]
    BadSecret,
    #[error("a timeout of {} is out of range: use 100ms to 5m", humantime::format_duration(*.0))]
    BadTimeout(Duration),
    #[error("{0} requests at once is out of range: use 1 to 64")]
    BadConcurrency(u32),
    #[error("the description is longer than 500 characters")]
    BadDescription,
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error("webhook endpoint {endpoint} is damaged in the database: its {what} cannot be read")]
    Corrupt { endpoint: i64, what: &'static str },
    #[error(transparent)]
    Store(#[from] hookscribe_store::StoreError),
    #[error("a webhook task failed: {0}")]
    Task(String),
    #[error("cannot start the webhook dispatcher: {0}")]
    Start(std::io::Error),
}
