//! What can stop a report from being written.
//!
//! Damaged input is not among them: a missing event file, a torn last line or
//! a line that does not parse becomes a [`Gap`](crate::Gap) stated on the
//! page, because a partial run is exactly when an analyst needs the report.
//! Only a path that is not a run at all, an unreadable directory, a chart the
//! drawing library refuses, or an output that cannot be written is an error.

use std::io;
use std::path::PathBuf;

/// Why no report could be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The path is neither `logs/{correlation_id}/{pid}` nor
    /// `logs/{correlation_id}`.
    #[error("`{}` is not a run directory: {reason}", path.display())]
    NotARun { path: PathBuf, reason: String },

    /// The report file could not be written.
    #[error("cannot write the report to `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The temporary files that group a run's operation attempts (so that
    /// memory does not grow with the run) could not be written or read.
    #[error(
        "cannot sort the run's operations in a temporary file (TMPDIR names where they go): {source}"
    )]
    Spill {
        #[source]
        source: io::Error,
    },

    /// The drawing library failed to draw a chart.
    #[error("cannot draw the chart `{chart}`: {message}")]
    Chart { chart: String, message: String },
}

impl ReportError {
    pub(crate) fn write(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> ReportError {
        let path = path.into();
        move |source| ReportError::Write { path, source }
    }
}
