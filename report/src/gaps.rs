//! What is missing or damaged in a run, stated on the page rather than hidden.
//!
//! A report of a crashed or partly copied run is still worth reading, as long
//! as it says what it could not see: every gap is listed in the page's "Data
//! notes" section and returned in [`ReportSummary::gaps`](crate::ReportSummary).

use std::fmt;

/// One thing the report could not read, or read only in part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Gap {
    /// The process has no `metadata.json`: strategy, mode and capital are unknown.
    MissingManifest { pid: String },
    /// The process's `metadata.json` is not a JSON object.
    BadManifest { pid: String, reason: String },
    /// The process has no `events/` directory at all.
    MissingEventsDir { pid: String },
    /// An event file of the guide's catalog is absent, with no rotated segment either.
    MissingFile { pid: String, file: String },
    /// A segment could not be read to the end.
    UnreadableFile {
        pid: String,
        segment: String,
        reason: String,
    },
    /// The last line of a segment has no newline: a write cut short by a
    /// crash. It is never counted, even if its bytes happen to parse.
    TornTail {
        pid: String,
        segment: String,
        line: u64,
        bytes: usize,
    },
    /// A complete line that is not a valid event of its file.
    BadLine {
        pid: String,
        segment: String,
        line: u64,
        reason: String,
    },
    /// More bad lines in the same segment, not listed one by one.
    MoreBadLines {
        pid: String,
        segment: String,
        count: u64,
    },
    /// The process's manifest does not say the run completed: it is still
    /// running, failed, was aborted or killed, or has no manifest. Its files
    /// end wherever the process stopped, so totals are of a partial run.
    Unfinished { pid: String, status: String },
    /// Something of the run that was not read, as the reader says: a planted
    /// link, a special file, a file the catalog does not name, a gap or a
    /// repeat in `seq`, an unreadable catalog.
    Unread { what: String },
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gap::MissingManifest { pid } => write!(
                f,
                "process {pid}: no metadata.json, so strategy, mode and capital are unknown"
            ),
            Gap::BadManifest { pid, reason } => {
                write!(f, "process {pid}: metadata.json is unusable ({reason})")
            }
            Gap::MissingEventsDir { pid } => write!(
                f,
                "process {pid}: no events/ directory, so none of its events are shown"
            ),
            Gap::MissingFile { pid, file } => write!(
                f,
                "process {pid}: events/{file} is missing (no active file and no rotated segment)"
            ),
            Gap::UnreadableFile {
                pid,
                segment,
                reason,
            } => write!(
                f,
                "process {pid}: events/{segment} could not be read to the end ({reason}); \
                 the lines before the failure are shown"
            ),
            Gap::TornTail {
                pid,
                segment,
                line,
                bytes,
            } => write!(
                f,
                "process {pid}: events/{segment} line {line} is a torn last line \
                 ({bytes} bytes without a newline, a write cut short); it is skipped"
            ),
            Gap::BadLine {
                pid,
                segment,
                line,
                reason,
            } => write!(
                f,
                "process {pid}: events/{segment} line {line} is not a valid event ({reason}); it is skipped"
            ),
            Gap::MoreBadLines {
                pid,
                segment,
                count,
            } => write!(
                f,
                "process {pid}: events/{segment} has {count} more invalid lines, also skipped"
            ),
            Gap::Unfinished { pid, status } => write!(
                f,
                "process {pid}: the run is not complete (status: {status}); every file ends where                  the process stopped, so the figures are of a partial run"
            ),
            Gap::Unread { what } => f.write_str(what),
        }
    }
}
