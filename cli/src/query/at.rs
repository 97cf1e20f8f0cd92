//! `basis-log at RUN_DIR TIMESTAMP`: the state of a run at an engine time,
//! the guide's "get all positions at a specific timestamp" as one command.
//!
//! The state comes from the reader's [`state_at`]: for each snapshot-like
//! event ([`SNAPSHOT_EVENTS`]) the last record at or before the time, and
//! the operations started and not finished by then.

use basis_events::EngineTime;
use basis_events::reader::{RawRecord, Run, SNAPSHOT_EVENTS, state_at_on};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::Warnings;
use crate::{Error, Result};

/// The state at one time, as `at` prints it.
#[derive(Debug, Clone)]
pub struct State {
    /// The time asked for, as engine time (`2025-01-15T10:30:00`).
    pub at: String,
    /// The last record of each snapshot-like event at or before `at`, by
    /// event name, in [`SNAPSHOT_EVENTS`] order.
    pub snapshots: Vec<(String, RawRecord)>,
    /// The last record of each operation open at `at`, in the order they
    /// started.
    pub open_operations: Vec<RawRecord>,
    /// Problems of the run met while reading (the reader keeps the first
    /// ones; `more_problems` counts the rest).
    pub warnings: Warnings,
    pub more_problems: u64,
}

/// The state of `run` at `timestamp`, an engine time such as
/// `2025-01-15T10:30:00`.
///
/// # Errors
///
/// [`Error::Usage`] naming `timestamp` when it is not an engine time; in
/// strict mode, the run's first problem.
pub fn at(run: &Run, timestamp: &str) -> Result<State> {
    at_on(run, timestamp, 0)
}

/// [`at`] on `threads` threads (0: every core); the state is the same
/// whatever the number.
///
/// # Errors
///
/// As [`at`].
pub fn at_on(run: &Run, timestamp: &str, threads: usize) -> Result<State> {
    let time = EngineTime::parse(timestamp).map_err(|err| {
        Error::Usage(format!(
            "invalid TIMESTAMP `{}`: {err}; expected an engine time such as 2025-01-15T10:30:00",
            timestamp.escape_debug()
        ))
    })?;
    let state = state_at_on(run, time, threads)?;
    let mut warnings = Warnings::default();
    for problem in &state.problems {
        warnings.push(problem);
    }
    let mut snapshots = state.snapshots;
    Ok(State {
        at: time.to_string(),
        snapshots: SNAPSHOT_EVENTS
            .iter()
            .filter_map(|name| Some(((*name).to_owned(), snapshots.remove(name)?)))
            .collect(),
        open_operations: state.open_operations,
        warnings,
        more_problems: state.more_problems,
    })
}

/// The `--json` form: an object keyed by event name whose values are the
/// records exactly as written (envelope included), and `"open_operations"`.
impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = |record: &RawRecord| {
            RawValue::from_string(record.line().to_owned()).map_err(serde::ser::Error::custom)
        };
        let mut map = serializer.serialize_map(Some(self.snapshots.len() + 1))?;
        for (name, record) in &self.snapshots {
            map.serialize_entry(name, &raw(record)?)?;
        }
        let open = self
            .open_operations
            .iter()
            .map(raw)
            .collect::<Result<Vec<_>, _>>()?;
        map.serialize_entry("open_operations", &open)?;
        map.end()
    }
}
