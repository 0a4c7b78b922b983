//! The decision time `now`: the engine never reads a clock, so the host passes either the time
//! the caller gave (`--now`, a replay line's `now`) or the system clock in UTC.

use agent_policy_core::{Error, ErrorCode};
use chrono::SecondsFormat;

/// The system clock as RFC 3339 UTC with whole seconds: `2026-11-22T10:00:00Z`.
pub fn system_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Checks that `text` is an RFC 3339 timestamp, so a bad `--now` fails once, up front, rather
/// than on every action. `what` names the value in the message (`--now`).
pub fn check_timestamp(text: &str, what: &str) -> Result<(), Error> {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(_) => Ok(()),
        Err(_) => Err(Error::new(
            ErrorCode::BadTimestamp,
            format!("{what} is not an rfc 3339 timestamp"),
        )
        .with_help("write it like 2026-11-22T10:00:00Z (a date, 'T', a time and a zone)")),
    }
}

/// The `now` of one evaluation: the most specific time given, else the system clock.
/// `specific` is a replay line's own `now`, `default` the `--now` option.
pub fn resolve(specific: Option<&str>, default: Option<&str>) -> String {
    specific
        .or(default)
        .map_or_else(system_now, ToOwned::to_owned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn the_system_clock_is_utc_rfc3339_with_seconds() {
        let now = system_now();
        assert!(now.ends_with('Z'), "{now}");
        assert_eq!(now.len(), "2026-11-22T10:00:00Z".len(), "{now}");
        check_timestamp(&now, "now").unwrap();
    }

    #[test]
    fn bad_timestamps_are_refused_with_the_code_and_a_help_line() {
        let e = check_timestamp("yesterday", "--now").unwrap_err();
        assert_eq!(e.code, ErrorCode::BadTimestamp);
        assert!(e.message.contains("--now"));
        assert!(e.help.is_some());
        check_timestamp("2026-11-22T10:00:00+02:00", "--now").unwrap();
    }

    #[test]
    fn the_most_specific_time_wins() {
        assert_eq!(
            resolve(Some("2026-01-01T00:00:00Z"), Some("2027-01-01T00:00:00Z")),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(
            resolve(None, Some("2027-01-01T00:00:00Z")),
            "2027-01-01T00:00:00Z"
        );
        assert!(resolve(None, None).ends_with('Z'));
    }
}
