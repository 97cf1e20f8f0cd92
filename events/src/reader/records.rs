//! The public reads of a run: every record in emit order ([`Run::records`]),
//! the records of one event ([`Run::records_of`]), typed ([`Run::events`]).

use std::collections::{BTreeMap, VecDeque};
use std::marker::PhantomData;

use super::file_stream::FileStream;
use super::merge::{ProcessStream, RunStream};
use super::position::Position;
use super::problem::Problem;
use super::record::{RawRecord, TypedRecord};
use super::run::{Mode, Run};
use crate::DomainEvent;

/// Records of a run in emit order, with each [`Problem`] as an `Err` item:
/// in [`Mode::Lenient`] the read goes on after it, in [`Mode::Strict`] it
/// is the last item. The run's open-time problems come first.
///
/// ```
/// use basis_events::reader::Run;
///
/// let root = tempfile::tempdir()?;
/// let events = root.path().join("abc123/7/events");
/// std::fs::create_dir_all(&events)?;
/// let line = |seq: u64| format!(r#"{{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"abc123","pid":7,"seq":{seq},"component":"engine","status":"healthy","message":"ok","metadata":{{}}}}"#);
/// std::fs::write(events.join("health_status.jsonl"), format!("{}\n{}\n", line(1), line(3)))?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// let mut records = run.records();
/// assert!(records.next().unwrap().is_ok());
/// let gap = records.next().unwrap().unwrap_err();
/// assert!(gap.to_string().contains("seq 2..=2"), "{gap}");
/// assert_eq!(records.next().unwrap()?.envelope().seq, Some(3));
/// assert!(records.next().is_none());
/// assert!(!records.approximate());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Records<'r> {
    opened: VecDeque<Problem>,
    stream: RunStream<'r>,
    mode: Mode,
    done: bool,
    counts: BTreeMap<u32, BTreeMap<String, ReadCounts>>,
}

/// Records and problems read so far from one event file of one process:
/// what a validator or a report's data notes print per file.
///
/// ```
/// use basis_events::reader::ReadCounts;
///
/// assert_eq!(ReadCounts::default(), ReadCounts { records: 0, problems: 0 });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCounts {
    /// Records yielded.
    pub records: u64,
    /// Problems about the file's lines: torn tails, bad and over-long lines,
    /// gaps and repeats found at one of its lines.
    pub problems: u64,
}

impl<'r> Records<'r> {
    fn new(run: &'r Run, event: Option<&str>) -> Records<'r> {
        let limit = run.options().limit();
        let processes = run
            .processes()
            .iter()
            .map(|process| {
                let files = process
                    .files()
                    .iter()
                    .filter(|file| event.is_none_or(|event| file.event() == event))
                    .map(|file| FileStream::new(process, file, run.correlation_id(), limit))
                    .collect();
                ProcessStream::new(process.pid(), files, event.is_none())
            })
            .collect();
        Records {
            opened: run.problems().iter().cloned().collect(),
            stream: RunStream::new(processes),
            mode: run.options().mode(),
            done: false,
            counts: BTreeMap::new(),
        }
    }

    /// Records and problems read so far, by pid, then event file. Complete
    /// once the iterator is exhausted.
    ///
    /// ```
    /// use basis_events::reader::Run;
    ///
    /// let root = tempfile::tempdir()?;
    /// let events = root.path().join("abc123/7/events");
    /// std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "not json\n")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let mut records = run.records();
    /// records.by_ref().for_each(drop);
    /// let counts = records.counts()[&7]["positions.jsonl"];
    /// assert_eq!((counts.records, counts.problems), (0, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn counts(&self) -> &BTreeMap<u32, BTreeMap<String, ReadCounts>> {
        &self.counts
    }

    fn count(&mut self, position: &Position, record: bool) {
        let files = self.counts.entry(position.pid()).or_default();
        let counts = match files.get_mut(position.file()) {
            Some(counts) => counts,
            None => files.entry(position.file().to_owned()).or_default(),
        };
        if record {
            counts.records += 1;
        } else {
            counts.problems += 1;
        }
    }

    /// Whether the order is approximate: some line read so far had no
    /// `seq` (a run written before it existed), so its place was found by
    /// `(timestamp, real_utc_time)` with the file order breaking ties.
    ///
    /// ```
    /// use basis_events::reader::Run;
    ///
    /// let root = tempfile::tempdir()?;
    /// let events = root.path().join("abc123/7/events");
    /// std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("health_status.jsonl"), r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"abc123","pid":7,"component":"engine","status":"healthy","message":"ok","metadata":{}}
    /// "#)?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let mut records = run.records();
    /// assert_eq!(records.by_ref().filter(Result::is_ok).count(), 1);
    /// assert!(records.approximate());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn approximate(&self) -> bool {
        self.stream.unsequenced()
    }
}

impl Iterator for Records<'_> {
    type Item = Result<RawRecord, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = match self.opened.pop_front() {
            Some(problem) => Err(problem),
            None => self.stream.next()?,
        };
        match &item {
            Ok(record) => self.count(record.position(), true),
            Err(problem) => {
                if let Some(position) = problem.position() {
                    self.count(position, false);
                }
                if self.mode == Mode::Strict {
                    self.done = true;
                }
            }
        }
        Some(item)
    }
}

/// The records of one event type, typed; see [`Run::events`].
///
/// ```
/// # use basis_events::reader::Run;
/// use basis_events::catalog::RiskAssessment;
/// # let root = tempfile::tempdir()?;
/// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// assert_eq!(run.events::<RiskAssessment>().count(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Events<'r, E> {
    records: Records<'r>,
    event: PhantomData<fn() -> E>,
}

impl<E: DomainEvent> Iterator for Events<'_, E> {
    type Item = Result<TypedRecord<E>, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self
            .records
            .next()?
            .and_then(|raw| TypedRecord::from_raw(&raw));
        if item.is_err() && self.records.mode == Mode::Strict {
            self.records.done = true;
        }
        Some(item)
    }
}

impl Run {
    /// Every record of every file and process, in emit order: by `seq`
    /// within a process, then across processes by engine time, pid and
    /// `seq`. Gaps and repeats in `seq` are problems.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert_eq!(run.records().count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn records(&self) -> Records<'_> {
        Records::new(self, None)
    }

    /// The records of the event named `event` (`"PositionSnapshot"`), by
    /// the run's catalog, in emit order. Gaps are not checked (the other
    /// events' lines fill them); repeats are.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert_eq!(run.records_of("PositionSnapshot").count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn records_of(&self, event: &str) -> Records<'_> {
        Records::new(self, Some(event))
    }

    /// The records of `E`, typed, each with its position; a line that is
    /// not a valid `E` is a [`Problem::BadLine`].
    ///
    /// ```
    /// use basis_events::catalog::HealthStatusEvent;
    /// use basis_events::reader::Run;
    /// use basis_events::{DomainEvent, Envelope};
    ///
    /// let root = tempfile::tempdir()?;
    /// let events = root.path().join("abc123/7/events");
    /// std::fs::create_dir_all(&events)?;
    /// let envelope = Envelope { correlation_id: "abc123".into(), pid: 7, seq: Some(1), ..Envelope::example() };
    /// let health = HealthStatusEvent::example().expect("the guide's example");
    /// std::fs::write(events.join("health_status.jsonl"), serde_json::to_string(&health.clone().stamp(envelope))? + "\n")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let read: Vec<_> = run.events::<HealthStatusEvent>().collect::<Result<_, _>>()?;
    /// assert_eq!(read[0].event, health);
    /// assert_eq!(read[0].position.line(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn events<E: DomainEvent>(&self) -> Events<'_, E> {
        Events {
            records: self.records_of(E::NAME),
            event: PhantomData,
        }
    }
}
