//! The engine clock, the wall clock, and the cheap way the logger writes both.
//!
//! The guide's "Timestamp Strategy" gives every line two times:
//!
//! - `timestamp`, the **engine clock**: in a backtest the data loop sets it
//!   ([`EngineClock::set`]) to the time of the data being processed; live, it
//!   is simply now.
//! - `real_utc_time`, the **wall clock** in UTC, always.
//!
//! Both are UTC and written without an offset; nothing here reads local time.
//!
//! The logger reads the wall clock once per event (live, the engine time is
//! that same reading), and formats both times through a per-thread cache of
//! the formatted second, so that only the six fraction digits are rewritten
//! for consecutive events: date arithmetic runs once a second, not once an
//! event.
//!
//! # Examples
//!
//! ```
//! use basis_events::{EngineClock, EngineTime};
//!
//! let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T10:30:00")?);
//! assert_eq!(clock.now().to_string(), "2025-01-15T10:30:00");
//! clock.set(EngineTime::parse("2025-01-15T10:31:00")?)?;
//! assert_eq!(clock.now().to_string(), "2025-01-15T10:31:00");
//!
//! let live = EngineClock::live();
//! assert!(live.set(EngineTime::parse("2025-01-15T10:31:00")?).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::DateTime;

use crate::time::{EngineTime, RealUtcTime, TimestampBuf};

/// The engine's notion of now: set by the data loop in a backtest, the wall
/// clock when live.
///
/// Cheap to clone; clones share one time, so the data loop can hold one and
/// every logger of the run another.
#[derive(Clone)]
pub struct EngineClock {
    inner: Arc<ClockInner>,
}

enum ClockInner {
    Live,
    /// Microseconds since the Unix epoch, UTC.
    Backtest(AtomicI64),
}

/// Setting the time of a live clock, which follows the wall clock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a live engine clock follows the wall clock and cannot be set; use EngineClock::backtest")]
pub struct LiveClockError;

impl EngineClock {
    /// A live clock: the engine time is the wall clock.
    pub fn live() -> Self {
        EngineClock {
            inner: Arc::new(ClockInner::Live),
        }
    }

    /// A backtest clock starting at `start`; the data loop moves it with
    /// [`EngineClock::set`].
    pub fn backtest(start: EngineTime) -> Self {
        EngineClock {
            inner: Arc::new(ClockInner::Backtest(AtomicI64::new(
                start.as_utc().timestamp_micros(),
            ))),
        }
    }

    /// Whether the clock is a backtest clock.
    pub fn is_backtest(&self) -> bool {
        matches!(*self.inner, ClockInner::Backtest(_))
    }

    /// Moves a backtest clock to `time` (the time of the data now processed).
    pub fn set(&self, time: EngineTime) -> Result<(), LiveClockError> {
        match &*self.inner {
            ClockInner::Live => Err(LiveClockError),
            ClockInner::Backtest(micros) => {
                micros.store(time.as_utc().timestamp_micros(), Ordering::Relaxed);
                Ok(())
            }
        }
    }

    /// The engine time now.
    pub fn now(&self) -> EngineTime {
        EngineTime::from_utc(micros_to_utc(self.stamp().engine_micros))
    }

    /// Reads the clocks once for one event: the wall clock, and the engine
    /// time (the same reading when live).
    pub(crate) fn stamp(&self) -> Stamp {
        let wall_micros = wall_micros();
        let engine_micros = match &*self.inner {
            ClockInner::Live => wall_micros,
            ClockInner::Backtest(micros) => micros.load(Ordering::Relaxed),
        };
        Stamp {
            engine_micros,
            wall_micros,
        }
    }
}

impl Default for EngineClock {
    /// A live clock.
    fn default() -> Self {
        EngineClock::live()
    }
}

impl fmt::Debug for EngineClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            ClockInner::Live => f.write_str("EngineClock::Live"),
            ClockInner::Backtest(micros) => f
                .debug_tuple("EngineClock::Backtest")
                .field(&EngineTime::from_utc(micros_to_utc(
                    micros.load(Ordering::Relaxed),
                )))
                .finish(),
        }
    }
}

/// Both times of one event, in microseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) engine_micros: i64,
    pub(crate) wall_micros: i64,
}

impl Stamp {
    /// Appends `"timestamp":"…","real_utc_time":"…"` (no braces, no commas
    /// around it) to `out`, as [`EngineTime`] and [`RealUtcTime`] format them.
    pub(crate) fn write_json_fields(self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\"timestamp\":\"");
        write_time(out, self.engine_micros, Kind::Engine);
        out.extend_from_slice(b"\",\"real_utc_time\":\"");
        write_time(out, self.wall_micros, Kind::Wall);
        out.push(b'"');
    }
}

/// The wall clock now, in microseconds since the Unix epoch.
pub(crate) fn wall_micros() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_micros()).unwrap_or(i64::MAX),
        // A wall clock before 1970: negative, and still formatted correctly.
        Err(before) => i64::try_from(before.duration().as_micros())
            .map(|m| -m)
            .unwrap_or(i64::MIN),
    }
}

fn micros_to_utc(micros: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or(DateTime::UNIX_EPOCH)
}

#[derive(Clone, Copy)]
enum Kind {
    Engine,
    Wall,
}

/// The formatted `YYYY-MM-DDTHH:MM:SS` of the last second seen, per clock kind.
struct SecondCache {
    second: i64,
    len: usize,
    text: [u8; 40],
}

impl SecondCache {
    const fn empty() -> Self {
        SecondCache {
            second: i64::MIN,
            len: 0,
            text: [0; 40],
        }
    }
}

thread_local! {
    static CACHE: RefCell<[SecondCache; 2]> =
        const { RefCell::new([SecondCache::empty(), SecondCache::empty()]) };
}

/// Writes the wire format of `micros`: the cached second, then the fraction.
fn write_time(out: &mut Vec<u8>, micros: i64, kind: Kind) {
    let second = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000) as u32;
    let written = CACHE.with(|cache| {
        // A Serialize impl that logs from inside the logger would re-enter;
        // it then formats without the cache.
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return false;
        };
        let slot = &mut cache[kind as usize];
        if slot.second != second {
            let text = format_second(second);
            let len = text.len().min(slot.text.len());
            slot.text[..len].copy_from_slice(&text.as_bytes()[..len]);
            slot.len = len;
            slot.second = second;
        }
        out.extend_from_slice(&slot.text[..slot.len]);
        true
    });
    if !written {
        out.extend_from_slice(format_second(second).as_bytes());
    }
    if matches!(kind, Kind::Wall) || fraction != 0 {
        let mut digits = [b'.', 0, 0, 0, 0, 0, 0];
        let mut value = fraction;
        for slot in digits[1..].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        out.extend_from_slice(&digits);
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of a whole second, by the crate's one formatter.
fn format_second(second: i64) -> String {
    let time = DateTime::from_timestamp(second, 0).unwrap_or(DateTime::UNIX_EPOCH);
    // Engine format without a fraction is exactly the second.
    let mut buf = TimestampBuf::new();
    EngineTime::from_utc(time).format_into(&mut buf).to_owned()
}

/// The wall clock now, as a [`RealUtcTime`].
pub fn real_utc_now() -> RealUtcTime {
    RealUtcTime::from_utc(micros_to_utc(wall_micros()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(stamp: Stamp) -> String {
        let mut out = Vec::new();
        stamp.write_json_fields(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cached_formatting_matches_the_wire_types() {
        let start = EngineTime::parse("2024-12-31T23:59:58.5").unwrap();
        let start = start.as_utc().timestamp_micros();
        for step in 0..3_000i64 {
            let micros = start + step * 1_337;
            let time = micros_to_utc(micros);
            let expected = format!(
                "\"timestamp\":\"{}\",\"real_utc_time\":\"{}\"",
                EngineTime::from_utc(time),
                RealUtcTime::from_utc(time)
            );
            let stamp = Stamp {
                engine_micros: micros,
                wall_micros: micros,
            };
            assert_eq!(fields(stamp), expected);
        }
    }

    #[test]
    fn engine_time_has_no_fraction_on_whole_seconds() {
        let micros = EngineTime::parse("2025-01-15T10:30:00")
            .unwrap()
            .as_utc()
            .timestamp_micros();
        let stamp = Stamp {
            engine_micros: micros,
            wall_micros: micros + 123_456,
        };
        assert_eq!(
            fields(stamp),
            "\"timestamp\":\"2025-01-15T10:30:00\",\"real_utc_time\":\"2025-01-15T10:30:00.123456\""
        );
    }

    #[test]
    fn times_before_1970_format_correctly() {
        let time = EngineTime::parse("1969-12-31T23:59:59.999999").unwrap();
        let micros = time.as_utc().timestamp_micros();
        let stamp = Stamp {
            engine_micros: micros,
            wall_micros: micros,
        };
        assert_eq!(
            fields(stamp),
            "\"timestamp\":\"1969-12-31T23:59:59.999999\",\"real_utc_time\":\"1969-12-31T23:59:59.999999\""
        );
    }

    #[test]
    fn backtest_clock_is_set_by_the_data_loop_and_live_is_now() {
        let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T10:30:00").unwrap());
        let shared = clock.clone();
        shared
            .set(EngineTime::parse("2025-01-16T00:00:00").unwrap())
            .unwrap();
        assert_eq!(clock.now().to_string(), "2025-01-16T00:00:00");
        assert!(clock.is_backtest());

        let live = EngineClock::live();
        let before = wall_micros();
        let stamp = live.stamp();
        assert_eq!(stamp.engine_micros, stamp.wall_micros);
        assert!(stamp.wall_micros >= before);
        assert_eq!(live.set(clock.now()), Err(LiveClockError));
    }
}
