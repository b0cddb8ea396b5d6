//! Delivery policy: what an attempt's result means and when to try again.
//!
//! - 2xx: delivered.
//! - 408, 409, 425, 429 and 5xx, timeouts, connection errors: retried on the schedule
//!   (`Retry-After` on 429/503 is honoured, capped at an hour).
//! - Any other 4xx: final. 410 Gone also disables the endpoint.
//! - 3xx: final; redirects are never followed (the URL needs updating).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Default waits after the first, second, … failed attempt.
pub const DEFAULT_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";
/// ±20% so endpoints that failed together are not all retried in the same second.
const JITTER: f64 = 0.2;
/// The longest `Retry-After` Hookscribe waits.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// Why an attempt did not deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    Dns,
    Connect,
    Tls,
    Timeout,
    Redirect,
    Status,
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

/// The verdict for an HTTP status (with the response's `Retry-After`, if any).
pub fn judge_status(status: u16, retry_after: Option<&str>) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        410 => Verdict::Gone,
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
        assert_eq!(judge_status(200, None), Verdict::Delivered);
        assert_eq!(judge_status(204, None), Verdict::Delivered);
        for status in [400, 401, 403, 404, 413, 422, 301, 302, 307] {
            assert_eq!(judge_status(status, None), Verdict::Final, "{status}");
        }
        for status in [408, 409, 425, 500, 502, 504] {
            assert_eq!(
                judge_status(status, None),
                Verdict::Retry { after: None },
                "{status}"
            );
        }
        assert_eq!(judge_status(410, None), Verdict::Gone);
        assert_eq!(
            judge_status(429, Some("2")),
            Verdict::Retry {
                after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            judge_status(503, Some("86400")),
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
