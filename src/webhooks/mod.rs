//! Webhook delivery: endpoints, Standard Webhooks signing, the transactional outbox, the
//! dispatcher with its retry policy, and the attempt log.
//!
//! The outbox rows are written by the store in the transaction that finishes a job
//! (`store::webhooks::enqueue_job_event`); everything here reads and updates those rows:
//!
//! - [`signing`]: `whsec_` secrets and `webhook-signature` values.
//! - [`payload`]: event types and the full / compact / flat bodies.
//! - [`policy`]: what a response means (deliver, retry, give up, disable) and when to retry.
//! - [`sender`]: one HTTP attempt, recorded as the delivery log shows it.
//! - [`dispatcher`]: leases due messages and sends them, concurrently per endpoint.
//! - [`endpoint`]: checking what a user types for an endpoint (URL, headers, events).

pub mod dispatcher;
pub mod endpoint;
pub mod payload;
pub mod policy;
pub mod sender;
pub mod signing;

pub use dispatcher::{DeliveryEvent, Dispatcher, DispatcherConfig};

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
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error("a webhook task failed: {0}")]
    Task(String),
    #[error("cannot start the webhook dispatcher: {0}")]
    Start(std::io::Error),
}
