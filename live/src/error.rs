//! The errors of forwarding, collecting and watching.

use std::io;
use std::path::PathBuf;

use crate::cursor::CursorError;
use crate::follow::FollowError;

/// A received message that cannot be written: it is acknowledged as
/// terminated (never redelivered), reported, and nothing of it is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("malformed subject `{subject}`: {reason}")]
    Subject { subject: String, reason: String },
    #[error("malformed message on `{subject}`: {reason}")]
    Malformed { subject: String, reason: String },
}

/// An error talking to the NATS server.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("cannot connect to {url} after {attempts} attempts over {secs:.1}s: {reason}")]
    Connect {
        url: String,
        attempts: u32,
        secs: f64,
        reason: String,
    },
    #[error(
        "stream `{stream}` does not exist on {url}; `basis-log collect` creates it, \
         or create it with subjects `basis.>`"
    )]
    StreamNotFound { stream: String, url: String },
    #[error("{op} on {url} failed: {reason}")]
    Request {
        op: &'static str,
        url: String,
        reason: String,
    },
    #[error("gave up after {attempts} attempts over {secs:.1}s to publish {msg_id}: {reason}")]
    GaveUp {
        msg_id: String,
        attempts: u32,
        secs: f64,
        reason: String,
    },
    #[error("the message {msg_id} ({bytes} bytes) is larger than the server accepts ({max} bytes)")]
    TooLarge {
        msg_id: String,
        bytes: usize,
        max: usize,
    },
}

/// An error of the forwarder.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error(transparent)]
    Nats(#[from] NatsError),
    #[error(transparent)]
    Follow(#[from] FollowError),
    #[error(transparent)]
    Cursor(#[from] CursorError),
    #[error(
        "`{0}` is neither a process directory (with metadata.json) nor a run directory holding some"
    )]
    NotARun(PathBuf),
    #[error("cannot read the run manifest `{path}`: {reason}")]
    Manifest { path: PathBuf, reason: String },
    #[error("cannot {op} `{path}`: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{path}` line {line}: {reason}; its lines cannot be given stable ids")]
    BadIds {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] io::Error),
}

/// An error of the collector.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Nats(#[from] NatsError),
    #[error("cannot {op} `{path}`: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] io::Error),
    #[error(transparent)]
    Retention(#[from] basis_events::run_dir::RunDirError),
}
