//! The four fields the logger stamps on every event.

use serde::{Deserialize, Serialize};

use crate::time::{EngineTime, RealUtcTime};

/// Where and when an event was written: the first four keys of every line.
///
/// `timestamp` is the engine clock and `real_utc_time` the wall clock, each
/// read once per event; `correlation_id` and `pid` come from the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub timestamp: EngineTime,
    pub real_utc_time: RealUtcTime,
    pub correlation_id: String,
    pub pid: u32,
}

/// The envelope's keys, in the order they are written.
pub const ENVELOPE_FIELDS: [&str; 4] = ["timestamp", "real_utc_time", "correlation_id", "pid"];

impl Envelope {
    /// The envelope of the guide's examples: engine time 2025-01-15T10:30:00,
    /// wall clock 10:30:00.123456, correlation id `abc123`, pid 12345. Used
    /// for generated docs and snapshots, so they never change between runs.
    pub fn example() -> Envelope {
        Envelope {
            timestamp: EngineTime::parse("2025-01-15T10:30:00").expect("valid literal"),
            real_utc_time: RealUtcTime::parse("2025-01-15T10:30:00.123456").expect("valid literal"),
            correlation_id: "abc123".to_owned(),
            pid: 12345,
        }
    }
}
