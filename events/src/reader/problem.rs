//! Everything the reader did not turn into a record, as a typed item: the
//! caller decides whether it stops the read (strict) or is reported (lenient).

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::open::SkipReason;
use super::position::Position;

/// Something in a run that is not a valid record, or an entry not read.
///
/// In lenient mode the reader yields it as an item and goes on; in strict
/// mode it is the error that ends the read. Nothing is skipped without one.
///
/// ```
/// use basis_events::reader::{Position, Problem};
///
/// let problem = Problem::TornTail { position: Position::new("events/positions.jsonl", "positions.jsonl", 7, None, 3), len: 12 };
/// assert_eq!(problem.to_string(), "events/positions.jsonl:3: torn tail: the file ends inside this line (12 bytes, no newline)");
/// assert!(problem.position().is_some());
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The file's last line has no `\n`: a write cut short by a crash, or a
    /// line still being written.
    #[error("{position}: torn tail: the file ends inside this line ({len} bytes, no newline)")]
    TornTail { position: Position, len: u64 },
    /// A complete line that is not a valid record of the run.
    #[error("{position}: {reason}")]
    BadLine {
        position: Position,
        reason: LineFault,
    },
    /// A line over the line limit: measured while skipped, never held.
    #[error(
        "{position}: a line of {len} bytes is over the {limit}-byte line limit; skipped unread"
    )]
    TooLong {
        position: Position,
        len: u64,
        limit: usize,
    },
    /// `seq` numbers `first..=last` of process `pid` are missing: a line lost
    /// in the middle of a file, or a whole rotated segment deleted. `at` is
    /// the first line after the gap, `after` the last line before it.
    #[error("{at}: seq {first}..={last} of process {pid} missing before this line{}", after.as_ref().map(|p| format!(" (the previous is {p})")).unwrap_or_default())]
    Gap {
        pid: u32,
        first: u64,
        last: u64,
        at: Position,
        after: Option<Position>,
    },
    /// A `seq` that is not above the last one of its process: a repeated (or
    /// out-of-order) line. The line is reported, not yielded.
    #[error("{at}: seq {seq} repeated or out of order in process {pid} (the last was {previous})")]
    Repeat {
        pid: u32,
        seq: u64,
        previous: u64,
        at: Position,
    },
    /// An entry of the run that was not read: a link, a special file, a
    /// name that is not UTF-8, or an entry no rule reads.
    #[error("{}: skipped: {reason}", path.display())]
    Skipped { path: PathBuf, reason: SkipReason },
    /// An event file the run's catalog does not name: its lines cannot be
    /// typed. Reported once per file, not per segment.
    #[error("{}: `{file}` is not an event file of the run's catalog; not read", path.display())]
    UnknownFile { path: PathBuf, file: String },
    /// A `metadata.json` that is not a run manifest. The process is still read.
    #[error("{}: not a valid run manifest: {reason}", path.display())]
    BadManifest { path: PathBuf, reason: String },
    /// A `catalog.json` that cannot be read; the process is read with the
    /// running binary's catalog instead.
    #[error("{}: not a valid run catalog ({reason}); read with this binary's catalog instead", path.display())]
    BadCatalog { path: PathBuf, reason: String },
    /// A read failed.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
}

impl Problem {
    /// The line the problem is about, if it is about a line.
    ///
    /// ```
    /// use basis_events::reader::Problem;
    ///
    /// let skipped = Problem::UnknownFile { path: "events/x.jsonl".into(), file: "x.jsonl".into() };
    /// assert!(skipped.position().is_none());
    /// ```
    pub fn position(&self) -> Option<&Position> {
        match self {
            Problem::TornTail { position, .. }
            | Problem::BadLine { position, .. }
            | Problem::TooLong { position, .. } => Some(position),
            Problem::Gap { at, .. } | Problem::Repeat { at, .. } => Some(at),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Problem {
        Problem::Io {
            path: path.into(),
            source: Arc::new(source),
        }
    }
}

/// Why a complete line is not a valid record.
///
/// ```
/// use basis_events::reader::LineFault;
///
/// let fault = LineFault::WrongPid { found: 8, expected: 7 };
/// assert_eq!(fault.to_string(), "pid 8 is not the pid of its directory, 7");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LineFault {
    /// Not UTF-8 from byte `valid_up_to` on.
    #[error("not UTF-8 (invalid from byte {valid_up_to})")]
    NotUtf8 { valid_up_to: usize },
    /// Not a JSON object with a valid envelope.
    #[error("not an event line: {0}")]
    NotJson(Arc<serde_json::Error>),
    /// A valid envelope, but the payload fails its event's typed parse.
    #[error("not a valid {event}: {error}")]
    Typed {
        event: &'static str,
        error: Arc<serde_json::Error>,
    },
    /// A valid envelope, written under an older version of its event, that
    /// cannot be read into the current type: this binary lacks the version,
    /// or the line is not a valid line of it.
    #[error("cannot be read as the current {event}: {error}")]
    Upcast {
        event: &'static str,
        error: Arc<crate::upcast::UpcastError>,
    },
    /// A valid envelope, but the line breaks its event's JSON Schema (the
    /// schema the run's catalog gives for the version that wrote it).
    #[error("breaks the schema of {event} v{version} at `{path}`: {message}")]
    Schema {
        event: String,
        version: u32,
        /// The JSON pointer of the offending value (`/positions/aave`).
        path: String,
        message: String,
    },
    /// The record was asked for as another event than its file holds.
    #[error("a {found}, not a {expected}")]
    OtherEvent {
        expected: &'static str,
        found: String,
    },
    /// The line belongs to another run.
    #[error("correlation id `{}` is not the run's, `{expected}`", found.escape_debug())]
    WrongCorrelationId { found: String, expected: String },
    /// The line was written by another process than its directory's.
    #[error("pid {found} is not the pid of its directory, {expected}")]
    WrongPid { found: u32, expected: u32 },
    /// A line without `seq` in a process with a `catalog.json`: every
    /// binary that writes a catalog writes `seq` on every line, so the
    /// line was damaged, and it cannot take its place in emit order.
    #[error("no `seq`, which every line of a process with a catalog.json has")]
    NoSeq,
}

impl LineFault {
    /// The fault of a failed typed read through the upcast chain: a bad
    /// line of the current version is [`LineFault::Typed`], as before
    /// versions existed; anything else is [`LineFault::Upcast`].
    pub(crate) fn from_upcast(
        event: &'static str,
        current: u32,
        error: crate::upcast::UpcastError,
    ) -> LineFault {
        match error {
            crate::upcast::UpcastError::Json {
                version, source, ..
            } if version == current => LineFault::Typed {
                event,
                error: Arc::new(source),
            },
            other => LineFault::Upcast {
                event,
                error: Arc::new(other),
            },
        }
    }
}
