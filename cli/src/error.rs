//! The errors of every `basis-log` command: each names the file and the problem.

use std::path::PathBuf;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a `basis-log` command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path is not a run directory of the guide's tree. Path and
    /// reason are escaped: a directory name can hold a newline.
    #[error(
        "`{}` is not a run directory: {}; expected `logs/{{correlation_id}}/{{pid}}` \
         (with `events/`) or `logs/{{correlation_id}}`",
        crate::output::terminal_safe(&path.display().to_string()),
        crate::output::terminal_safe(reason)
    )]
    NotARun { path: PathBuf, reason: String },

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The run report could not be written.
    #[error(transparent)]
    Report(#[from] basis_report::ReportError),

    /// The target exists and `--force` was not given.
    #[error(
        "`{}` already exists; pass --force to replace it (only what basis-log wrote is ever replaced)",
        path.display()
    )]
    ResultsExist { path: PathBuf },

    /// Another process is writing the same target right now.
    #[error(
        "`{}` is being written by another basis-log process (it holds `{}`); try again when it is done",
        path.display(), lock.display()
    )]
    Busy { path: PathBuf, lock: PathBuf },

    /// An id or path that would reach the file system is not acceptable.
    #[error("invalid {what} `{value}`: {reason}")]
    BadName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },

    /// A line of an event file that is not a valid event.
    #[error("{}:{line}: {reason}", path.display())]
    BadLine {
        path: PathBuf,
        line: u64,
        reason: String,
    },

    /// A JSON file (a manifest or a schema) that cannot be read.
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    /// Writing a CSV file failed.
    #[error("{}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },

    /// Writing a Parquet file failed.
    #[error("{}: {source}", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },

    /// Building an Arrow batch failed.
    #[error("{}: {source}", path.display())]
    Arrow {
        path: PathBuf,
        #[source]
        source: arrow_schema::ArrowError,
    },

    /// An event's JSON Schema could not be compiled.
    #[error("schema of {event}: {reason}")]
    Schema { event: String, reason: String },

    /// Creating or finishing a run directory failed.
    #[error(transparent)]
    RunDir(#[from] basis_events::run_dir::RunDirError),

    /// The domain event logger failed.
    #[error(transparent)]
    Log(#[from] basis_events::LogError),

    /// The run cannot be opened by the library reader.
    #[error(transparent)]
    Open(#[from] basis_events::reader::OpenError),

    /// A problem of the run that ends a strict read.
    #[error(transparent)]
    Read(#[from] basis_events::reader::Problem),

    /// A query asked for something the run does not have.
    #[error("{0}")]
    NotFound(String),

    /// A command-line argument that makes no sense.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
