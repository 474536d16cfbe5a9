//! The dates the ATS sends: ISO 8601 with an offset written `+0200`
//! (jobs) or `+02:00` (candidates), and a few tolerated neighbours.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

/// Date-times with an offset: `T` or a space between date and time,
/// optional fractional seconds, and an offset `+0200`, `+02:00`, `+02` or `Z`.
const WITH_OFFSET: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z"];

/// The same without an offset: recognised only to say what is missing.
const WITHOUT_OFFSET: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];

/// An example of the spec's own format, for messages.
const EXAMPLE: &str = "2019-07-19T16:57:17+0200";

/// Accepts "2019-07-19T16:57:17+0200", "2016-01-20T14:27:00+01:00", "…Z", fractional seconds,
/// a space instead of 'T', and a date alone "2019-07-19" (midnight UTC). Anything else → Err(message).
pub fn parse_date(raw: &str) -> Result<DateTime<FixedOffset>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("the date is empty".to_owned());
    }
    if let Some(parsed) = WITH_OFFSET
        .iter()
        .find_map(|format| DateTime::parse_from_str(text, format).ok())
    {
        return Ok(parsed);
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .fixed_offset());
    }
    if WITHOUT_OFFSET
        .iter()
        .any(|format| NaiveDateTime::parse_from_str(text, format).is_ok())
    {
        return Err(format!(
            "\"{raw}\" has no UTC offset (expected e.g. {EXAMPLE})"
        ));
    }
    Err(format!("\"{raw}\" is not a date (expected e.g. {EXAMPLE})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc_seconds(raw: &str) -> i64 {
        parse_date(raw).map(|d| d.timestamp()).unwrap_or(i64::MIN)
    }

    #[test]
    fn offsets_with_and_without_colon_are_the_same_instant() {
        let compact = parse_date("2019-07-19T16:57:17+0200");
        let colon = parse_date("2019-07-19T16:57:17+02:00");
        assert_eq!(compact, colon);
        assert_eq!(utc_seconds("2019-07-19T16:57:17+0200"), 1_563_548_237);
        assert_eq!(compact.map(|d| d.offset().local_minus_utc()), Ok(2 * 3600));
    }

    #[test]
    fn tolerated_neighbours() {
        assert_eq!(utc_seconds("2019-07-19T14:57:17Z"), 1_563_548_237);
        assert_eq!(utc_seconds("2019-07-19 16:57:17+02:00"), 1_563_548_237);
        assert_eq!(utc_seconds(" 2019-07-19T16:57:17+0200 "), 1_563_548_237);
        assert_eq!(
            parse_date("2019-07-19T16:57:17.250+02:00").map(|d| d.timestamp_subsec_millis()),
            Ok(250)
        );
        assert_eq!(utc_seconds("2019-07-19"), 1_563_494_400);
        assert_eq!(
            parse_date("2019-07-19").map(|d| d.offset().local_minus_utc()),
            Ok(0)
        );
    }

    #[test]
    fn anything_else_is_an_error_with_a_message() {
        for raw in [
            "",
            "   ",
            "yesterday",
            "0000-00-00 00:00:00",
            "2019-13-01T00:00:00+0200",
            "2019-07-19T25:00:00+0200",
            "1563548237",
            "19/07/2019",
        ] {
            let err = parse_date(raw).err();
            assert!(err.is_some(), "{raw:?} parsed");
        }
        let missing = parse_date("2019-07-19T16:57:17").err().unwrap_or_default();
        assert!(missing.contains("no UTC offset"), "{missing}");
        let junk = parse_date("soon").err().unwrap_or_default();
        assert!(junk.contains("\"soon\" is not a date"), "{junk}");
    }
}
