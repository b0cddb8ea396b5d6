//! The delivery settings, as the dispatcher reads them on every round (so a change made
//! in the window or with `hookscribe config set` applies at once). Their keys are listed
//! and checked with every other setting in `crate::settings`.

use std::time::Duration;

use super::policy::{DisablePolicy, RetrySchedule, DISABLE_MIN_FAILURES};
use hookscribe_store::{Store, StoreError};

pub const RETRY_SCHEDULE_KEY: &str = "webhooks.retry_schedule";
pub const DISABLE_AFTER_KEY: &str = "webhooks.disable_after";
pub const RETENTION_KEY: &str = "webhooks.retention";
pub const FAILED_RETENTION_KEY: &str = "webhooks.failed_retention";

/// Default waits after the first, second, … failed attempt.
pub const DEFAULT_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";
pub const DEFAULT_DISABLE_AFTER: &str = "5days";
pub const DEFAULT_RETENTION: &str = "30days";
/// Long enough to notice a broken endpoint, fix it and replay.
pub const DEFAULT_FAILED_RETENTION: &str = "90days";

#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryConfig {
    pub schedule: RetrySchedule,
    pub disable: DisablePolicy,
    /// How long the log of delivered messages is kept.
    pub retention: Duration,
    /// How long failed and held messages (each with a transcript in its body) are kept
    /// for replay.
    pub failed_retention: Duration,
}

/// A duration setting; a hand-edited bad value falls back to the default.
fn duration(store: &Store, key: &str, default: &str) -> Result<Duration, StoreError> {
    let value = store.setting(key)?;
    Ok(value
        .and_then(|v| humantime::parse_duration(v.trim()).ok())
        .or_else(|| humantime::parse_duration(default).ok())
        .unwrap_or_default())
}

impl DeliveryConfig {
    pub fn read(store: &Store) -> Result<Self, StoreError> {
        let schedule = store
            .setting(RETRY_SCHEDULE_KEY)?
            .and_then(|text| RetrySchedule::parse(&text).ok())
            .unwrap_or_default();
        Ok(Self {
            schedule,
            disable: DisablePolicy {
                after: duration(store, DISABLE_AFTER_KEY, DEFAULT_DISABLE_AFTER)?,
                min_failures: DISABLE_MIN_FAILURES,
            },
            retention: duration(store, RETENTION_KEY, DEFAULT_RETENTION)?,
            failed_retention: duration(store, FAILED_RETENTION_KEY, DEFAULT_FAILED_RETENTION)?,
        })
    }
}
