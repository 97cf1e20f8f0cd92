//! The two clocks of every event, and their wire format.
//!
//! The guide writes both without an offset (`"2025-01-15T10:30:00"`), and both
//! are UTC: `timestamp` is the engine clock (the backtest's data time, or now
//! when live) and `real_utc_time` the wall clock. The original system wrote
//! local time into both; nothing here ever reads or writes local time.
//!
//! Formatting is hand-rolled into a stack buffer because the logger formats two
//! timestamps per event and chrono's `format` machinery dominated a naive emit.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The engine's time of an event: the backtest's data time, or now when live.
///
/// Written with seconds, plus six fraction digits only when the time has a
/// fraction: `"2025-01-15T10:30:00"`, `"2025-01-15T10:30:00.250000"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EngineTime(DateTime<Utc>);

/// The wall-clock time, in UTC, at which an event was written.
///
/// Always written with six fraction digits: `"2025-01-15T10:30:00.123456"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RealUtcTime(DateTime<Utc>);

/// A timestamp string that is not ISO 8601.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid timestamp `{input}`: expected ISO 8601 such as `2025-01-15T10:30:00`, \
     optionally with a fraction and a `Z` or `+HH:MM` offset"
)]
pub struct TimestampError {
    input: String,
}

macro_rules! clock_type {
    ($ty:ident, $fraction:expr, $pattern:expr, $description:expr) => {
        impl $ty {
            /// Wraps a UTC date-time, truncated to microseconds, the precision
            /// of the wire format.
            pub fn from_utc(time: DateTime<Utc>) -> Self {
                $ty(truncate_to_micros(time))
            }

            /// The UTC date-time.
            pub fn as_utc(self) -> DateTime<Utc> {
                self.0
            }

            /// Parses the wire format; a trailing `Z` or offset is accepted and
            /// normalised to UTC.
            pub fn parse(input: &str) -> Result<Self, TimestampError> {
                parse_utc(input).map(Self::from_utc)
            }

            /// Writes the wire format into `buf` and returns it as a string.
            pub fn format_into(self, buf: &mut TimestampBuf) -> &str {
                format_utc(self.0, $fraction, buf)
            }
        }

        impl From<DateTime<Utc>> for $ty {
            fn from(time: DateTime<Utc>) -> Self {
                $ty::from_utc(time)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.format_into(&mut TimestampBuf::new()))
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.format_into(&mut TimestampBuf::new()))
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // A visitor rather than `Cow<str>`, whose impl always copies
                // into a `String`: a timestamp is parsed where it lies.
                struct Text;
                impl serde::de::Visitor<'_> for Text {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a timestamp string")
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$ty, E> {
                        $ty::parse(text).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Text)
            }
        }

        impl JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }

            fn inline_schema() -> bool {
                true
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}

clock_type!(
    EngineTime,
    Fraction::WhenNonZero,
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$",
    "Engine time in UTC, ISO 8601 without offset; six fraction digits only when non-zero."
);
clock_type!(
    RealUtcTime,
    Fraction::Always,
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$",
    "Wall-clock time in UTC, ISO 8601 without offset, always six fraction digits."
);

impl RealUtcTime {
    /// The wall clock now.
    pub fn now() -> Self {
        RealUtcTime::from_utc(Utc::now())
    }
}

/// Room for `YYYY-MM-DDTHH:MM:SS.ffffff` and, for years past 9999, a little more.
#[derive(Debug)]
pub struct TimestampBuf([u8; 40]);

impl TimestampBuf {
    pub const fn new() -> Self {
        TimestampBuf([0; 40])
    }
}

impl Default for TimestampBuf {
    fn default() -> Self {
        TimestampBuf::new()
    }
}

#[derive(Clone, Copy)]
enum Fraction {
    WhenNonZero,
    Always,
}

fn truncate_to_micros(time: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = time.nanosecond();
    // A leap second (nanos >= 1e9) keeps its extra second; only sub-microsecond
    // digits go.
    time.with_nanosecond(nanos - nanos % 1_000).unwrap_or(time)
}

fn format_utc(time: DateTime<Utc>, fraction: Fraction, buf: &mut TimestampBuf) -> &str {
    let naive = time.naive_utc();
    let year = naive.year();
    if !(0..=9999).contains(&year) {
        // Outside four digits the fixed layout does not apply; chrono knows how.
        let text = match fraction {
            Fraction::Always => naive.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            Fraction::WhenNonZero if naive.nanosecond() == 0 => {
                naive.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
            Fraction::WhenNonZero => naive.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        };
        let len = text.len().min(buf.0.len());
        buf.0[..len].copy_from_slice(&text.as_bytes()[..len]);
        return std::str::from_utf8(&buf.0[..len]).unwrap_or("");
    }
    let out = &mut buf.0;
    put_digits(&mut out[0..4], year as u32);
    out[4] = b'-';
    put_digits(&mut out[5..7], naive.month());
    out[7] = b'-';
    put_digits(&mut out[8..10], naive.day());
    out[10] = b'T';
    put_digits(&mut out[11..13], naive.hour());
    out[13] = b':';
    put_digits(&mut out[14..16], naive.minute());
    out[16] = b':';
    // Leap seconds are carried in the nanoseconds; chrono prints them as :60.
    let nanos = naive.nanosecond();
    let (second, nanos) = if nanos >= 1_000_000_000 {
        (naive.second() + 1, nanos - 1_000_000_000)
    } else {
        (naive.second(), nanos)
    };
    put_digits(&mut out[17..19], second);
    let micros = nanos / 1_000;
    let len = match fraction {
        Fraction::WhenNonZero if micros == 0 => 19,
        _ => {
            out[19] = b'.';
            put_digits(&mut out[20..26], micros);
            26
        }
    };
    // Every byte written above is an ASCII digit or separator.
    std::str::from_utf8(&out[..len]).unwrap_or("")
}

fn put_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn parse_utc(input: &str) -> Result<DateTime<Utc>, TimestampError> {
    let error = || TimestampError {
        input: input.to_owned(),
    };
    if let Some(time) = parse_wire(input.as_bytes()) {
        return Ok(time);
    }
    // The guide's own form, with no offset, is UTC by definition.
    if let Ok(naive) = NaiveDateTime::parse_from_str(input, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(naive.and_utc());
    }
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(input) {
        return Ok(with_offset.with_timezone(&Utc));
    }
    // A bare date is midnight, as pandas and DuckDB read it.
    if let Ok(date) = NaiveDate::parse_from_str(input, "%Y-%m-%d") {
        return date
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(error);
    }
    Err(error())
}

/// The wire format exactly as the logger writes it (`YYYY-MM-DDTHH:MM:SS`,
/// then nothing or `.` and 1 to 9 digits), parsed without chrono's format
/// machinery, which took a tenth of `validate`'s time. `None` for anything
/// else, a leap second included: chrono's parse then decides.
fn parse_wire(input: &[u8]) -> Option<DateTime<Utc>> {
    if input.len() < 19 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        input[range].iter().try_fold(0u32, |value, &b| {
            b.is_ascii_digit().then(|| value * 10 + u32::from(b - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, byte)| input[at] != byte) {
        return None;
    }
    let nanos = match &input[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let value = digits(20..input.len())?;
            value * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    let time = date.and_hms_nano_opt(digits(11..13)?, digits(14..16)?, digits(17..19)?, nanos)?;
    Some(time.and_utc())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .unwrap()
            .and_utc()
    }

    #[test]
    fn engine_time_has_a_fraction_only_when_non_zero() {
        assert_eq!(
            EngineTime::from_utc(at("2025-01-15T10:30:00")).to_string(),
            "2025-01-15T10:30:00"
        );
        assert_eq!(
            EngineTime::from_utc(at("2025-01-15T10:30:00.25")).to_string(),
            "2025-01-15T10:30:00.250000"
        );
    }

    #[test]
    fn real_utc_time_always_has_six_digits() {
        assert_eq!(
            RealUtcTime::from_utc(at("2025-01-15T10:30:00")).to_string(),
            "2025-01-15T10:30:00.000000"
        );
        assert_eq!(
            RealUtcTime::from_utc(at("2025-01-15T10:30:00.123456789")).to_string(),
            "2025-01-15T10:30:00.123456"
        );
    }

    #[test]
    fn fast_format_matches_chrono_for_many_times() {
        let start = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 58).unwrap();
        for step in 0..5_000i64 {
            let time = start + chrono::Duration::microseconds(step * 7_919_993);
            let ours = RealUtcTime::from_utc(time).to_string();
            let chrono = time.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
            assert_eq!(ours, chrono);
        }
    }

    /// The fast parse agrees with chrono's on what it accepts, and hands
    /// everything else over (mutant: `parse_wire` ignoring the fraction, or
    /// accepting a bad separator).
    #[test]
    fn fast_parse_matches_chrono_and_leaves_the_rest_to_it() {
        let chrono = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        };
        let start = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 58).unwrap();
        for step in 0..5_000i64 {
            let time = start + chrono::Duration::nanoseconds(step * 7_919_993_217);
            for digits in [0, 1, 3, 6, 9] {
                let mut text = time.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string();
                if digits > 0 {
                    let fraction = format!("{:09}", time.nanosecond());
                    text.push('.');
                    text.push_str(&fraction[..digits]);
                }
                assert_eq!(parse_wire(text.as_bytes()), chrono(&text), "{text}");
                assert!(parse_wire(text.as_bytes()).is_some(), "{text}");
            }
        }
        for other in [
            "2025-01-15 10:30:00",
            "2025-01-15T10:30:00Z",
            "2025-01-15T10:30:00.",
            "2025-01-15T10:30:00.1234567890",
            "2025-01-15T10:30:60",
            "2025-02-30T10:30:00",
            "2025-01-15T24:00:00",
            "2025-01-15T10:3a:00",
            "+2025-01-15T10:30:0",
            "2025-01-15",
        ] {
            assert_eq!(parse_wire(other.as_bytes()), None, "{other}");
        }
        assert_eq!(
            EngineTime::parse("2025-01-15T10:30:60")
                .unwrap()
                .to_string(),
            chrono("2025-01-15T10:30:60")
                .map(EngineTime::from_utc)
                .unwrap()
                .to_string()
        );
    }

    #[test]
    fn readers_accept_z_and_offsets_and_normalise_to_utc() {
        let expected = "2025-01-15T10:30:00";
        for input in [
            "2025-01-15T10:30:00",
            "2025-01-15T10:30:00Z",
            "2025-01-15T12:30:00+02:00",
            "2025-01-15T05:30:00-05:00",
        ] {
            assert_eq!(
                EngineTime::parse(input).unwrap().to_string(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn bad_timestamps_name_the_input() {
        let err = EngineTime::parse("yesterday").unwrap_err();
        assert!(err.to_string().contains("`yesterday`"), "{err}");
    }

    #[test]
    fn serde_round_trip() {
        let time = EngineTime::parse("2025-01-15T10:30:00").unwrap();
        let json = serde_json::to_string(&time).unwrap();
        assert_eq!(json, "\"2025-01-15T10:30:00\"");
        let back: EngineTime = serde_json::from_str(&json).unwrap();
        assert_eq!(back, time);
    }
}
