//! Delivery policy: what an attempt's result means and when to try again. Everything
//! about a delivery's next state is decided here ([`next_step`], then [`decide`] with the
//! endpoint's health as the store reads it); the store only writes the decision.
//!
//! - 2xx: delivered.
//! - 408, 409, 425, 429 and 5xx, timeouts, connection errors: retried on the schedule
//!   (`Retry-After` on 429/503 is honoured, capped at an hour).
//! - 401, 403 and 404: retried on the schedule, as Svix and Stripe do (a receiver being
//!   deployed answers them for a while), unless the endpoint says they are final.
//! - Any other 4xx (400, 422, …): final. 410 Gone also disables the endpoint.
//! - 3xx: final; redirects are never followed (the URL needs updating).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::config::DEFAULT_SCHEDULE;
use hookscribe_store::delivery::{Decision, EndpointHealth};
use hookscribe_store::messages::MessageStatus;

/// An endpoint is disabled automatically only after at least this many failures in a
/// row (and `webhooks.disable_after` without a success).
pub const DISABLE_MIN_FAILURES: i64 = 10;
/// ±20% so endpoints that failed together are not all retried in the same second.
const JITTER: f64 = 0.2;
/// The longest `Retry-After` Hookscribe waits.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// Why an attempt did not deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "AttemptErrorKind")]
pub enum ErrorKind {
    Dns,
    Connect,
    Tls,
    Timeout,
    Redirect,
    Status,
    /// Hookscribe stopped before the answer came (the message is sent again).
    Interrupted,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Timeout => "timeout",
            Self::Redirect => "redirect",
            Self::Status => "status",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Dns,
            Self::Connect,
            Self::Tls,
            Self::Timeout,
            Self::Redirect,
            Self::Status,
            Self::Interrupted,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try again; `after` overrides the schedule (a `Retry-After`).
    Retry {
        after: Option<Duration>,
    },
    /// Never retried automatically (a replay still can).
    Final,
    /// Final, and the endpoint is disabled: the receiver said it is gone for good.
    Gone,
}

/// The verdict for an HTTP status (with the response's `Retry-After`, if any), for an
/// endpoint that retries 401, 403 and 404 (`retry_client_errors`) or not.
pub fn judge_status(status: u16, retry_after: Option<&str>, retry_client_errors: bool) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        410 => Verdict::Gone,
        401 | 403 | 404 if retry_client_errors => Verdict::Retry { after: None },
        429 | 503 => Verdict::Retry {
            after: retry_after.and_then(parse_retry_after),
        },
        408 | 409 | 425 | 500..=599 => Verdict::Retry { after: None },
        _ => Verdict::Final,
    }
}

/// `Retry-After` as seconds or an HTTP date, capped at an hour.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let when = httpdate::parse_http_date(value).ok()?;
            when.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(RETRY_AFTER_CAP))
}

/// The waits between attempts: attempt `n + 1` comes `delays[n - 1]` after attempt `n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self::parse(DEFAULT_SCHEDULE).unwrap_or(Self { delays: Vec::new() })
    }
}

impl RetrySchedule {
    /// `5s,5m,30m` (any humantime duration per item). An empty text means no retries.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut delays = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let delay = humantime::parse_duration(item)
                .map_err(|e| format!("'{item}' is not a duration ({e})"))?;
            delays.push(delay);
        }
        if delays.len() > 50 {
            return Err("at most 50 retries".into());
        }
        Ok(Self { delays })
    }

    /// A single attempt, never retried (`webhooks test`).
    pub fn none() -> Self {
        Self { delays: Vec::new() }
    }

    pub fn retries(&self) -> usize {
        self.delays.len()
    }

    /// The wait after the `attempts`-th failed attempt, with jitter; `None` once the
    /// schedule is used up. `random` is uniform in [0, 1).
    pub fn next_delay(&self, attempts: u32, random: f64) -> Option<Duration> {
        let base = self.delays.get((attempts as usize).checked_sub(1)?)?;
        let factor = 1.0 + JITTER * (2.0 * random - 1.0);
        Some(base.mul_f64(factor))
    }

    pub fn to_text(&self) -> String {
        self.delays
            .iter()
            .map(|d| humantime::format_duration(*d).to_string().replace(' ', ""))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// When a failing endpoint is disabled automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisablePolicy {
    pub after: Duration,
    pub min_failures: i64,
}

/// Where a message goes after an attempt, before the endpoint's state is considered.
#[derive(Debug, Clone, PartialEq)]
pub enum NextStep {
    Delivered,
    RetryAt(i64),
    /// A dead letter, with the reason shown in the log.
    Failed(String),
    /// Failed, and the endpoint is disabled with this reason.
    FailedAndDisable(String),
}

/// The step after the attempt number `attempts_before + 1` ended with `verdict`
/// (`summary` says how, in one line).
pub fn next_step(
    attempts_before: i64,
    verdict: &Verdict,
    summary: &str,
    schedule: &RetrySchedule,
    now: i64,
) -> NextStep {
    let attempts = attempts_before.max(0) as u32 + 1;
    match verdict {
        Verdict::Delivered => NextStep::Delivered,
        Verdict::Gone => NextStep::FailedAndDisable(format!(
            "{summary}: the receiver says this endpoint is gone for good"
        )),
        Verdict::Final => NextStep::Failed(summary.to_string()),
        Verdict::Retry { after } => match schedule.next_delay(attempts, random_unit()) {
            Some(delay) => {
                let delay = after.unwrap_or(delay);
                NextStep::RetryAt(now + delay.as_millis() as i64)
            }
            None => NextStep::Failed(format!(
                "{summary}; gave up after {attempts} attempt{}",
                if attempts == 1 { "" } else { "s" }
            )),
        },
    }
}

/// The message's next state and whether the endpoint is disabled, given the endpoint's
/// health before this attempt. A retry for a disabled endpoint (or one this attempt
/// disables) is held until the endpoint is enabled again.
pub fn decide(
    step: &NextStep,
    error: Option<&str>,
    health: &EndpointHealth,
    policy: DisablePolicy,
    now: i64,
) -> Decision {
    match step {
        NextStep::Delivered => Decision {
            status: MessageStatus::Delivered,
            next_attempt_at: None,
            last_error: None,
            disable: None,
        },
        NextStep::RetryAt(at) => {
            let disable = disable_reason(health, policy, now);
            let held = health.disabled || disable.is_some();
            Decision {
                status: if held {
                    MessageStatus::Held
                } else {
                    MessageStatus::Pending
                },
                next_attempt_at: Some(*at),
                last_error: error.map(str::to_string),
                disable,
            }
        }
        NextStep::Failed(reason) => Decision {
            status: MessageStatus::Failed,
            next_attempt_at: None,
            last_error: Some(reason.clone()),
            disable: disable_reason(health, policy, now),
        },
        NextStep::FailedAndDisable(reason) => Decision {
            status: MessageStatus::Failed,
            next_attempt_at: None,
            last_error: Some(reason.clone()),
            disable: (!health.disabled).then(|| reason.clone()),
        },
    }
}

/// Why a failing endpoint is disabled now, counting the attempt being recorded; `None`
/// while it has not failed long and often enough (or is disabled already).
fn disable_reason(health: &EndpointHealth, policy: DisablePolicy, now: i64) -> Option<String> {
    if health.disabled {
        return None;
    }
    let failures = health.consecutive_failures + 1;
    let since = health.failing_since.unwrap_or(now);
    let failing_for = Duration::from_millis((now - since).max(0) as u64);
    (failures >= policy.min_failures && failing_for >= policy.after).then(|| {
        format!(
            "no successful delivery for {} ({failures} failed attempts in a row)",
            humantime::format_duration(Duration::from_secs(failing_for.as_secs()))
        )
    })
}

/// A uniform random number in [0, 1) (for jitter; falls back to the middle).
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_contract() {
        for retry_client_errors in [true, false] {
            let judge = |status| judge_status(status, None, retry_client_errors);
            assert_eq!(judge(200), Verdict::Delivered);
            assert_eq!(judge(204), Verdict::Delivered);
            for status in [400, 413, 422, 301, 302, 307] {
                assert_eq!(judge(status), Verdict::Final, "{status}");
            }
            for status in [408, 409, 425, 500, 502, 504] {
                assert_eq!(judge(status), Verdict::Retry { after: None }, "{status}");
            }
            assert_eq!(judge(410), Verdict::Gone);
        }
        // A receiver mid-deploy answers these for a while: retried unless the endpoint
        // says they are final.
        for status in [401, 403, 404] {
            let retried = judge_status(status, None, true);
            assert_eq!(retried, Verdict::Retry { after: None }, "{status}");
            assert_eq!(
                judge_status(status, None, false),
                Verdict::Final,
                "{status}"
            );
        }
        assert_eq!(
            judge_status(429, Some("2"), true),
            Verdict::Retry {
                after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            judge_status(503, Some("86400"), true),
            Verdict::Retry {
                after: Some(RETRY_AFTER_CAP)
            }
        );
    }

    #[test]
    fn retry_after_accepts_http_dates() {
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        let wait = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn default_schedule_has_seven_retries_with_twenty_percent_jitter() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.retries(), 7);
        assert_eq!(schedule.next_delay(1, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(schedule.next_delay(1, 0.0), Some(Duration::from_secs(4)));
        let high = schedule.next_delay(7, 0.999_999).unwrap();
        assert!(high > Duration::from_secs(43_199) && high <= Duration::from_secs(43_200));
        assert_eq!(schedule.next_delay(8, 0.5), None);
        assert_eq!(schedule.next_delay(0, 0.5), None);
        assert_eq!(schedule.to_text(), "5s,5m,30m,2h,5h,10h,10h");
    }

    fn health(failures: i64, since: Option<i64>, disabled: bool) -> EndpointHealth {
        EndpointHealth {
            removed: false,
            disabled,
            consecutive_failures: failures,
            failing_since: since,
        }
    }

    const POLICY: DisablePolicy = DisablePolicy {
        after: Duration::from_secs(3600),
        min_failures: 10,
    };

    #[test]
    fn retries_are_held_once_the_endpoint_is_disabled() {
        let now = 10_000_000;
        let retry = NextStep::RetryAt(now + 5000);
        let fresh = decide(
            &retry,
            Some("HTTP 500"),
            &health(0, None, false),
            POLICY,
            now,
        );
        assert_eq!(fresh.status, MessageStatus::Pending);
        assert_eq!(fresh.next_attempt_at, Some(now + 5000));
        assert_eq!(fresh.last_error.as_deref(), Some("HTTP 500"));
        assert_eq!(fresh.disable, None);
        let disabled = decide(
            &retry,
            Some("HTTP 500"),
            &health(3, Some(0), true),
            POLICY,
            now,
        );
        assert_eq!(disabled.status, MessageStatus::Held);
        assert_eq!(disabled.disable, None, "already disabled");
    }

    #[test]
    fn an_endpoint_is_disabled_after_enough_failures_for_long_enough() {
        let now = 10_000_000;
        let long_ago = Some(now - 3_600_000);
        let retry = NextStep::RetryAt(now + 5000);
        // Nine failures so far: the tenth does it, and the retry is held.
        let tenth = decide(&retry, None, &health(9, long_ago, false), POLICY, now);
        assert_eq!(tenth.status, MessageStatus::Held);
        assert!(tenth
            .disable
            .unwrap()
            .contains("no successful delivery for 1h (10 failed attempts in a row)"));
        // Many failures, but not for long enough yet.
        let recent = decide(
            &retry,
            None,
            &health(50, Some(now - 1000), false),
            POLICY,
            now,
        );
        assert_eq!(
            (recent.status, recent.disable),
            (MessageStatus::Pending, None)
        );
        let gone = decide(
            &NextStep::FailedAndDisable("HTTP 410 Gone".into()),
            None,
            &health(0, None, false),
            POLICY,
            now,
        );
        assert_eq!(gone.status, MessageStatus::Failed);
        assert_eq!(gone.disable.as_deref(), Some("HTTP 410 Gone"));
    }

    #[test]
    fn the_schedule_decides_until_it_runs_out() {
        let schedule = RetrySchedule::parse("1s").unwrap();
        let retry = Verdict::Retry { after: None };
        assert!(matches!(
            next_step(0, &retry, "HTTP 500", &schedule, 0),
            NextStep::RetryAt(at) if (800..=1200).contains(&at)
        ));
        assert_eq!(
            next_step(1, &retry, "HTTP 500", &schedule, 0),
            NextStep::Failed("HTTP 500; gave up after 2 attempts".into())
        );
        let later = Verdict::Retry {
            after: Some(Duration::from_secs(30)),
        };
        assert_eq!(
            next_step(0, &later, "HTTP 429", &schedule, 0),
            NextStep::RetryAt(30_000),
            "Retry-After replaces the schedule's wait"
        );
        assert_eq!(
            next_step(0, &Verdict::Final, "HTTP 400", &schedule, 0),
            NextStep::Failed("HTTP 400".into())
        );
    }

    #[test]
    fn schedules_parse_and_refuse_nonsense() {
        assert_eq!(RetrySchedule::parse("1s, 2s,4s").unwrap().retries(), 3);
        assert_eq!(RetrySchedule::parse("").unwrap().retries(), 0);
        assert!(RetrySchedule::parse("1s,soon")
            .unwrap_err()
            .contains("soon"));
        for _ in 0..100 {
            let r = random_unit();
            assert!((0.0..1.0).contains(&r));
        }
    }
}
