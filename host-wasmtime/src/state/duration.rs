//! How long a grant or a bypass record lasts: durations written like `30s`, `15m`, `1h`, `2d`
//! or `1h30m`, and the expiry time they give from a `now`.

use chrono::SecondsFormat;

/// The longest duration accepted: 30 days. A grant or a bypass is an exception; one that
/// would outlive a month belongs in the policy.
pub const MAX_SECONDS: u64 = 30 * 24 * 3600;

/// Parses a duration into seconds: one or more `<number><unit>` parts with units `d`, `h`,
/// `m`, `s`, each at most once and largest first (`1h30m`, not `30m1h`). Zero and more than
/// [`MAX_SECONDS`] are refused. The error says what is wrong, for a usage message.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];
    let shape = || format!("'{text}' is not a duration: write it like 30s, 15m, 1h, 2d or 1h30m");
    if text.is_empty() {
        return Err(shape());
    }
    let mut total: u64 = 0;
    // Index into UNITS of the next unit allowed: units go from largest to smallest, once each.
    let mut next_unit = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(shape());
        }
        let (number, after) = rest.split_at(digits);
        let mut chars = after.chars();
        let Some(unit) = chars.next() else {
            return Err(format!(
                "'{text}' has a number without a unit: add s, m, h or d (e.g. {number}m)"
            ));
        };
        let Some(position) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(shape());
        };
        if position < next_unit {
            return Err(format!(
                "'{text}' repeats a unit or puts a smaller one first: write e.g. 1h30m"
            ));
        }
        next_unit = position + 1;
        let scale = UNITS.get(position).map_or(1, |(_, s)| *s);
        let value = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(|| too_long(text))?;
        total = total.checked_add(value).ok_or_else(|| too_long(text))?;
        rest = chars.as_str();
    }
    if total == 0 {
        return Err(format!("'{text}' is zero: give a duration longer than 0s"));
    }
    if total > MAX_SECONDS {
        return Err(too_long(text));
    }
    Ok(total)
}

fn too_long(text: &str) -> String {
    format!("'{text}' is longer than 30d, the longest duration accepted")
}

/// `now` plus `seconds`, as RFC 3339 UTC with whole seconds (`2026-11-22T11:00:00Z`). `now`
/// must already be a valid RFC 3339 timestamp; `None` when it is not or the sum overflows.
pub fn expiry(now: &str, seconds: u64) -> Option<String> {
    let start = chrono::DateTime::parse_from_rfc3339(now).ok()?;
    let delta = chrono::TimeDelta::try_seconds(i64::try_from(seconds).ok()?)?;
    let end = start.checked_add_signed(delta)?;
    Some(
        end.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// Whether a record expiring at `expires_at` still counts at `now`: the engine's rule, in
/// whole seconds, `now` strictly before the expiry. A timestamp that does not parse counts
/// as expired.
pub fn is_active(expires_at: &str, now: &str) -> bool {
    let seconds = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.timestamp())
    };
    match (seconds(expires_at), seconds(now)) {
        (Some(end), Some(now)) => end > now,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn durations_of_one_or_more_units_are_read_in_seconds() {
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("1d2h3m4s"), Ok(93_784));
        assert_eq!(parse_duration("30d"), Ok(MAX_SECONDS));
    }

    #[test]
    fn zero_absurd_and_malformed_durations_are_refused_with_a_reason() {
        for bad in [
            "", "0", "0s", "0h0m", "1", "h", "1x", "1.5h", "-1h", "1h1h", "30m1h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_duration("31d").unwrap_err().contains("30d"));
        assert!(parse_duration("30d1s").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(parse_duration("0s").unwrap_err().contains("zero"));
        assert!(parse_duration("5").unwrap_err().contains("unit"));
    }

    #[test]
    fn expiry_is_utc_and_activity_ends_at_the_expiry_second() {
        assert_eq!(
            expiry("2026-11-22T10:00:00+02:00", 5400).as_deref(),
            Some("2026-11-22T09:30:00Z")
        );
        assert_eq!(expiry("tomorrow", 1), None);
        assert!(is_active("2026-11-22T10:00:01Z", "2026-11-22T10:00:00Z"));
        assert!(!is_active("2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z"));
        assert!(!is_active("garbage", "2026-11-22T10:00:00Z"));
    }
}
