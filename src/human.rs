//! Numbers as a person reads them: counts with thousands separators, sizes
//! with units, and how long ago something happened. Shared by the window,
//! the command line and reports.

use chrono::{DateTime, TimeDelta, TimeZone};

/// Whole numbers that [`count`] writes.
pub trait Whole: Copy {
    fn wide(self) -> i128;
}

macro_rules! whole {
    ($($t:ty),*) => {$(
        impl Whole for $t {
            fn wide(self) -> i128 {
                i128::from(self)
            }
        }
    )*};
}
whole!(u8, u16, u32, u64, i8, i16, i32, i64);

impl Whole for usize {
    fn wide(self) -> i128 {
        // usize is at most 64 bits on every target Rust supports.
        i128::try_from(self).unwrap_or(i128::MAX)
    }
}

/// `1000000` → "1,000,000".
pub fn count(n: impl Whole) -> String {
    let n = n.wide();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1 event", "1,000,000 events": `singular` or `plural` after the count.
pub fn counted(n: impl Whole, singular: &str, plural: &str) -> String {
    let noun = if n.wide() == 1 { singular } else { plural };
    format!("{} {noun}", count(n))
}

/// A byte count for people: "512 B", "1.5 KiB", "10 MiB". A whole number
/// of units is written without decimals, so that `cli::parse_size` reads
/// it back once the space is taken out.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let tenths = format!("{value:.1}");
    if value < 10.0 && !tenths.ends_with(".0") {
        format!("{tenths} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// How long before `now` `then` was: "just now", "3 minutes ago",
/// "in 2 hours" (a clock that moved back, or a sender's date ahead).
pub fn ago<A: TimeZone, B: TimeZone>(then: &DateTime<A>, now: &DateTime<B>) -> String {
    relative(now.fixed_offset() - then.fixed_offset())
}

/// `elapsed` as words: positive in the past, negative in the future.
pub fn relative(elapsed: TimeDelta) -> String {
    let seconds = elapsed.num_seconds();
    if seconds.abs() < 5 {
        return "just now".to_owned();
    }
    let span = seconds.unsigned_abs();
    let amount = match span {
        0..60 => counted(span, "second", "seconds"),
        60..3_600 => counted(span / 60, "minute", "minutes"),
        3_600..86_400 => counted(span / 3_600, "hour", "hours"),
        _ => counted(span / 86_400, "day", "days"),
    };
    if seconds > 0 {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0u64), "0");
        assert_eq!(count(999u64), "999");
        assert_eq!(count(1_000u64), "1,000");
        assert_eq!(count(202_676usize), "202,676");
        assert_eq!(count(1_000_000u64), "1,000,000");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(count(-1_234i64), "-1,234");
        assert_eq!(count(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn counted_nouns_agree_with_the_number() {
        assert_eq!(counted(0usize, "event", "events"), "0 events");
        assert_eq!(counted(1usize, "event", "events"), "1 event");
        assert_eq!(
            counted(1_000_000usize, "event", "events"),
            "1,000,000 events"
        );
    }

    #[test]
    fn sizes_have_units() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1024), "1 KiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(10 * 1024 * 1024), "10 MiB");
        assert_eq!(format_size(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
        assert_eq!(format_size(u64::MAX), "16 EiB");
    }

    #[test]
    fn sizes_read_back_by_the_command_line() {
        for bytes in [512, 1024, 10 * 1024 * 1024, 2 * 1024 * 1024 * 1024] {
            let text = format_size(bytes).replace(' ', "");
            assert_eq!(crate::cli::parse_size(&text), Ok(bytes), "{text}");
        }
    }

    #[test]
    fn relative_times_in_the_past_and_future() {
        let s = TimeDelta::seconds;
        assert_eq!(relative(s(0)), "just now");
        assert_eq!(relative(s(4)), "just now");
        assert_eq!(relative(s(-4)), "just now");
        assert_eq!(relative(s(12)), "12 seconds ago");
        assert_eq!(relative(s(60)), "1 minute ago");
        assert_eq!(relative(s(3 * 60 + 59)), "3 minutes ago");
        assert_eq!(relative(s(3_600)), "1 hour ago");
        assert_eq!(relative(s(5 * 3_600)), "5 hours ago");
        assert_eq!(relative(s(86_400)), "1 day ago");
        assert_eq!(relative(s(1_500 * 86_400)), "1,500 days ago");
        assert_eq!(relative(s(-90)), "in 1 minute");
        assert_eq!(relative(s(-2 * 86_400)), "in 2 days");
    }

    #[test]
    fn ago_compares_instants_across_offsets() -> Result<(), chrono::ParseError> {
        let then = DateTime::parse_from_rfc3339("2026-11-26T21:00:00+01:00")?;
        let now = DateTime::parse_from_rfc3339("2026-11-26T20:03:00Z")?;
        assert_eq!(ago(&then, &now), "3 minutes ago");
        assert_eq!(ago(&now, &then), "in 3 minutes");
        Ok(())
    }
}
