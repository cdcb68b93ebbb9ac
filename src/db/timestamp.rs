//! Timestamps read from SQLite and shown in responses without chrono's format strings.
//!
//! SQLite keeps a timestamp as text (`2026-11-27 19:31:38.073507`, as diesel writes it). Diesel
//! reads it back by trying up to eighteen chrono format strings, and chrono shows one in a
//! response through `fmt::Display`, one character at a time into serde_json's escaper. A page
//! of 20 sessions holds 80 timestamps: the two took 15 % of the server's CPU for R1 and 10 % for
//! R2 in the benchmarks (`perf`). Here both are a few comparisons and digit copies, with
//! chrono's own code as the fallback for whatever the fast path does not take, so every value
//! reads and shows exactly as before (the tests compare the two).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;
use serde::{Serialize, Serializer};

use super::Backend;

/// A `Timestamp` column as read: for `#[diesel(deserialize_as = Stamp)]` on a row's
/// `NaiveDateTime` field, or in a tuple of loaded keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(
        mut value: diesel::sqlite::SqliteValue<'_, '_, '_>,
    ) -> diesel::deserialize::Result<Self> {
        if let Some(at) = parse_stored(value.read_text().as_bytes()) {
            return Ok(Stamp(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Backend> for Stamp {
    fn from_sql(
        value: <Backend as diesel::backend::Backend>::RawValue<'_>,
    ) -> diesel::deserialize::Result<Self> {
        value.from_sql::<Stamp, Timestamp>()
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1 to 9 digits, the shapes this service
/// stores; `None` for anything else (other shapes, impossible dates), which diesel's parser
/// then reads or rejects.
fn parse_stored(text: &[u8]) -> Option<NaiveDateTime> {
    let (head, fraction) = match text.get(19) {
        None if text.len() == 19 => (text, &[][..]),
        Some(b'.') => text
            .split_at_checked(20)
            .map(|(head, rest)| (&head[..19], rest))?,
        _ => return None,
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, byte)| head[at] != byte)
        || (fraction.is_empty() && text.len() > 19)
        || fraction.len() > 9
    {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nano = number(fraction)? * 10u32.pow(9 - u32::try_from(fraction.len()).ok()?);
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(&head[0..4])?).ok()?,
        number(&head[5..7])?,
        number(&head[8..10])?,
    )?;
    let time = NaiveTime::from_hms_nano_opt(
        number(&head[11..13])?,
        number(&head[14..16])?,
        number(&head[17..19])?,
        nano,
    )?;
    Some(date.and_time(time))
}

/// Serializes a response's timestamp exactly as chrono does (RFC 3339 in UTC with `Z`, the
/// fraction in 3, 6 or 9 digits, as many as it needs), for `#[serde(serialize_with = …)]`.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0u8; 30];
    match rfc3339(&at.naive_utc(), &mut buffer) {
        Some(text) => serializer.serialize_str(text),
        None => at.serialize(serializer),
    }
}

/// `at` as `2026-11-27T19:31:38.073507Z` in `buffer`; `None` for years outside 0–9999 and
/// leap seconds, which chrono writes.
fn rfc3339<'b>(at: &NaiveDateTime, buffer: &'b mut [u8; 30]) -> Option<&'b str> {
    let year = u32::try_from(at.year()).ok().filter(|year| *year <= 9999)?;
    let nano = at.nanosecond();
    if nano >= 1_000_000_000 {
        return None;
    }
    let mut out = Out { buffer, len: 0 };
    out.digits(year, 4);
    out.byte(b'-');
    out.digits(at.month(), 2);
    out.byte(b'-');
    out.digits(at.day(), 2);
    out.byte(b'T');
    out.digits(at.hour(), 2);
    out.byte(b':');
    out.digits(at.minute(), 2);
    out.byte(b':');
    out.digits(at.second(), 2);
    match nano {
        0 => {}
        _ if nano.is_multiple_of(1_000_000) => out.fraction(nano / 1_000_000, 3),
        _ if nano.is_multiple_of(1_000) => out.fraction(nano / 1_000, 6),
        _ => out.fraction(nano, 9),
    }
    out.byte(b'Z');
    let Out { buffer, len } = out;
    std::str::from_utf8(&buffer[..len]).ok()
}

/// ASCII written into a fixed buffer, long enough for [`rfc3339`].
struct Out<'b> {
    buffer: &'b mut [u8; 30],
    len: usize,
}

impl Out<'_> {
    fn byte(&mut self, byte: u8) {
        self.buffer[self.len] = byte;
        self.len += 1;
    }

    /// `value` in `count` decimal digits, zero-padded.
    fn digits(&mut self, value: u32, count: u32) {
        for place in (0..count).rev() {
            // One decimal digit: the cast cannot truncate.
            self.byte(b'0' + (value / 10u32.pow(place) % 10) as u8);
        }
    }

    fn fraction(&mut self, value: u32, count: u32) {
        self.byte(b'.');
        self.digits(value, count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Deterministic spread of instants: every year shape, every fraction length.
    fn instants() -> impl Iterator<Item = NaiveDateTime> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..20_000).map(move |i| {
            let seconds = i64::try_from(next() % 400_000_000_000).unwrap_or(0) - 62_000_000_000;
            let nano = match i % 5 {
                0 => 0,
                1 => (next() % 1000) as u32 * 1_000_000,
                2 => (next() % 1_000_000) as u32 * 1_000,
                3 => (next() % 1_000_000_000) as u32,
                _ => (next() % 10) as u32,
            };
            DateTime::from_timestamp(seconds, nano)
                .map(|at| at.naive_utc())
                .unwrap_or_default()
        })
    }

    #[derive(Serialize)]
    struct Shown(#[serde(serialize_with = "serialize")] DateTime<Utc>);

    #[test]
    fn shows_what_chrono_shows() -> Result<(), serde_json::Error> {
        let mut fast = 0;
        for at in instants() {
            let at = Utc.from_utc_datetime(&at);
            assert_eq!(
                serde_json::to_string(&Shown(at))?,
                serde_json::to_string(&at)?,
                "{at:?}"
            );
            fast += usize::from(rfc3339(&at.naive_utc(), &mut [0; 30]).is_some());
        }
        // Most of the spread takes the fast path; the rest (years before 0 or after 9999)
        // still shows as chrono shows it.
        assert!(fast > 10_000, "{fast}");
        Ok(())
    }

    #[test]
    fn reads_what_diesel_writes() {
        for at in instants() {
            let text = at.format("%F %T%.f").to_string();
            let expected = (0..=9999).contains(&at.year()).then_some(at);
            assert_eq!(parse_stored(text.as_bytes()), expected, "{text}");
        }
        let at = |text: &str| parse_stored(text.as_bytes());
        assert_eq!(
            at("2026-11-27 19:31:38"),
            NaiveDate::from_ymd_opt(2026, 11, 27).and_then(|d| d.and_hms_opt(19, 31, 38))
        );
        assert_eq!(
            at("2026-11-27 19:31:38.5"),
            NaiveDate::from_ymd_opt(2026, 11, 27)
                .and_then(|d| d.and_hms_milli_opt(19, 31, 38, 500))
        );
    }

    #[test]
    fn leaves_every_other_shape_to_diesel() {
        for text in [
            "",
            "2026-11-27",
            "2026-11-27T19:31:38",
            "2026-11-27 19:31:38.",
            "2026-11-27 19:31:38Z",
            "2026-11-27 19:31:38+01:00",
            "2026-11-27 19:31:38.1234567890",
            "2026-11-27 19:31:38.12a",
            "2026-02-30 19:31:38",
            "2026-11-27 24:00:00",
            "2026-1a-27 19:31:38",
            "+2026-11-27 19:31:3",
            "2461372.5",
        ] {
            assert_eq!(parse_stored(text.as_bytes()), None, "{text}");
        }
    }
}
