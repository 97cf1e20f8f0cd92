//! The state of a run at an engine time: the last snapshot of each kind at
//! or before it, and the operations started and not finished by then.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::parallel::map_in_order;
use super::problem::Problem;
use super::record::RawRecord;
use super::run::{Mode, Run};
use crate::catalog::{
    ExposureSnapshot, HealthStatusEvent, OperationExecutionEvent, OperationStatus, PnLCalculation,
    PositionSnapshot, RiskAssessment,
};
use crate::{DomainEvent, EngineTime};

/// The events that describe the whole state when they are written: the
/// last one at a time is the state at that time.
///
/// ```
/// assert!(basis_events::reader::SNAPSHOT_EVENTS.contains(&"PositionSnapshot"));
/// ```
pub const SNAPSHOT_EVENTS: [&str; 5] = [
    PositionSnapshot::NAME,
    ExposureSnapshot::NAME,
    RiskAssessment::NAME,
    PnLCalculation::NAME,
    HealthStatusEvent::NAME,
];

/// How many problems a [`StateAt`] keeps; the rest are only counted, so a
/// flood of bad lines cannot grow it.
///
/// ```
/// assert_eq!(basis_events::reader::KEPT_PROBLEMS, 20);
/// ```
pub const KEPT_PROBLEMS: usize = 20;

/// The state of a run at an engine time; see [`state_at`].
///
/// ```
/// # use basis_events::reader::{Run, state_at};
/// # use basis_events::EngineTime;
/// # let root = tempfile::tempdir()?;
/// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// let state = state_at(&run, EngineTime::parse("2025-01-15T10:30:00")?)?;
/// assert!(state.snapshots.is_empty() && state.open_operations.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct StateAt {
    /// The time asked for.
    pub at: EngineTime,
    /// For each of [`SNAPSHOT_EVENTS`] that has one, the last record whose
    /// `timestamp` is at or before `at` (the later in emit order on a tie),
    /// as written, envelope included.
    pub snapshots: BTreeMap<&'static str, RawRecord>,
    /// Operations started and not finished at `at`, in the order they
    /// started: an `OperationExecutionEvent` is *started* by its first
    /// record and *finished* by a record whose status is `confirmed`,
    /// `failed` or `rolled_back`; one whose last record at or before `at`
    /// is `pending` is open. The record given is that last one.
    pub open_operations: Vec<RawRecord>,
    /// The first [`KEPT_PROBLEMS`] problems met (lenient mode).
    pub problems: Vec<Problem>,
    /// Problems met beyond those kept.
    pub more_problems: u64,
}

/// The state of `run` at engine time `at` (issue 12's `basis-log at`).
///
/// The whole run is read in emit order; records after `at` are ignored.
///
/// # Errors
///
/// In strict mode, the first [`Problem`] of the run.
///
/// ```
/// use basis_events::catalog::PositionSnapshot;
/// use basis_events::reader::{Run, state_at};
/// use basis_events::{DomainEvent, EngineTime, Envelope};
///
/// let root = tempfile::tempdir()?;
/// let events = root.path().join("abc123/7/events");
/// std::fs::create_dir_all(&events)?;
/// let snapshot = PositionSnapshot::example().expect("the guide's example");
/// let mut text = String::new();
/// for (seq, time) in [(1, "2025-01-15T10:00:00"), (2, "2025-01-15T11:00:00")] {
///     let envelope = Envelope { correlation_id: "abc123".into(), pid: 7, seq: Some(seq), timestamp: EngineTime::parse(time)?, ..Envelope::example() };
///     text += &(serde_json::to_string(&snapshot.clone().stamp(envelope))? + "\n");
/// }
/// std::fs::write(events.join("positions.jsonl"), text)?;
///
/// let run = Run::open(&root.path().join("abc123"))?;
/// let state = state_at(&run, EngineTime::parse("2025-01-15T10:30:00")?)?;
/// assert_eq!(state.snapshots["PositionSnapshot"].envelope().seq, Some(1));
/// assert!(state.open_operations.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn state_at(run: &Run, at: EngineTime) -> Result<StateAt, Problem> {
    state_at_on(run, at, 0)
}

/// [`state_at`] on `threads` threads (0: every core, 1: the calling
/// thread). Reading and merging the run in emit order stays on one thread;
/// the operations' typed parses, most of the rest, run on the workers, and
/// their results are applied in the order read, so the state and its
/// problems are the same whatever the number. In strict mode the run is
/// read on the calling thread, to stop at the first problem.
///
/// # Errors
///
/// In strict mode, the first [`Problem`] of the run.
///
/// ```
/// use basis_events::reader::{Run, state_at_on};
/// use basis_events::EngineTime;
///
/// # let root = tempfile::tempdir()?;
/// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// let at = EngineTime::parse("2025-01-15T10:30:00")?;
/// let one = state_at_on(&run, at, 1)?;
/// let every_core = state_at_on(&run, at, 0)?;
/// assert_eq!(one.snapshots.len(), every_core.snapshots.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn state_at_on(run: &Run, at: EngineTime, threads: usize) -> Result<StateAt, Problem> {
    let strict = run.options().mode() == Mode::Strict;
    let mut folder = StateFolder {
        state: StateAt {
            at,
            snapshots: BTreeMap::new(),
            open_operations: Vec::new(),
            problems: Vec::new(),
            more_problems: 0,
        },
        open: IndexMap::new(),
    };
    let prepare =
        |item: Result<RawRecord, Problem>| item.and_then(|record| read_record(record, at));
    if strict || threads == 1 {
        for item in run.records() {
            let outcome = prepare(item).map(|read| folder.apply(read));
            if let Err(problem) = outcome {
                if strict {
                    return Err(problem);
                }
                folder.problem(problem);
            }
        }
    } else {
        map_in_order(
            run.records(),
            threads,
            || (),
            |(), item| prepare(item),
            |outcome| match outcome {
                Ok(read) => folder.apply(read),
                Err(problem) => folder.problem(problem),
            },
        );
    }
    let mut state = folder.state;
    state.open_operations = folder.open.into_values().collect();
    Ok(state)
}

/// What one record means for the state at a time: what the workers hand
/// back, the typed parse already done.
enum ReadRecord {
    /// After the time, or of an event that is not part of the state.
    Ignored,
    Snapshot(&'static str, RawRecord),
    Operation {
        id: String,
        status: OperationStatus,
        record: RawRecord,
    },
}

fn read_record(record: RawRecord, at: EngineTime) -> Result<ReadRecord, Problem> {
    if record.envelope().timestamp > at {
        return Ok(ReadRecord::Ignored);
    }
    if let Some(name) = SNAPSHOT_EVENTS.iter().find(|name| **name == record.event()) {
        return Ok(ReadRecord::Snapshot(name, record));
    }
    if record.is::<OperationExecutionEvent>() {
        let operation = record.parse::<OperationExecutionEvent>()?.event;
        return Ok(ReadRecord::Operation {
            id: operation.operation_id,
            status: operation.status,
            record,
        });
    }
    Ok(ReadRecord::Ignored)
}

/// The state being built, record by record in the order read.
struct StateFolder {
    state: StateAt,
    /// Open operations by id, in the order they started.
    open: IndexMap<String, RawRecord>,
}

impl StateFolder {
    fn apply(&mut self, read: ReadRecord) {
        match read {
            ReadRecord::Ignored => {}
            ReadRecord::Snapshot(name, record) => {
                let newer =
                    self.state.snapshots.get(name).is_none_or(|kept| {
                        kept.envelope().timestamp <= record.envelope().timestamp
                    });
                if newer {
                    self.state.snapshots.insert(name, record);
                }
            }
            ReadRecord::Operation { id, status, record } => {
                if status == OperationStatus::Pending {
                    self.open.insert(id, record);
                } else {
                    self.open.shift_remove(&id);
                }
            }
        }
    }

    /// Keeps the first [`KEPT_PROBLEMS`] problems and counts the rest.
    fn problem(&mut self, problem: Problem) {
        if self.state.problems.len() < KEPT_PROBLEMS {
            self.state.problems.push(problem);
        } else {
            self.state.more_problems += 1;
        }
    }
}
