//! The four fields the logger stamps on every event.

use serde::{Deserialize, Serialize};

use crate::time::{EngineTime, RealUtcTime};

/// Where and when an event was written: the first keys of every line.
///
/// `timestamp` is the engine clock and `real_utc_time` the wall clock, each
/// read once per event; `correlation_id` and `pid` come from the run.
/// `seq` is the event's place in its process's emit order: 1 for the first
/// event the process emitted, across all of its event files, with no gap and
/// no repeat. Wall-clock and engine times can tie; `seq` never does, so it is
/// what replay sorts by and what gap detection counts. Lines written before
/// `seq` existed (and the guide's own examples) have none, and still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub timestamp: EngineTime,
    pub real_utc_time: RealUtcTime,
    pub correlation_id: String,
    pub pid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// The envelope's keys, in the order they are written. The last, `seq`, is
/// optional on read.
pub const ENVELOPE_FIELDS: [&str; 5] =
    ["timestamp", "real_utc_time", "correlation_id", "pid", "seq"];

/// The envelope keys every line must carry.
pub const REQUIRED_ENVELOPE_FIELDS: [&str; 4] =
    ["timestamp", "real_utc_time", "correlation_id", "pid"];

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
            seq: None,
        }
    }
}
