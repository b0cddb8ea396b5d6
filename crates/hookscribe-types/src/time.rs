//! Time as Hookscribe stores it (unix milliseconds) and shows it (RFC 3339, UTC).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix milliseconds now (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// RFC 3339 (UTC, milliseconds) from unix milliseconds.
pub fn rfc3339_ms(unix_ms: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(unix_ms.max(0) as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

/// Unix milliseconds from an RFC 3339 time (`2026-11-23T10:00:00Z`), if it is one.
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    humantime::parse_rfc3339_weak(text.trim())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_rfc3339() {
        assert_eq!(rfc3339_ms(1_700_000_061_000), "2023-11-14T22:14:21.000Z");
        assert_eq!(
            parse_rfc3339_ms("2023-11-14T22:14:21.000Z"),
            Some(1_700_000_061_000)
        );
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
        assert!(now_ms() > 1_700_000_000_000);
    }
}
