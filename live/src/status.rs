//! Status lines: what the forwarder and collector tell their operator while
//! they run (connected, waiting for the broker, shipped, a gap, a torn tail).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// One status line.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Status {
    Connected {
        url: String,
    },
    /// The broker did not take something; retried after `retry_in`.
    Retrying {
        what: String,
        attempt: u32,
        reason: String,
        retry_in: Duration,
    },
    /// A process directory was shipped up to its end for now.
    Shipped {
        dir: PathBuf,
        lines: u64,
        messages: u64,
    },
    /// A process directory is completely acknowledged.
    Done {
        dir: PathBuf,
    },
    /// Bytes after the last complete line that will never be shipped: the
    /// run ended (or its process died) in the middle of a line.
    TornTail {
        path: PathBuf,
        bytes: u64,
    },
    /// A cursor that could not be read; shipping starts over (the collector
    /// drops what it already has).
    CursorReset {
        dir: PathBuf,
        reason: String,
    },
    /// A process whose manifest still says running, but which is gone.
    ProcessGone {
        dir: PathBuf,
        pid: u32,
    },
    /// The collector refused a message; nothing of it was written.
    Refused {
        reason: String,
    },
    /// The collector is missing lines of a file and cannot get them.
    Gap {
        file: String,
        after: u64,
        next: u64,
    },
    /// The collector wrote messages.
    Collected {
        messages: u64,
        lines: u64,
    },
    /// The watcher is subscribed: from now on it sees what is published.
    Watching {
        subject: String,
    },
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Connected { url } => write!(f, "connected to {url}"),
            Status::Retrying {
                what,
                attempt,
                reason,
                retry_in,
            } => write!(
                f,
                "waiting for the broker: {what}: {reason} (attempt {attempt}, retrying in {:.1}s)",
                retry_in.as_secs_f64()
            ),
            Status::Shipped {
                dir,
                lines,
                messages,
            } => write!(
                f,
                "{}: {lines} lines in {messages} messages acknowledged",
                dir.display()
            ),
            Status::Done { dir } => {
                write!(f, "{}: run ended and fully acknowledged", dir.display())
            }
            Status::TornTail { path, bytes } => write!(
                f,
                "{}: a torn last line of {bytes} bytes is not shipped",
                path.display()
            ),
            Status::CursorReset { dir, reason } => write!(
                f,
                "{}: {reason}; shipping from the start (the collector drops repeats)",
                dir.display()
            ),
            Status::ProcessGone { dir, pid } => write!(
                f,
                "{}: process {pid} is gone without finishing its manifest; its complete lines are shipped",
                dir.display()
            ),
            Status::Refused { reason } => write!(f, "refused: {reason}"),
            Status::Gap { file, after, next } => write!(
                f,
                "gap in {file}: nothing received between id {after} and id {next}; writing on"
            ),
            Status::Collected { messages, lines } => {
                write!(f, "collected {lines} lines in {messages} messages")
            }
            Status::Watching { subject } => write!(f, "watching {subject}"),
        }
    }
}

/// Where status lines go.
pub type StatusFn<'a> = &'a dyn Fn(&Status);
