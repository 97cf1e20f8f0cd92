//! The domain event logger: one per run, appending each event as one JSON
//! line to `events/<file>` of its type.
//!
//! # Writing
//!
//! [`DomainEventLogger::emit`] stamps the envelope (`timestamp` from the
//! engine clock, `real_utc_time` from the wall clock, each read once;
//! `correlation_id` and `pid` from the run), checks the event for
//! non-finite floats, and hands it to the logger's writer thread over a
//! bounded queue. The writer thread serializes it into its file's buffer;
//! when the writer falls behind (a quarter of the queue waits), callers
//! serialize their lines themselves and queue the bytes, so under load the
//! work spreads over the cores.
//! What happens next depends on the [`Durability`] and on the event type:
//! a type marked [`LoggerConfig::write_immediately`] (by default
//! `SystemErrorEvent` only) is written by the caller before `emit` returns,
//! in every mode, so a crash never takes the errors first.
//!
//! # Sequence numbers
//!
//! Every line carries `seq` after `pid`: 1 for the logger's first event,
//! then one more per event accepted, across all of its files. It is taken
//! where the order is decided: under the queue's lock as the event is
//! queued (the writer thread renders in queue order), or, for events written
//! by their caller, under the file's lock and the queue's lock while the line
//! is written. So each file's seqs strictly increase line by line, and across
//! files seq is the emit order. An event `emit` refuses (non-finite float,
//! shutdown, a failed write in line mode or of an immediate type) takes no
//! seq; an event accepted and then lost (a batch that did not fit on a full
//! disk, a `Serialize` that failed on the writer thread) leaves a gap, which
//! is how readers see the loss. A logger started on a directory that already
//! has events (the same process id, restarted) continues after the highest
//! seq at the end of its files, so seqs never repeat within a process
//! directory.
//!
//! What happens to the other events depends on the [`Durability`]:
//!
//! - **Buffered** (the guide's default): a file's buffer is written when it
//!   holds 100 events, by the writer thread, and any event older
//!   than 5 seconds is written by the same thread even when the engine is
//!   idle; [`flush`](DomainEventLogger::flush),
//!   [`shutdown`](DomainEventLogger::shutdown) and drop write everything.
//! - **Line**: each event is serialized and written by the caller before
//!   `emit` returns; there is no writer thread.
//! - **Durable**: buffered, and every write is followed by `fdatasync`.
//!
//! The table in [`Durability`] says exactly what each loses on a crash.
//!
//! # Guarantees
//!
//! - Many threads may emit at once. A line is written whole, never split or
//!   interleaved with another, and one thread's events keep their order in
//!   each file.
//! - Memory is bounded: when the writer thread falls behind by
//!   `queue_events` events, `emit` waits (backpressure). Nothing is dropped
//!   silently.
//! - Files rotate at 100 MB into numbered segments, between lines; see
//!   [`crate::read`] for the names and the reader that lists them in order.
//! - Errors never panic. `emit` refuses an event it cannot write as JSON (a
//!   NaN, say) with [`LogError::NonFinite`], and the rest of the buffer is
//!   still written; an event whose own `Serialize` fails on the writer
//!   thread is counted as lost and its error returned by the next `flush`;
//!   I/O errors (disk full, permission denied, a removed
//!   directory) come back from `emit` (line mode) or `flush`/`shutdown`,
//!   naming the events lost. Every error is counted per [`ErrorKind`] and
//!   printed on stderr the first time its kind occurs.
//! - `emit` after `shutdown` returns [`LogError::Shutdown`]; each event is
//!   either written or its `emit` returned an error, even when shutdown races
//!   with emitting threads.
//! - Log files are created with mode 0640 and opened with `O_NOFOLLOW`: a
//!   symbolic link planted in place of a log file is refused.
//!
//! # Examples
//!
//! ```
//! use basis_events::catalog::TightLoopExecutionEvent;
//! use basis_events::DomainEventLogger;
//!
//! let dir = tempfile::tempdir()?;
//! let logger = DomainEventLogger::new(dir.path(), "abc123", 12345)?;
//! let event = TightLoopExecutionEvent::example().unwrap();
//! logger.emit(event.clone())?;
//! logger.flush()?;
//! let text = std::fs::read_to_string(dir.path().join("events/tight_loop.jsonl"))?;
//! assert!(text.contains(r#""correlation_id":"abc123","pid":12345,"seq":1,"operation_id":"supply_001""#));
//! logger.shutdown()?;
//! assert!(logger.emit(event).is_err());
//! # use basis_events::DomainEvent;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod buffer;
mod config;
mod error;
mod finite;
mod live;
mod queue;
mod resume;
mod rotate;
mod worker;
mod writer;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use config::{DEFAULT_MAX_FILE_BYTES, Durability, FileOpener, LoggerConfig};
pub use error::{ErrorCounts, ErrorKind, LogError};
pub use live::{flush_live_loggers, install_panic_hook};
pub use rotate::{LOG_FILE_MODE, open_log_file};
pub use writer::FileCounts;

pub(crate) use buffer::Slot;
pub(crate) use finite::check_finite;
use queue::{Render, write_seq};
pub(crate) use writer::Writer;

use crate::clock::{EngineClock, Stamp};
use crate::{DomainEvent, registered_events};

/// The domain event logger of one run (the guide's `DomainEventLogger`).
///
/// Cheap to clone: clones share one logger, so every component of the run
/// can hold one. The last clone to go flushes and stops it, as
/// [`shutdown`](DomainEventLogger::shutdown) does.
#[derive(Clone)]
pub struct DomainEventLogger {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Arc<Writer>,
    /// `,"correlation_id":"…","pid":N`, escaped once.
    envelope_tail: Box<[u8]>,
    /// Each registered event file, created with the logger.
    files: Vec<EventFile>,
    correlation_id: String,
    pid: u32,
    clock: EngineClock,
}

/// A registered event's file, as the logger writes it.
#[derive(Clone, Copy)]
struct EventFile {
    file: &'static str,
    /// The writer's slot of the file.
    slot: usize,
    /// Whether its events are written before `emit` returns, whatever the
    /// mode ([`LoggerConfig::write_immediately`]).
    immediate: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Errors were counted and printed; a drop has no one to return them to.
        let _ = self.writer.shutdown();
    }
}

/// Builds a [`DomainEventLogger`] with a clock or a configuration other than
/// the defaults.
#[derive(Debug)]
#[must_use]
pub struct DomainEventLoggerBuilder {
    log_dir: PathBuf,
    correlation_id: String,
    pid: u32,
    clock: EngineClock,
    config: LoggerConfig,
}

/// Counts per file and per error kind, when a logger shuts down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Lines written and lost per file name (`positions.jsonl`).
    pub files: BTreeMap<String, FileCounts>,
    /// Errors met over the logger's life.
    pub errors: ErrorCounts,
}

impl ShutdownReport {
    /// Lines written per file, as the run manifest records them.
    pub fn written_per_file(&self) -> BTreeMap<String, u64> {
        self.files
            .iter()
            .map(|(file, counts)| (file.clone(), counts.written))
            .collect()
    }
}

// === impl DomainEventLogger ===

impl DomainEventLogger {
    /// A logger writing into `log_dir/events/`, with a live engine clock and
    /// the guide's buffering: `DomainEventLogger(log_dir, correlation_id, pid)`.
    pub fn new(
        log_dir: impl AsRef<Path>,
        correlation_id: impl Into<String>,
        pid: u32,
    ) -> Result<Self, LogError> {
        Self::builder(log_dir, correlation_id, pid).build()
    }

    /// Starts building a logger for `log_dir/events/`.
    pub fn builder(
        log_dir: impl AsRef<Path>,
        correlation_id: impl Into<String>,
        pid: u32,
    ) -> DomainEventLoggerBuilder {
        DomainEventLoggerBuilder {
            log_dir: log_dir.as_ref().to_owned(),
            correlation_id: correlation_id.into(),
            pid,
            clock: EngineClock::live(),
            config: LoggerConfig::default(),
        }
    }

    /// Stamps `event` with the envelope and appends it to its file.
    ///
    /// Reads the engine clock and the wall clock once, refuses a non-finite
    /// float ([`LogError::NonFinite`]), and hands the event to the writer
    /// thread, which serializes and writes it (buffered and durable modes);
    /// in line mode the line is written before `emit` returns. Waits while
    /// the writer is `queue_events` behind.
    pub fn emit<E: DomainEvent>(&self, event: E) -> Result<(), LogError> {
        let result = self.try_emit(event);
        if let Err(error) = &result {
            self.inner.writer.errors.report(error);
        }
        result
    }

    /// [`emit`](Self::emit) on behalf of `component`: refuses, with
    /// [`LogError::WrongComponent`] (printed once) and without writing, an
    /// event whose `logged_by` is another component. `logged_by = all`
    /// events (`SystemErrorEvent`) are accepted from every component.
    ///
    /// `emit` itself does not check: one logger per run is shared by every
    /// component, and an engine's loop or a replay legitimately writes
    /// events on behalf of the component that produced them. A component
    /// that emits its own events uses `emit_as`, so an event declared for
    /// another component cannot slip into its output.
    pub fn emit_as<E: DomainEvent>(
        &self,
        component: crate::Component,
        event: E,
    ) -> Result<(), LogError> {
        if !E::LOGGED_BY.allows(component) {
            let error = LogError::WrongComponent {
                what: format!("event `{}`", E::NAME),
                emitter: component.name(),
                owner: E::LOGGED_BY.as_str(),
            };
            self.inner.writer.errors.report(&error);
            return Err(error);
        }
        self.emit(event)
    }

    fn try_emit<E: DomainEvent>(&self, event: E) -> Result<(), LogError> {
        let inner = &*self.inner;
        if inner.writer.is_closed() {
            return Err(LogError::Shutdown);
        }
        let EventFile {
            slot, immediate, ..
        } = inner.file_for(E::FILE).ok_or(LogError::UnknownEvent {
            event: E::NAME,
            file: E::FILE,
        })?;
        let stamp = inner.clock.stamp();
        check_finite(&event).map_err(|(value, field)| LogError::NonFinite {
            event: E::NAME,
            field,
            value,
        })?;
        let queued = Queued { slot, stamp, event };
        let writer = &inner.writer;
        if writer.is_queued() && !immediate {
            if writer.is_behind() {
                // The writer is the bottleneck: serialize here, in parallel.
                let mut line = writer.line_buffer();
                let seq_at = queued.render(&inner.envelope_tail, None, &mut line)?;
                return writer.enqueue_rendered(slot, line, seq_at);
            }
            return writer.enqueue(Box::new(queued));
        }
        // Line mode, or an event type written before `emit` returns.
        let slot = writer.slot_at(slot).ok_or(LogError::UnknownEvent {
            event: E::NAME,
            file: E::FILE,
        })?;
        with_line_buffer(|line| {
            let seq_at = queued.render(&inner.envelope_tail, None, line)?;
            writer.write_event_now(&slot, line, seq_at)
        })
    }

    /// Writes every buffered event of every file; in durable mode, also
    /// syncs them to disk. Events emitted before the call are readable when
    /// it returns. Returns the errors met since the last flush, including
    /// those of the background writer, combined into one (a file's losses
    /// add up; several files give [`LogError::Several`]), so that
    /// [`LogError::lost_events`] counts every event lost since then.
    pub fn flush(&self) -> Result<(), LogError> {
        self.inner.writer.flush()
    }

    /// Writes everything, stops the writer thread, and refuses every later
    /// `emit`. Calling it again only returns the counts again.
    pub fn shutdown(&self) -> Result<ShutdownReport, LogError> {
        self.inner.writer.shutdown()?;
        Ok(self.report())
    }

    /// Lines written and lost per file, and errors per kind, so far.
    pub fn report(&self) -> ShutdownReport {
        ShutdownReport {
            files: self.inner.writer.counts().into_iter().collect(),
            errors: self.inner.writer.error_counts(),
        }
    }

    /// The directory the event files are in (`{log_dir}/events`).
    pub fn events_dir(&self) -> &Path {
        self.inner.writer.dir()
    }

    /// The run's correlation id.
    pub fn correlation_id(&self) -> &str {
        &self.inner.correlation_id
    }

    /// The process id stamped on every event.
    pub fn pid(&self) -> u32 {
        self.inner.pid
    }

    /// The engine clock stamping `timestamp`.
    pub fn clock(&self) -> &EngineClock {
        &self.inner.clock
    }

    /// The configuration the logger runs with.
    pub fn config(&self) -> &LoggerConfig {
        &self.inner.writer.config
    }
}

impl fmt::Debug for DomainEventLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DomainEventLogger")
            .field("events_dir", &self.events_dir())
            .field("correlation_id", &self.inner.correlation_id)
            .field("pid", &self.inner.pid)
            .field("clock", &self.inner.clock)
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn file_for(&self, file: &'static str) -> Option<EventFile> {
        self.files
            .iter()
            .find(|known| std::ptr::eq(known.file, file) || known.file == file)
            .copied()
    }
}

/// An event waiting for the writer thread, with the clock readings of its
/// `emit`.
struct Queued<E> {
    slot: usize,
    stamp: Stamp,
    event: E,
}

impl<E: DomainEvent> Render for Queued<E> {
    fn slot(&self) -> usize {
        self.slot
    }

    fn name(&self) -> &'static str {
        E::NAME
    }

    /// The bytes of `serde_json::to_string(&event.stamp(envelope))`, and `\n`.
    fn render(&self, tail: &[u8], seq: Option<u64>, line: &mut Vec<u8>) -> Result<usize, LogError> {
        line.push(b'{');
        self.stamp.write_json_fields(line);
        line.extend_from_slice(tail);
        let seq_at = line.len();
        if let Some(seq) = seq {
            write_seq(line, seq);
        }
        let start = line.len();
        serde_json::to_writer(&mut *line, &self.event)
            .and_then(|()| merge_object(line, start))
            .map_err(|source| LogError::Serialize {
                event: E::NAME,
                source,
            })?;
        line.push(b'\n');
        Ok(seq_at)
    }
}

// === impl DomainEventLoggerBuilder ===

impl DomainEventLoggerBuilder {
    /// The engine clock (live by default; a backtest passes the clock its
    /// data loop sets).
    pub fn clock(mut self, clock: EngineClock) -> Self {
        self.clock = clock;
        self
    }

    /// Buffering, rotation and durability (the guide's by default).
    pub fn config(mut self, config: LoggerConfig) -> Self {
        self.config = config;
        self
    }

    /// Checks that no two registered events share a name or a file, creates
    /// `events/` and every registered event's file, and starts the writer.
    pub fn build(self) -> Result<DomainEventLogger, LogError> {
        let events = registered_events()?;
        // `#[domain_event]` checks file names at compile time; an event
        // registered by other means is checked here, before anything exists.
        for event in &events {
            if let Some(reason) = file_name_problem(event.file()) {
                return Err(LogError::BadFileName {
                    event: event.name(),
                    file: event.file(),
                    reason,
                });
            }
        }
        let events_dir = self.log_dir.join("events");
        // O_NOFOLLOW guards each file's last component only: a link planted
        // in place of `events/` would put every file wherever it points.
        if std::fs::symlink_metadata(&events_dir).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(LogError::Symlink { path: events_dir });
        }
        // Read before the files are opened, so a torn tail is still torn.
        let next_seq = resume::next_seq(&events_dir, events.iter().map(|event| event.file()))
            .map_err(|err| LogError::io("read the last seq in", &events_dir, err))?;
        let envelope_tail = envelope_tail(&self.correlation_id, self.pid);
        let writer = Writer::start(
            &events_dir,
            self.config,
            format!("event logger of {}", self.log_dir.display()),
            envelope_tail.clone(),
        )?;
        let mut files = Vec::with_capacity(events.len());
        for event in events {
            match writer.slot(event.file()) {
                Ok(slot) => files.push(EventFile {
                    file: event.file(),
                    slot,
                    immediate: writer.config.writes_immediately(event.name()),
                }),
                Err(error) => {
                    let _ = writer.shutdown();
                    return Err(error);
                }
            }
        }
        writer.set_next_seq(next_seq);
        Ok(DomainEventLogger {
            inner: Arc::new(Inner {
                writer,
                files,
                envelope_tail: envelope_tail.into_boxed_slice(),
                correlation_id: self.correlation_id,
                pid: self.pid,
                clock: self.clock,
            }),
        })
    }
}

/// The longest event file name, in bytes: the limit `#[domain_event]` and
/// the correlation ids share, well under every file system's 255, so a
/// rotated segment's longer name (`name.N.jsonl`) still fits.
pub(crate) const MAX_EVENT_FILE_BYTES: usize = 128;

/// Why `file` is not a plain file name that stays in `events/`, if it is not.
fn file_name_problem(file: &str) -> Option<&'static str> {
    if file.is_empty() {
        Some("it is empty")
    } else if file == "." || file == ".." {
        Some("it names a directory")
    } else if file.contains(['/', '\\']) {
        Some("it contains a path separator")
    } else if file.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if file.len() > MAX_EVENT_FILE_BYTES {
        Some("it is longer than 128 bytes")
    } else {
        None
    }
}

// === line building, shared with the component logs ===

thread_local! {
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's cleared line buffer (a fresh one if the
/// buffer is in use further up the stack).
pub(crate) fn with_line_buffer<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    LINE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut line) => {
            line.clear();
            let result = f(&mut line);
            // One huge event should not pin its memory to the thread.
            if line.capacity() > 1 << 20 {
                *line = Vec::new();
            }
            result
        }
        Err(_) => f(&mut Vec::new()),
    })
}

/// `,"correlation_id":"…","pid":N`: the part of every line that is the
/// same for the whole run, escaped once.
pub(crate) fn envelope_tail(correlation_id: &str, pid: u32) -> Vec<u8> {
    let mut tail = b",\"correlation_id\":".to_vec();
    write_json_string(&mut tail, correlation_id);
    tail.extend_from_slice(format!(",\"pid\":{pid}").as_bytes());
    tail
}

/// Appends `"…"`, escaped as JSON.
pub(crate) fn write_json_string(out: &mut Vec<u8>, text: &str) {
    // Serializing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// `line[start..]` is a JSON object; joins its fields to the object open
/// before `start`, and closes it.
pub(crate) fn merge_object(line: &mut Vec<u8>, start: usize) -> Result<(), serde_json::Error> {
    match &line[start..] {
        [b'{', b'}'] => {
            line.truncate(start);
            line.push(b'}');
            Ok(())
        }
        [b'{', .., b'}'] => {
            line[start] = b',';
            Ok(())
        }
        _ => Err(<serde_json::Error as serde::ser::Error>::custom(
            "the payload must serialize as a JSON object with named fields",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way an event file name could leave `events/` or break a
    /// listing is refused, and the limit is 128 bytes exactly, as the macro
    /// enforces it (mutants from the logger mutation run:
    /// `file_name_problem` as `None`, its `||` as `&&`, its `>` as `==` or
    /// `>=`).
    #[test]
    fn a_file_name_is_refused_for_each_reason_and_at_exactly_the_limit() {
        for (name, reason) in [
            ("", "empty"),
            (".", "directory"),
            ("..", "directory"),
            ("a/b.jsonl", "separator"),
            ("a\\b.jsonl", "separator"),
            ("a\nb.jsonl", "control"),
        ] {
            let problem = file_name_problem(name).unwrap_or_else(|| panic!("{name:?} accepted"));
            assert!(problem.contains(reason), "{name:?}: {problem}");
        }
        let longest = format!("{}.jsonl", "a".repeat(MAX_EVENT_FILE_BYTES - 6));
        assert_eq!(longest.len(), MAX_EVENT_FILE_BYTES);
        assert_eq!(file_name_problem(&longest), None);
        assert_eq!(file_name_problem("positions.jsonl"), None);
        let over = format!("a{longest}");
        assert!(file_name_problem(&over).is_some_and(|p| p.contains("128 bytes")));
    }
}
