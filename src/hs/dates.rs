//! The dates the ATS sends: ISO 8601 with an offset written `+0200`
//! (jobs) or `+02:00` (candidates), and a few tolerated neighbours.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use serde::{Deserialize, Serialize};

/// Date-times with an offset: `T` or a space between date and time,
/// optional fractional seconds, and an offset `+0200`, `+02:00`, `+02` or `Z`.
const WITH_OFFSET: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z"];

/// The same without an offset: recognised only to say what is missing.
const WITHOUT_OFFSET: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];

/// An example of the spec's own format, for messages.
const EXAMPLE: &str = "2019-07-19T16:57:17+0200";

/// A payload date as the sender wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// A date and time with an offset; `zulu` when the offset was `Z`.
    Instant {
        at: DateTime<FixedOffset>,
        zulu: bool,
    },
    /// A date and time without an offset: no instant can be known.
    Floating(NaiveDateTime),
    /// A date alone.
    Day(NaiveDate),
}

/// What `raw` is, or `None` when it is not a date of any form hookscope knows.
pub fn read(raw: &str) -> Option<Written> {
    let text = raw.trim();
    if let Some(at) = WITH_OFFSET
        .iter()
        .find_map(|format| DateTime::parse_from_str(text, format).ok())
    {
        let zulu = text.ends_with(['Z', 'z']);
        return Some(Written::Instant { at, zulu });
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Written::Day(day));
    }
    WITHOUT_OFFSET
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(Written::Floating)
}

/// Accepts "2019-07-19T16:57:17+0200", "2016-01-20T14:27:00+01:00", "…Z", fractional seconds,
/// a space instead of 'T', and a date alone "2019-07-19" (midnight UTC). Anything else → Err(message).
pub fn parse_date(raw: &str) -> Result<DateTime<FixedOffset>, String> {
    if raw.trim().is_empty() {
        return Err("the date is empty".to_owned());
    }
    match read(raw) {
        Some(Written::Instant { at, .. }) => Ok(at),
        Some(Written::Day(day)) => Ok(day.and_time(NaiveTime::MIN).and_utc().fixed_offset()),
        Some(Written::Floating(_)) => Err(format!(
            "\"{raw}\" has no UTC offset (expected e.g. {EXAMPLE})"
        )),
        None => Err(format!("\"{raw}\" is not a date (expected e.g. {EXAMPLE})")),
    }
}

/// How payload dates are shown. Receive times (hookscope's own clock) are
/// always the viewer's local time; this is only for dates the sender wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateMode {
    /// As written, in the sender's own offset.
    #[default]
    Sender,
    /// Converted to the viewer's time zone.
    Local,
    Utc,
}

impl DateMode {
    pub const ALL: [DateMode; 3] = [DateMode::Sender, DateMode::Local, DateMode::Utc];

    pub fn label(self) -> &'static str {
        match self {
            DateMode::Sender => "Sender",
            DateMode::Local => "Local",
            DateMode::Utc => "UTC",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            DateMode::Sender => "As the sender wrote them, in the sender's own offset",
            DateMode::Local => "Converted to your time zone",
            DateMode::Utc => "Converted to UTC",
        }
    }
}

/// A payload date ready to show: one line, and what a hover adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownDate {
    pub text: String,
    pub hover: String,
}

/// `raw` as `mode` shows it, `local` standing for the viewer's time zone
/// (`chrono::Local` in the window).
///
/// - `2016-01-20T14:27:00+01:00` → `2016-01-20 14:27 +01:00` (seconds only
///   when not zero, `Z` as `UTC`); Local and UTC modes convert the instant.
/// - A date alone, or a time of exactly midnight in the sender's offset,
///   is a date: `2016-01-19` in every mode, with no offset, since a day
///   has no instant to convert (a job starting "the 19th at 00:00 +02:00"
///   starts on the 19th wherever it is read).
/// - Without an offset: as written, nothing invented, whatever the mode.
/// - Anything else: the raw text, verbatim.
pub fn show_date<Tz: TimeZone>(raw: &str, mode: DateMode, local: &Tz) -> ShownDate {
    let sent = format!("Sent as {raw}");
    let Some(written) = read(raw) else {
        return ShownDate {
            text: raw.to_owned(),
            hover: format!("Not a date hookscope can read\n{sent}"),
        };
    };
    match written {
        Written::Day(day) => ShownDate {
            text: day_text(day),
            hover: format!("A date, without a time of day\n{sent}"),
        },
        Written::Floating(at) if is_midnight(at) => ShownDate {
            text: day_text(at.date()),
            hover: format!("A date (sent as midnight, with no offset)\n{sent}"),
        },
        Written::Floating(at) => ShownDate {
            text: time_text(at),
            hover: format!(
                "No offset: the sender did not say in which time zone, so it is shown as written\n{sent}"
            ),
        },
        Written::Instant { at, .. } if is_midnight(at.naive_local()) => ShownDate {
            text: day_text(at.date_naive()),
            hover: format!(
                "A date (sent as midnight {}, read as that day everywhere)\n{sent}",
                at.offset()
            ),
        },
        Written::Instant { at, zulu } => {
            let sender = with_offset(at, zulu);
            let yours = with_offset(at.with_timezone(local).fixed_offset(), false);
            let utc = with_offset(at.to_utc().fixed_offset(), true);
            let (text, others) = match mode {
                DateMode::Sender => (sender, vec![format!("Your time: {yours}")]),
                DateMode::Local => (
                    yours,
                    vec![format!("Sender's time: {sender}"), format!("UTC: {utc}")],
                ),
                DateMode::Utc => (
                    utc,
                    vec![
                        format!("Sender's time: {sender}"),
                        format!("Your time: {yours}"),
                    ],
                ),
            };
            ShownDate {
                text,
                hover: format!("{}\n{sent}", others.join("\n")),
            }
        }
    }
}

fn is_midnight(at: NaiveDateTime) -> bool {
    at.time() == NaiveTime::MIN
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// "2016-01-20 14:27", with seconds (and their fraction) only when not zero.
fn time_text(at: NaiveDateTime) -> String {
    if at.second() == 0 && at.nanosecond() == 0 {
        at.format("%Y-%m-%d %H:%M").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S%.f").to_string()
    }
}

/// "2016-01-20 14:27 +01:00", or "… UTC" for a `Z`.
fn with_offset(at: DateTime<FixedOffset>, zulu: bool) -> String {
    let time = time_text(at.naive_local());
    if zulu && at.offset().local_minus_utc() == 0 {
        format!("{time} UTC")
    } else {
        format!("{time} {}", at.offset())
    }
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

    /// The viewer's zone in these tests: far from every sender's.
    fn viewer() -> FixedOffset {
        FixedOffset::west_opt(5 * 3600).unwrap()
    }

    fn text(raw: &str, mode: DateMode) -> String {
        show_date(raw, mode, &viewer()).text
    }

    fn hover(raw: &str, mode: DateMode) -> String {
        show_date(raw, mode, &viewer()).hover
    }

    #[test]
    fn the_sender_mode_shows_the_date_as_written_in_its_offset() {
        use DateMode::Sender;
        assert_eq!(
            text("2016-01-20T14:27:00+01:00", Sender),
            "2016-01-20 14:27 +01:00"
        );
        assert_eq!(
            text("2019-07-19T16:57:17+0200", Sender),
            "2019-07-19 16:57:17 +02:00"
        );
        assert_eq!(
            text("2019-07-19 16:57:17.250+02:00", Sender),
            "2019-07-19 16:57:17.250 +02:00"
        );
        assert_eq!(
            text("2019-07-19T14:57:17Z", Sender),
            "2019-07-19 14:57:17 UTC"
        );
        assert_eq!(
            text("2019-07-19T14:57:00+00:00", Sender),
            "2019-07-19 14:57 +00:00"
        );
        let hover = hover("2016-01-20T14:27:00+01:00", Sender);
        assert_eq!(
            hover,
            "Your time: 2016-01-20 08:27 -05:00\nSent as 2016-01-20T14:27:00+01:00"
        );
    }

    #[test]
    fn the_local_mode_converts_instants_to_the_viewer_zone() {
        use DateMode::Local;
        assert_eq!(
            text("2016-01-20T14:27:00+01:00", Local),
            "2016-01-20 08:27 -05:00"
        );
        assert_eq!(
            text("2019-07-19T16:57:17+0200", Local),
            "2019-07-19 09:57:17 -05:00"
        );
        assert_eq!(
            text("2019-07-19T02:00:00Z", Local),
            "2019-07-18 21:00 -05:00"
        );
        let hover = hover("2016-01-20T14:27:00+01:00", Local);
        assert!(
            hover.contains("Sender's time: 2016-01-20 14:27 +01:00"),
            "{hover}"
        );
        assert!(hover.contains("UTC: 2016-01-20 13:27 UTC"), "{hover}");
        assert!(
            hover.ends_with("Sent as 2016-01-20T14:27:00+01:00"),
            "{hover}"
        );
    }

    #[test]
    fn the_utc_mode_converts_instants_to_utc() {
        use DateMode::Utc;
        assert_eq!(
            text("2016-01-20T14:27:00+01:00", Utc),
            "2016-01-20 13:27 UTC"
        );
        assert_eq!(
            text("2019-07-19T16:57:17+0200", Utc),
            "2019-07-19 14:57:17 UTC"
        );
        assert_eq!(text("2019-07-19T14:57:17Z", Utc), "2019-07-19 14:57:17 UTC");
        // Not the sender's midnight: an instant like any other.
        assert_eq!(
            text("2019-07-19T02:00:00+02:00", Utc),
            "2019-07-19 00:00 UTC"
        );
        let hover = hover("2016-01-20T14:27:00+01:00", Utc);
        assert!(
            hover.contains("Your time: 2016-01-20 08:27 -05:00"),
            "{hover}"
        );
    }

    #[test]
    fn dates_and_the_senders_midnight_stay_that_day_in_every_mode() {
        for mode in DateMode::ALL {
            assert_eq!(text("2019-07-19", mode), "2019-07-19", "{mode:?}");
            assert_eq!(
                text("2019-07-19T00:00:00+0200", mode),
                "2019-07-19",
                "{mode:?}"
            );
            assert_eq!(
                text("2016-01-19T00:00:00+02:00", mode),
                "2016-01-19",
                "{mode:?}"
            );
            assert_eq!(text("2016-01-19T00:00:00Z", mode), "2016-01-19", "{mode:?}");
            assert_eq!(text("2016-01-19T00:00:00", mode), "2016-01-19", "{mode:?}");
        }
        let hover = hover("2019-07-19T00:00:00+0200", DateMode::Local);
        assert!(hover.contains("midnight +02:00"), "{hover}");
        assert!(
            hover.ends_with("Sent as 2019-07-19T00:00:00+0200"),
            "{hover}"
        );
    }

    #[test]
    fn no_offset_is_shown_as_written_in_every_mode() {
        for mode in DateMode::ALL {
            assert_eq!(text("2019-07-19T16:57:17", mode), "2019-07-19 16:57:17");
            assert_eq!(text("2019-07-19 16:57:00", mode), "2019-07-19 16:57");
            assert!(hover("2019-07-19T16:57:17", mode).starts_with("No offset"));
        }
    }

    #[test]
    fn anything_else_is_shown_verbatim() {
        for mode in DateMode::ALL {
            for raw in [
                "soon",
                "",
                "19/07/2019",
                "2019-13-01T00:00:00+0200",
                "1563548237",
                "é\u{0}",
            ] {
                let shown = show_date(raw, mode, &viewer());
                assert_eq!(shown.text, raw);
                assert!(shown.hover.starts_with("Not a date"), "{}", shown.hover);
            }
        }
    }

    #[test]
    fn the_mode_reads_from_older_settings_as_sender() {
        assert_eq!(DateMode::default(), DateMode::Sender);
        assert_eq!(ron::from_str::<DateMode>("Utc").ok(), Some(DateMode::Utc));
    }
}
