//! Replay with a handler per event type: how an engine or a notebook
//! rebuilds state from a run.

use super::problem::Problem;
use super::record::{RawRecord, TypedRecord};
use super::run::{Mode, Run};
use crate::DomainEvent;

type Handler<'h> = Box<dyn FnMut(&RawRecord) -> Result<(), Problem> + 'h>;
type ProblemHandler<'h> = Box<dyn FnMut(&Problem) + 'h>;

/// Every record of a run in emit order ([`Run::records`]), each handed to
/// the handler of its event type, typed.
///
/// ```
/// use basis_events::catalog::HealthStatusEvent;
/// use basis_events::reader::{Replay, Run};
/// use basis_events::{DomainEvent, Envelope};
///
/// let root = tempfile::tempdir()?;
/// let events = root.path().join("abc123/7/events");
/// std::fs::create_dir_all(&events)?;
/// let health = HealthStatusEvent::example().expect("the guide's example");
/// let envelope = Envelope { correlation_id: "abc123".into(), pid: 7, seq: Some(1), ..Envelope::example() };
/// std::fs::write(events.join("health_status.jsonl"), serde_json::to_string(&health.stamp(envelope))? + "\n")?;
///
/// let run = Run::open(&root.path().join("abc123"))?;
/// let mut scores = Vec::new();
/// let report = Replay::new(&run)
///     .on::<HealthStatusEvent>(|record| scores.push(record.event.health_score))
///     .run()?;
/// assert_eq!(scores.len(), 1);
/// assert_eq!((report.records, report.dispatched, report.problems), (1, 1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a replay does nothing until `run` is called"]
pub struct Replay<'r, 'h> {
    run: &'r Run,
    handlers: Vec<(&'static str, Handler<'h>)>,
    on_problem: Option<ProblemHandler<'h>>,
}

impl std::fmt::Debug for Replay<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let events: Vec<&str> = self.handlers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Replay")
            .field("run", &self.run.dir())
            .field("events", &events)
            .finish()
    }
}

/// What a replay read.
///
/// ```
/// use basis_events::reader::ReplayReport;
///
/// let report = ReplayReport::default();
/// assert_eq!((report.records, report.problems, report.approximate), (0, 0, false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplayReport {
    /// Records read, handled or not.
    pub records: u64,
    /// Records handed to a handler (one that fails its typed parse is a
    /// problem instead).
    pub dispatched: u64,
    /// Problems met (lenient mode; strict stops at the first).
    pub problems: u64,
    /// Whether some line had no `seq`, so the order is approximate.
    pub approximate: bool,
}

impl<'r, 'h> Replay<'r, 'h> {
    /// A replay of `run`, in the run's mode: strict returns the first
    /// problem as the error, lenient hands each to [`Replay::on_problem`].
    ///
    /// ```
    /// # use basis_events::reader::{Replay, Run};
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert_eq!(Replay::new(&run).run()?.records, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(run: &'r Run) -> Self {
        Replay {
            run,
            handlers: Vec::new(),
            on_problem: None,
        }
    }

    /// Calls `handler` with every `E`, typed. A line that is not a valid `E`
    /// is a problem. Several handlers of one type are called in the order
    /// they were added.
    ///
    /// ```
    /// # use basis_events::reader::{Replay, Run};
    /// use basis_events::catalog::PositionSnapshot;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let mut count = 0;
    /// Replay::new(&run).on::<PositionSnapshot>(|_| count += 1).run()?;
    /// assert_eq!(count, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on<E: DomainEvent>(mut self, mut handler: impl FnMut(TypedRecord<E>) + 'h) -> Self {
        self.handlers.push((
            E::NAME,
            Box::new(move |raw| {
                handler(TypedRecord::from_raw(raw)?);
                Ok(())
            }),
        ));
        self
    }

    /// Calls `handler` with each problem, in lenient mode.
    ///
    /// ```
    /// # use basis_events::reader::{Replay, Run};
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "not json\n")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let mut problems = Vec::new();
    /// let report = Replay::new(&run).on_problem(|p| problems.push(p.to_string())).run()?;
    /// assert_eq!(report.problems, 1);
    /// assert!(problems[0].contains("positions.jsonl:1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_problem(mut self, handler: impl FnMut(&Problem) + 'h) -> Self {
        self.on_problem = Some(Box::new(handler));
        self
    }

    /// Reads the run through, dispatching each record.
    ///
    /// # Errors
    ///
    /// In strict mode, the first [`Problem`].
    ///
    /// ```
    /// # use basis_events::reader::{ReadOptions, Replay, Run};
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "not json\n")?;
    /// let run = Run::open_with(&root.path().join("abc123"), ReadOptions::new().strict())?;
    /// assert!(Replay::new(&run).run().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(mut self) -> Result<ReplayReport, Problem> {
        let strict = self.run.options().mode() == Mode::Strict;
        let mut report = ReplayReport::default();
        let mut records = self.run.records();
        for item in records.by_ref() {
            let outcome = item.and_then(|record| {
                report.records += 1;
                // Every handler of the record's event, in the order given.
                let mut handled = false;
                for (_, handler) in self
                    .handlers
                    .iter_mut()
                    .filter(|(name, _)| *name == record.event())
                {
                    handled = true;
                    handler(&record)?;
                }
                report.dispatched += u64::from(handled);
                Ok(())
            });
            if let Err(problem) = outcome {
                if strict {
                    return Err(problem);
                }
                report.problems += 1;
                if let Some(on_problem) = self.on_problem.as_mut() {
                    on_problem(&problem);
                }
            }
        }
        report.approximate = records.approximate();
        Ok(report)
    }
}
