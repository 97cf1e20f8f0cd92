//! What can go wrong while logging, how it is counted, and how it is reported.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::DuplicateEvent;

/// An error from a logger: returned by `emit`, `flush` and `shutdown`,
/// counted per [`ErrorKind`], and printed on stderr the first time its kind
/// occurs. No logger method panics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The logger was shut down; the event was not written.
    #[error("the logger was shut down; the event was not written")]
    Shutdown,
    /// The event holds a NaN or an infinity, which JSON cannot represent.
    #[error(
        "event `{event}` was not written: field `{field}` is {value}, and JSON has no NaN or \
         infinity; log a finite number, or an Option set to None"
    )]
    NonFinite {
        event: &'static str,
        field: String,
        value: f64,
    },
    /// The event could not be serialized as one JSON object.
    #[error("event `{event}` was not written: it cannot be serialized as a JSON object: {source}")]
    Serialize {
        event: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// The event's file was not registered when the logger was created.
    #[error(
        "event `{event}` writes `{file}`, which no event registered with #[domain_event] \
         claims; declare the event with #[domain_event]"
    )]
    UnknownEvent {
        event: &'static str,
        file: &'static str,
    },
    /// A symbolic link stands where a log file should be; it is never followed.
    #[error(
        "refusing to open `{path}`: it is a symbolic link or not a regular file, and log files never follow links"
    )]
    Symlink { path: PathBuf },
    /// An I/O operation failed.
    #[error("cannot {op} `{path}`: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Buffered events could not be written and are gone; `cause` says why.
    #[error("{events} buffered event(s) of `{path}` were lost: {cause}")]
    Lost {
        path: PathBuf,
        events: u64,
        #[source]
        cause: Box<LogError>,
    },
    /// A registered event's file is not a plain file name, so writing it
    /// could leave `events/`; the logger was not started.
    #[error(
        "event `{event}` writes `{}`, which is not a plain file name: {reason}; \
         nothing was created",
        .file.escape_debug()
    )]
    BadFileName {
        event: &'static str,
        file: &'static str,
        reason: &'static str,
    },
    /// Several errors met by one flush, in different files (or of
    /// different kinds), in the order met; together they name every event
    /// lost since the previous flush.
    #[error("{} errors: {}", .0.len(), join_errors(.0))]
    Several(Vec<LogError>),
    /// Two registered events claim one name or one file.
    #[error(transparent)]
    DuplicateEvent(#[from] DuplicateEvent),
    /// A component's log or logger was given a code of another component,
    /// or an event another component logs; nothing was written.
    #[error(
        "{what} was not written by `{emitter}`: it belongs to `{owner}`; \
         log it through `{owner}`'s logger"
    )]
    WrongComponent {
        /// What was refused: ``error code `RISK-001` `` or ``event `PositionSnapshot` ``.
        what: String,
        /// The component whose logger was used.
        emitter: &'static str,
        /// The component the code or event belongs to.
        owner: &'static str,
    },
}

impl LogError {
    pub(crate) fn io(op: &'static str, path: &Path, source: io::Error) -> LogError {
        if source.raw_os_error() == Some(libc::ELOOP) {
            return LogError::Symlink {
                path: path.to_owned(),
            };
        }
        LogError::Io {
            op,
            path: path.to_owned(),
            source,
        }
    }

    /// The kind this error is counted under.
    pub fn kind(&self) -> ErrorKind {
        match self {
            LogError::Shutdown => ErrorKind::Shutdown,
            LogError::NonFinite { .. } => ErrorKind::NonFinite,
            LogError::Serialize { .. } => ErrorKind::Serialize,
            LogError::UnknownEvent { .. } => ErrorKind::UnknownEvent,
            LogError::Symlink { .. } => ErrorKind::Symlink,
            LogError::Io { source, .. } => match source.kind() {
                // A file-size limit (`RLIMIT_FSIZE`, `EFBIG`) is a full disk
                // for this file: the same loss, the same recovery.
                io::ErrorKind::StorageFull
                | io::ErrorKind::QuotaExceeded
                | io::ErrorKind::FileTooLarge => ErrorKind::StorageFull,
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                    ErrorKind::PermissionDenied
                }
                io::ErrorKind::NotFound => ErrorKind::NotFound,
                _ => ErrorKind::Io,
            },
            LogError::Lost { cause, .. } => cause.kind(),
            LogError::Several(errors) => errors.first().map_or(ErrorKind::Io, LogError::kind),
            LogError::DuplicateEvent(_)
            | LogError::BadFileName { .. }
            | LogError::WrongComponent { .. } => ErrorKind::Config,
        }
    }

    /// How many buffered events this error cost (0 when it refused a single
    /// event, which the caller still has).
    pub fn lost_events(&self) -> u64 {
        match self {
            LogError::Lost { events, .. } => *events,
            LogError::Several(errors) => errors.iter().map(LogError::lost_events).sum(),
            _ => 0,
        }
    }

    /// Adds `next` to the errors met so far, so that none is dropped: losses
    /// of one file add up into one [`LogError::Lost`], anything else is kept
    /// beside them in [`LogError::Several`].
    pub(crate) fn combine(so_far: Option<LogError>, next: LogError) -> LogError {
        let Some(so_far) = so_far else {
            return next;
        };
        let mut errors = match so_far {
            LogError::Several(errors) => errors,
            single => vec![single],
        };
        match next {
            LogError::Several(more) => {
                for error in more {
                    push_merged(&mut errors, error);
                }
            }
            next => push_merged(&mut errors, next),
        }
        if errors.len() == 1 {
            errors.pop().expect("one error")
        } else {
            LogError::Several(errors)
        }
    }
}

/// Appends `next`, adding a file's loss to an earlier loss of the same file.
fn push_merged(errors: &mut Vec<LogError>, next: LogError) {
    if let LogError::Lost {
        path, events: more, ..
    } = &next
        && let Some(LogError::Lost { events, .. }) = errors
            .iter_mut()
            .find(|e| matches!(e, LogError::Lost { path: p, .. } if p == path))
    {
        *events += more;
        return;
    }
    errors.push(next);
}

fn join_errors(errors: &[LogError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The kinds errors are counted and reported under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    Shutdown,
    NonFinite,
    Serialize,
    UnknownEvent,
    Symlink,
    /// Disk or quota full (`ENOSPC`, `EDQUOT`), or a file-size limit met
    /// (`EFBIG`).
    StorageFull,
    PermissionDenied,
    /// A file or directory is gone, such as a run directory removed under a
    /// running logger.
    NotFound,
    /// A log file was removed or replaced while open; it was reopened.
    FileReplaced,
    Io,
    Config,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::Shutdown,
        ErrorKind::NonFinite,
        ErrorKind::Serialize,
        ErrorKind::UnknownEvent,
        ErrorKind::Symlink,
        ErrorKind::StorageFull,
        ErrorKind::PermissionDenied,
        ErrorKind::NotFound,
        ErrorKind::FileReplaced,
        ErrorKind::Io,
        ErrorKind::Config,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// How many errors of each kind a logger has met, and how many events it lost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorCounts {
    counts: Vec<(ErrorKind, u64)>,
}

impl ErrorCounts {
    /// How many errors of `kind` occurred.
    pub fn get(&self, kind: ErrorKind) -> u64 {
        self.counts
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }

    /// Every kind that occurred, with its count.
    pub fn iter(&self) -> impl Iterator<Item = (ErrorKind, u64)> + '_ {
        self.counts.iter().copied()
    }

    /// The total over every kind.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// Counts errors per kind and prints the first of each kind on stderr.
pub(crate) struct ErrorReporter {
    what: String,
    counts: [AtomicU64; ErrorKind::ALL.len()],
}

impl ErrorReporter {
    pub(crate) fn new(what: String) -> Self {
        ErrorReporter {
            what,
            counts: Default::default(),
        }
    }

    /// Counts `error`; prints it if it is the first of its kind.
    pub(crate) fn report(&self, error: &LogError) {
        self.report_kind(error.kind(), error);
    }

    pub(crate) fn report_kind(&self, kind: ErrorKind, error: &dyn fmt::Display) {
        let before = self.counts[kind.index()].fetch_add(1, Ordering::Relaxed);
        if before == 0 {
            eprintln!(
                "basis-events: {}: {error} (further {kind} errors of this logger are counted, not printed)",
                self.what
            );
        }
    }

    pub(crate) fn counts(&self) -> ErrorCounts {
        ErrorCounts {
            counts: ErrorKind::ALL
                .iter()
                .map(|kind| (*kind, self.counts[kind.index()].load(Ordering::Relaxed)))
                .filter(|(_, n)| *n > 0)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Each test names the mutant of this file it was seen to fail on
    //! (`reliability/MUTANTS.md`, the logger's leftovers).

    use super::*;

    fn lost(path: &str, events: u64) -> LogError {
        LogError::Lost {
            path: PathBuf::from(path),
            events,
            cause: Box::new(LogError::io(
                "write",
                Path::new(path),
                io::Error::from_raw_os_error(libc::ENOSPC),
            )),
        }
    }

    fn io_error(kind: io::ErrorKind) -> LogError {
        LogError::io("open", Path::new("events/a.jsonl"), io::Error::from(kind))
    }

    /// Mutant: the `PermissionDenied | ReadOnlyFilesystem` arm of
    /// `LogError::kind` deleted (both counted as plain `Io`).
    #[test]
    fn io_errors_are_counted_under_the_kind_their_cause_names() {
        let cases = [
            (io::ErrorKind::PermissionDenied, ErrorKind::PermissionDenied),
            (
                io::ErrorKind::ReadOnlyFilesystem,
                ErrorKind::PermissionDenied,
            ),
            (io::ErrorKind::StorageFull, ErrorKind::StorageFull),
            (io::ErrorKind::QuotaExceeded, ErrorKind::StorageFull),
            (io::ErrorKind::FileTooLarge, ErrorKind::StorageFull),
            (io::ErrorKind::NotFound, ErrorKind::NotFound),
            (io::ErrorKind::Interrupted, ErrorKind::Io),
        ];
        for (cause, kind) in cases {
            assert_eq!(io_error(cause).kind(), kind, "{cause:?}");
        }
        let symlink = LogError::io(
            "open",
            Path::new("a"),
            io::Error::from_raw_os_error(libc::ELOOP),
        );
        assert_eq!(symlink.kind(), ErrorKind::Symlink);
        assert_eq!(lost("a", 1).kind(), ErrorKind::StorageFull);
        assert_eq!(
            LogError::Several(vec![io_error(io::ErrorKind::NotFound), lost("a", 1)]).kind(),
            ErrorKind::NotFound
        );
    }

    /// Mutant: the `Several` arm of `LogError::lost_events` deleted (a flush
    /// that lost events in two files reports none).
    #[test]
    fn several_errors_lose_the_sum_of_their_events() {
        let several = LogError::Several(vec![
            lost("a", 3),
            io_error(io::ErrorKind::NotFound),
            lost("b", 4),
        ]);
        assert_eq!(several.lost_events(), 7);
        assert_eq!(io_error(io::ErrorKind::NotFound).lost_events(), 0);
    }

    /// Mutants: `push_merged` doing nothing, its `+=` as `-=` or `*=`, and
    /// `combine`'s `len() == 1` as `!=` (one loss wrapped in `Several`).
    #[test]
    fn losses_of_one_file_add_up_and_other_errors_are_kept_beside_them() {
        assert!(matches!(
            LogError::combine(None, lost("a", 2)),
            LogError::Lost { events: 2, .. }
        ));
        let merged = LogError::combine(Some(lost("a", 2)), lost("a", 3));
        let LogError::Lost { path, events, .. } = &merged else {
            panic!("one file's losses must stay one `Lost`: {merged:?}");
        };
        assert_eq!((path.as_path(), *events), (Path::new("a"), 5));

        let mixed = LogError::combine(Some(merged), io_error(io::ErrorKind::NotFound));
        let mixed = LogError::combine(
            Some(mixed),
            LogError::Several(vec![lost("b", 1), lost("a", 4)]),
        );
        let LogError::Several(errors) = &mixed else {
            panic!("errors of different files must all be kept: {mixed:?}");
        };
        let summary: Vec<(ErrorKind, u64)> =
            errors.iter().map(|e| (e.kind(), e.lost_events())).collect();
        assert_eq!(
            summary,
            [
                (ErrorKind::StorageFull, 9),
                (ErrorKind::NotFound, 0),
                (ErrorKind::StorageFull, 1),
            ]
        );
        assert_eq!(mixed.lost_events(), 10);
    }

    /// Mutants: `join_errors` returning `""` or `"xyzzy"` (the message of
    /// `Several` names none of its errors).
    #[test]
    fn several_errors_print_every_one_in_order() {
        let several = LogError::Several(vec![lost("a.jsonl", 2), LogError::Shutdown]);
        assert_eq!(
            several.to_string(),
            "2 errors: 2 buffered event(s) of `a.jsonl` were lost: cannot write `a.jsonl`: \
             No space left on device (os error 28); the logger was shut down; the event was \
             not written"
        );
    }

    /// Mutant: `ErrorKind`'s `Display` writing nothing (the stderr line
    /// "further  errors of this logger" names no kind).
    #[test]
    fn a_kind_displays_as_its_name() {
        let names: Vec<String> = ErrorKind::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(names[0], "Shutdown");
        assert_eq!(names[5], "StorageFull");
        assert_eq!(names[10], "Config");
    }

    /// Mutants: `ErrorKind::index` returning 0 or 1 (every kind counted in
    /// one slot), `ErrorCounts::iter` empty, `ErrorCounts::total` 0, and
    /// `counts`' `> 0` as `>= 0` (kinds never met listed with 0).
    #[test]
    fn the_reporter_counts_each_kind_apart_and_lists_only_the_kinds_met() {
        let reporter = ErrorReporter::new("test logger".to_owned());
        assert_eq!(reporter.counts(), ErrorCounts::default());
        assert_eq!(reporter.counts().iter().count(), 0);
        reporter.report(&io_error(io::ErrorKind::StorageFull));
        reporter.report(&lost("a", 5));
        reporter.report(&LogError::Shutdown);
        reporter.report_kind(ErrorKind::FileReplaced, &"a.jsonl was replaced");
        let counts = reporter.counts();
        assert_eq!(
            counts.iter().collect::<Vec<_>>(),
            [
                (ErrorKind::Shutdown, 1),
                (ErrorKind::StorageFull, 2),
                (ErrorKind::FileReplaced, 1),
            ]
        );
        assert_eq!(counts.get(ErrorKind::StorageFull), 2);
        assert_eq!(counts.get(ErrorKind::Io), 0);
        assert_eq!(counts.total(), 4);
    }
}
