//! Opening a run: its processes, their manifests and catalogs, and the event
//! files of each, with every entry that is not read reported by path.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::bounded::DEFAULT_LINE_LIMIT;
use super::open::{OpenFailure, SkipReason, open_regular, read_small, refuse};
use super::position::Place;
use super::problem::Problem;
use super::segments::parse_segment;
use super::snapshot::{Frozen, FrozenReader, Listed, freeze};
use crate::model::run_catalog::{CATALOG_FILE, RunCatalog};
use crate::run_dir::{MANIFEST_FILE, RunDirError, RunManifest, validate_id};

/// The directory of event files in a process directory.
///
/// ```
/// assert_eq!(basis_events::reader::EVENTS_DIR, "events");
/// ```
pub const EVENTS_DIR: &str = "events";

/// Whether a read stops at the first [`Problem`] or reports it and goes on.
///
/// ```
/// use basis_events::reader::{Mode, ReadOptions};
///
/// assert_eq!(Mode::default(), Mode::Lenient);
/// assert_eq!(ReadOptions::new().with_mode(Mode::Strict).mode(), Mode::Strict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Yield each problem as an `Err` item and go on reading.
    #[default]
    Lenient,
    /// Return the first problem as the error that ends the read.
    Strict,
}

/// How a run is read: the [`Mode`] and the line limit.
///
/// ```
/// use basis_events::reader::{Mode, ReadOptions};
///
/// let options = ReadOptions::new().strict().line_limit(1 << 20);
/// assert_eq!(options.mode(), Mode::Strict);
/// assert_eq!(options.limit(), 1 << 20);
/// assert_eq!(ReadOptions::new().limit(), 16 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct ReadOptions {
    mode: Mode,
    line_limit: usize,
    snapshot: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mode: Mode::Lenient,
            line_limit: DEFAULT_LINE_LIMIT,
            snapshot: false,
        }
    }
}

impl ReadOptions {
    /// Lenient, with the default 16 MiB line limit.
    ///
    /// ```
    /// # use basis_events::reader::{Mode, ReadOptions};
    /// assert_eq!(ReadOptions::new().mode(), Mode::Lenient);
    /// ```
    pub fn new() -> Self {
        ReadOptions::default()
    }

    /// Stop at the first problem.
    ///
    /// ```
    /// # use basis_events::reader::{Mode, ReadOptions};
    /// assert_eq!(ReadOptions::new().strict().mode(), Mode::Strict);
    /// ```
    pub fn strict(self) -> Self {
        self.with_mode(Mode::Strict)
    }

    /// Sets the mode.
    ///
    /// ```
    /// # use basis_events::reader::{Mode, ReadOptions};
    /// assert_eq!(ReadOptions::new().strict().with_mode(Mode::Lenient).mode(), Mode::Lenient);
    /// ```
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The longest line read, in bytes without its `\n`. A longer line is a
    /// [`Problem::TooLong`] and is never held in memory.
    ///
    /// ```
    /// # use basis_events::reader::ReadOptions;
    /// assert_eq!(ReadOptions::new().line_limit(4096).limit(), 4096);
    /// ```
    pub fn line_limit(mut self, bytes: usize) -> Self {
        self.line_limit = bytes;
        self
    }

    /// Reads a run that may still be written as one consistent snapshot:
    /// every segment is opened when the run is opened and read up to its
    /// last complete line at that moment, however often it is read again;
    /// later appends, rotations and retention change nothing read. Each
    /// event file's active file is opened first and its segments found
    /// after, by number, so a rotation during the open loses nothing (one
    /// between the listing and the open is reported as a
    /// [`Notice::Rotated`]); a segment removed before it was opened is a
    /// [`Problem`], and a partial last line is a torn tail, as always.
    ///
    /// It holds each event file's active file open for the life of the
    /// [`Run`]; rotated segments are reopened by path and checked by inode.
    ///
    /// ```
    /// # use basis_events::reader::ReadOptions;
    /// assert!(ReadOptions::new().snapshot().is_snapshot());
    /// assert!(!ReadOptions::new().is_snapshot());
    /// ```
    pub fn snapshot(mut self) -> Self {
        self.snapshot = true;
        self
    }

    /// Whether [`ReadOptions::snapshot`] is set.
    pub fn is_snapshot(&self) -> bool {
        self.snapshot
    }

    /// The mode.
    ///
    /// ```
    /// # use basis_events::reader::{Mode, ReadOptions};
    /// assert_eq!(ReadOptions::default().mode(), Mode::Lenient);
    /// ```
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The line limit in bytes.
    ///
    /// ```
    /// # use basis_events::reader::ReadOptions;
    /// assert_eq!(ReadOptions::default().limit(), 16 * 1024 * 1024);
    /// ```
    pub fn limit(&self) -> usize {
        self.line_limit
    }
}

/// A path that cannot be opened as a run at all.
///
/// ```
/// use basis_events::reader::{OpenError, Run};
///
/// let err = Run::open(std::path::Path::new("/no/such/run")).unwrap_err();
/// assert!(matches!(err, OpenError::NotARun { reason: "it does not exist", .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Not a process directory and not a correlation directory holding one.
    #[error("`{}` is not a run: {reason}", path.display())]
    NotARun { path: PathBuf, reason: &'static str },
    /// The correlation id or pid in the path is not a valid id.
    #[error("`{}` is not a run: {source}", path.display())]
    InvalidId {
        path: PathBuf,
        #[source]
        source: RunDirError,
    },
    /// The directory cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The running binary's own catalog, needed for a run without
    /// `catalog.json`, declares two events, components or codes alike.
    #[error("the catalog of this binary is invalid: {0}")]
    Catalog(#[from] crate::model::run_catalog::DuplicateDeclaration),
}

/// Something the reader wants the user to know that is not a problem of
/// the run's lines: the run is still read in full.
///
/// ```
/// use basis_events::reader::Notice;
///
/// let notice = Notice::CatalogFallback { dir: "logs/abc123/7".into() };
/// assert!(notice.to_string().contains("catalog.json"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Notice {
    /// The process has no `metadata.json`: its status, mode and capital are
    /// unknown (a crash before the manifest was written, or a copied run).
    #[error("{}: no metadata.json; the run's status and settings are unknown", dir.display())]
    NoManifest { dir: PathBuf },
    /// The process has no `catalog.json` (written before catalogs existed):
    /// its files are read with the running binary's catalog.
    #[error("{}: no catalog.json; read with this binary's catalog", dir.display())]
    CatalogFallback { dir: PathBuf },
    /// A snapshot ([`ReadOptions::snapshot`]) found the active file rotated
    /// between listing and opening: its lines are read from `rotated_to`,
    /// with the segments that followed it up to the active file opened.
    #[error(
        "{}: rotated to {} while the run was being opened; read from there",
        path.display(),
        rotated_to.display()
    )]
    Rotated { path: PathBuf, rotated_to: PathBuf },
}

/// An open run: one correlation id and the processes read from it.
///
/// ```
/// use basis_events::reader::Run;
///
/// let root = tempfile::tempdir()?;
/// let events = root.path().join("abc123/7/events");
/// std::fs::create_dir_all(&events)?;
/// std::fs::write(events.join("positions.jsonl"), "")?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// assert_eq!(run.correlation_id(), "abc123");
/// assert_eq!(run.processes()[0].pid(), 7);
/// assert_eq!(run.processes()[0].files()[0].event(), "PositionSnapshot");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Run {
    dir: PathBuf,
    correlation_id: String,
    processes: Vec<Process>,
    problems: Vec<Problem>,
    notices: Vec<Notice>,
    options: ReadOptions,
}

/// One process of a run: `logs/{correlation_id}/{pid}`.
///
/// ```
/// # use basis_events::reader::Run;
/// # let root = tempfile::tempdir()?;
/// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// let process = &run.processes()[0];
/// assert_eq!((process.pid(), process.files().len()), (7, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Process {
    pid: u32,
    dir: PathBuf,
    manifest: Option<RunManifest>,
    catalog: Arc<RunCatalog>,
    catalog_from_run: bool,
    files: Vec<EventFile>,
}

/// One event file of one process, with its segments in reading order.
///
/// ```
/// # use basis_events::reader::Run;
/// # let root = tempfile::tempdir()?;
/// # let events = root.path().join("abc123/7/events");
/// # std::fs::create_dir_all(&events)?;
/// std::fs::write(events.join("risk_assessments.jsonl"), "")?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// let file = &run.processes()[0].files()[0];
/// assert_eq!((file.file(), file.event()), ("risk_assessments.jsonl", "RiskAssessment"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct EventFile {
    file: String,
    event: Arc<str>,
    version: u32,
    segments: Vec<Segment>,
}

/// One segment of an event file: a numbered rotated one, or the active file.
///
/// ```
/// # use basis_events::reader::Run;
/// # let root = tempfile::tempdir()?;
/// # let events = root.path().join("abc123/7/events");
/// # std::fs::create_dir_all(&events)?;
/// std::fs::write(events.join("positions.4.jsonl"), "")?;
/// let run = Run::open(&root.path().join("abc123"))?;
/// assert_eq!(run.processes()[0].files()[0].segments()[0].number(), Some(4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Segment {
    place: Arc<Place>,
    /// The open file, in a snapshot.
    frozen: Option<Frozen>,
}

impl Run {
    /// Opens `path` leniently with the default line limit.
    ///
    /// `path` is a process directory (`logs/{correlation_id}/{pid}`, the one
    /// holding `events/`, or that `events/` itself) or a correlation
    /// directory (`logs/{correlation_id}`, every process in it, by pid). The path itself may pass through links
    /// (it is the user's choice); nothing inside it is ever followed.
    ///
    /// # Errors
    ///
    /// [`OpenError`] when `path` is not a run. Problems of entries inside the
    /// run do not fail the open: they are in [`Run::problems`].
    ///
    /// ```
    /// use basis_events::reader::{OpenError, Run};
    ///
    /// let dir = tempfile::tempdir()?;
    /// assert!(matches!(Run::open(dir.path()), Err(OpenError::NotARun { .. })));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn open(path: &Path) -> Result<Run, OpenError> {
        Run::open_with(path, ReadOptions::default())
    }

    /// Opens `path` with `options`; see [`Run::open`].
    ///
    /// # Errors
    ///
    /// [`OpenError`] when `path` is not a run.
    ///
    /// ```
    /// use basis_events::reader::{ReadOptions, Run};
    ///
    /// let root = tempfile::tempdir()?;
    /// std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open_with(&root.path().join("abc123/7"), ReadOptions::new().strict())?;
    /// assert_eq!(run.processes().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_with(path: &Path, options: ReadOptions) -> Result<Run, OpenError> {
        let io_err = |source| OpenError::Io {
            path: path.to_owned(),
            source,
        };
        let meta = fs::metadata(path).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => OpenError::NotARun {
                path: path.to_owned(),
                reason: "it does not exist",
            },
            _ => io_err(err),
        })?;
        if !meta.is_dir() {
            return Err(OpenError::NotARun {
                path: path.to_owned(),
                reason: "it is not a directory",
            });
        }
        // Canonical, so `.` and trailing slashes still give the names.
        let mut dir = path.canonicalize().map_err(io_err)?;
        // A process's `events/` directory stands for the process.
        if name_of(&dir).as_deref() == Some(EVENTS_DIR)
            && fs::symlink_metadata(dir.join(EVENTS_DIR)).is_err()
            && let Some(process) = dir.parent()
        {
            dir = process.to_owned();
        }
        let mut opener = Opener {
            options,
            problems: Vec::new(),
            notices: Vec::new(),
            fallback: OnceLock::new(),
        };
        let (correlation_id, processes) = if fs::symlink_metadata(dir.join(EVENTS_DIR)).is_ok() {
            let pid = pid_of(&dir).ok_or(OpenError::NotARun {
                path: path.to_owned(),
                reason: "its name is not a pid, and a process directory is named by its pid",
            })?;
            let correlation_id =
                name_of(dir.parent().unwrap_or(&dir)).ok_or(OpenError::NotARun {
                    path: path.to_owned(),
                    reason: "it has no correlation directory above it",
                })?;
            (correlation_id, vec![opener.process(pid, dir.clone())?])
        } else {
            let correlation_id = name_of(&dir).ok_or(OpenError::NotARun {
                path: path.to_owned(),
                reason: "its name is not UTF-8",
            })?;
            let processes = opener.processes(&dir)?;
            if processes.is_empty() {
                return Err(OpenError::NotARun {
                    path: path.to_owned(),
                    reason: "it has no `events/` directory and no process directory with one",
                });
            }
            (correlation_id, processes)
        };
        validate_id(&correlation_id).map_err(|source| OpenError::InvalidId {
            path: path.to_owned(),
            source,
        })?;
        Ok(Run {
            dir,
            correlation_id,
            processes,
            problems: opener.problems,
            notices: opener.notices,
            options,
        })
    }

    /// The run's directory, canonical: the correlation or process directory opened.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open(&root.path().join("abc123/7"))?;
    /// assert!(run.dir().ends_with("abc123/7"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The correlation id: the name of the correlation directory. Every line
    /// must carry it.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// assert_eq!(Run::open(&root.path().join("abc123/7"))?.correlation_id(), "abc123");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    /// The processes, by increasing pid.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # for pid in ["12", "3"] { std::fs::create_dir_all(root.path().join("abc123").join(pid).join("events"))?; }
    /// let pids: Vec<u32> = Run::open(&root.path().join("abc123"))?.processes().iter().map(|p| p.pid()).collect();
    /// assert_eq!(pids, [3, 12]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn processes(&self) -> &[Process] {
        &self.processes
    }

    /// The problems found while opening: entries skipped (links, special
    /// files, names that are not UTF-8, unknown files), corrupt manifests
    /// and catalogs. Every read of the run yields them first, too.
    ///
    /// ```
    /// # use basis_events::reader::{Problem, Run};
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("notes.jsonl"), "")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert!(matches!(&run.problems()[0], Problem::UnknownFile { file, .. } if file == "notes.jsonl"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// What the user should know that is not a problem: a missing manifest,
    /// a catalog taken from this binary.
    ///
    /// ```
    /// # use basis_events::reader::{Notice, Run};
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert!(run.notices().iter().any(|n| matches!(n, Notice::NoManifest { .. })));
    /// assert!(run.notices().iter().any(|n| matches!(n, Notice::CatalogFallback { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The options the run was opened with.
    ///
    /// ```
    /// # use basis_events::reader::{Mode, ReadOptions, Run};
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open_with(&root.path().join("abc123"), ReadOptions::new().strict())?;
    /// assert_eq!(run.options().mode(), Mode::Strict);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(&self) -> ReadOptions {
        self.options
    }
}

impl Process {
    /// The pid: the directory's name.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// assert_eq!(Run::open(&root.path().join("abc123"))?.processes()[0].pid(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `logs/{correlation_id}/{pid}`.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// assert!(Run::open(&root.path().join("abc123"))?.processes()[0].dir().ends_with("abc123/7"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The typed manifest, `None` when it is missing (a [`Notice`]) or
    /// corrupt (a [`Problem::BadManifest`]).
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// std::fs::write(root.path().join("abc123/7/metadata.json"), "{not json")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert!(run.processes()[0].manifest().is_none());
    /// assert!(run.problems()[0].to_string().contains("not a valid run manifest"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manifest(&self) -> Option<&RunManifest> {
        self.manifest.as_ref()
    }

    /// The catalog the process's files are read with: its own `catalog.json`,
    /// or this binary's (see [`Process::catalog_from_run`]).
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert!(run.processes()[0].catalog().event_named("PositionSnapshot").is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn catalog(&self) -> &RunCatalog {
        &self.catalog
    }

    /// Whether the catalog is the run's own `catalog.json` (false: this
    /// binary's, as a [`Notice::CatalogFallback`] says).
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # use basis_events::model::run_catalog::RunCatalog;
    /// # let root = tempfile::tempdir()?;
    /// # std::fs::create_dir_all(root.path().join("abc123/7/events"))?;
    /// let catalog = serde_json::to_vec(&RunCatalog::of_this_binary()?)?;
    /// std::fs::write(root.path().join("abc123/7/catalog.json"), catalog)?;
    /// assert!(Run::open(&root.path().join("abc123"))?.processes()[0].catalog_from_run());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn catalog_from_run(&self) -> bool {
        self.catalog_from_run
    }

    /// The event files the catalog names, by file name.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.1.jsonl"), "")?;
    /// std::fs::write(events.join("positions.jsonl"), "")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// assert_eq!(run.processes()[0].files()[0].segments().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn files(&self) -> &[EventFile] {
        &self.files
    }
}

impl EventFile {
    /// The file name under `events/`: `positions.jsonl`.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// # std::fs::write(events.join("positions.jsonl"), "")?;
    /// # let run = Run::open(&root.path().join("abc123"))?;
    /// assert_eq!(run.processes()[0].files()[0].file(), "positions.jsonl");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The event the catalog says the file holds: `PositionSnapshot`.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// # std::fs::write(events.join("operation_executions.jsonl"), "")?;
    /// # let run = Run::open(&root.path().join("abc123"))?;
    /// assert_eq!(run.processes()[0].files()[0].event(), "OperationExecutionEvent");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The segments, oldest first: numbered ones by number, then the active file.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// for name in ["positions.jsonl", "positions.10.jsonl", "positions.2.jsonl"] {
    ///     std::fs::write(events.join(name), "")?;
    /// }
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let numbers: Vec<_> = run.processes()[0].files()[0].segments().iter().map(|s| s.number()).collect();
    /// assert_eq!(numbers, [Some(2), Some(10), None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The schema version its lines were written under, from the process's
    /// catalog (or its manifest's `schema_versions`, for a run without one).
    pub fn version(&self) -> u32 {
        self.version
    }

    pub(crate) fn shared_event(&self) -> &Arc<str> {
        &self.event
    }
}

impl Segment {
    /// The segment's path.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// # std::fs::write(events.join("positions.1.jsonl"), "")?;
    /// # let run = Run::open(&root.path().join("abc123"))?;
    /// assert!(run.processes()[0].files()[0].segments()[0].path().ends_with("positions.1.jsonl"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.place.path
    }

    /// Its number, `None` for the active file.
    ///
    /// ```
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// # std::fs::write(events.join("positions.jsonl"), "")?;
    /// # let run = Run::open(&root.path().join("abc123"))?;
    /// assert_eq!(run.processes()[0].files()[0].segments()[0].number(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn number(&self) -> Option<u64> {
        self.place.segment
    }

    pub(crate) fn place(&self) -> &Arc<Place> {
        &self.place
    }

    /// Whether the segment is held open by a snapshot.
    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }

    /// Opens the segment for reading: its snapshot when the run was opened
    /// as one, otherwise the file at its path, only if it is a regular file.
    ///
    /// # Errors
    ///
    /// The [`Problem`] that says why it cannot be read.
    ///
    /// ```
    /// # use std::io::Read;
    /// # use basis_events::reader::Run;
    /// # let root = tempfile::tempdir()?;
    /// # let events = root.path().join("abc123/7/events");
    /// # std::fs::create_dir_all(&events)?;
    /// std::fs::write(events.join("positions.jsonl"), "{}\n")?;
    /// let run = Run::open(&root.path().join("abc123"))?;
    /// let mut text = String::new();
    /// run.processes()[0].files()[0].segments()[0].open()?.read_to_string(&mut text)?;
    /// assert_eq!(text, "{}\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(&self) -> Result<SegmentReader, Problem> {
        if let Some(frozen) = &self.frozen {
            return Ok(SegmentReader(Source::Frozen(frozen.reader(self.path())?)));
        }
        open_regular(self.path())
            .map(|file| SegmentReader(Source::File(file)))
            .map_err(|failure| {
                failure.into_problem(
                    self.path(),
                    "the segment disappeared after the run was opened (rotated or removed)",
                )
            })
    }
}

/// The bytes of one segment, from [`Segment::open`].
#[derive(Debug)]
pub struct SegmentReader(Source);

#[derive(Debug)]
enum Source {
    File(fs::File),
    Frozen(FrozenReader),
}

impl SegmentReader {
    /// The open file and how far it may be read (a snapshot's length; `None`
    /// for a file read to its end), for positional reads of several parts
    /// of it at once.
    pub(crate) fn file_and_limit(&self) -> (&fs::File, Option<u64>) {
        match &self.0 {
            Source::File(file) => (file, None),
            Source::Frozen(frozen) => {
                let (file, len) = frozen.file_and_len();
                (file, Some(len))
            }
        }
    }
}

impl io::Read for SegmentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.0 {
            Source::File(file) => file.read(buf),
            Source::Frozen(frozen) => frozen.read(buf),
        }
    }
}

/// A directory entry with a UTF-8 name: path, name, type and inode.
type Entry = (PathBuf, String, fs::FileType, u64);

/// The state of one open: what it found so far.
struct Opener {
    options: ReadOptions,
    problems: Vec<Problem>,
    notices: Vec<Notice>,
    fallback: OnceLock<Arc<RunCatalog>>,
}

impl Opener {
    fn skip(&mut self, path: PathBuf, reason: SkipReason) {
        self.problems.push(Problem::Skipped { path, reason });
    }

    /// The process directories of a correlation directory, by pid; every
    /// other entry is reported.
    fn processes(&mut self, dir: &Path) -> Result<Vec<Process>, OpenError> {
        let mut processes = Vec::new();
        for (path, name, file_type, _) in self.entries(dir)? {
            if let Some(reason) = refuse(file_type).filter(|_| !file_type.is_dir()) {
                self.skip(path, reason);
            } else if !file_type.is_dir() {
                self.skip(
                    path,
                    SkipReason::Unexpected("a file beside the process directories; not read"),
                );
            } else {
                match name.parse::<u32>() {
                    Ok(pid) if validate_id(&name).is_ok() && pid.to_string() == name => {
                        processes.push(self.process(pid, path)?);
                    }
                    _ => self.skip(
                        path,
                        SkipReason::Unexpected("a directory whose name is not a pid; not read"),
                    ),
                }
            }
        }
        processes.sort_by_key(|process| process.pid);
        Ok(processes)
    }

    /// The entries of `dir` with UTF-8 names, sorted; the others are reported.
    fn entries(&mut self, dir: &Path) -> Result<Vec<Entry>, OpenError> {
        let io_err = |source| OpenError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut entries = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_err)? {
            let entry = entry.map_err(io_err)?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(|source| OpenError::Io {
                path: path.clone(),
                source,
            })?;
            let inode = std::os::unix::fs::DirEntryExt::ino(&entry);
            match entry.file_name().into_string() {
                Ok(name) => entries.push((path, name, file_type, inode)),
                Err(_) => self.skip(path, SkipReason::NotUtf8Name),
            }
        }
        entries.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(entries)
    }

    fn fallback_catalog(&mut self) -> Result<Arc<RunCatalog>, OpenError> {
        if let Some(catalog) = self.fallback.get() {
            return Ok(Arc::clone(catalog));
        }
        let catalog = Arc::new(RunCatalog::of_this_binary()?);
        Ok(Arc::clone(self.fallback.get_or_init(|| catalog)))
    }

    fn process(&mut self, pid: u32, dir: PathBuf) -> Result<Process, OpenError> {
        // Links and special files anywhere in the process directory are
        // reported; the manifest, catalog and events/ are checked below.
        for (path, name, file_type, _) in self.entries(&dir)? {
            if [MANIFEST_FILE, CATALOG_FILE, EVENTS_DIR].contains(&name.as_str()) {
                continue;
            }
            if let Some(reason) = refuse(file_type).filter(|_| !file_type.is_dir()) {
                self.skip(path, reason);
            }
        }
        let manifest = self.manifest(pid, &dir);
        let (mut catalog, catalog_from_run) = self.catalog(&dir)?;
        if !catalog_from_run && let Some(manifest) = &manifest {
            catalog = with_manifest_versions(catalog, manifest);
        }
        let files = self.event_files(pid, &dir.join(EVENTS_DIR), &catalog)?;
        Ok(Process {
            pid,
            dir,
            manifest,
            catalog,
            catalog_from_run,
            files,
        })
    }

    fn manifest(&mut self, pid: u32, dir: &Path) -> Option<RunManifest> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = match read_small(&path, self.options.limit()) {
            Ok(bytes) => bytes,
            Err(OpenFailure::Missing) => {
                self.notices.push(Notice::NoManifest {
                    dir: dir.to_owned(),
                });
                return None;
            }
            Err(OpenFailure::Refused(reason)) => {
                self.skip(path, reason);
                return None;
            }
            Err(OpenFailure::Io(err)) => {
                self.problems.push(Problem::io(path, err));
                return None;
            }
        };
        let reason = match serde_json::from_slice::<RunManifest>(&bytes) {
            Ok(manifest) if manifest.pid == pid => return Some(manifest),
            Ok(manifest) => format!("it names pid {}, but its directory is {pid}", manifest.pid),
            Err(err) => err.to_string(),
        };
        self.problems.push(Problem::BadManifest { path, reason });
        None
    }

    fn catalog(&mut self, dir: &Path) -> Result<(Arc<RunCatalog>, bool), OpenError> {
        let path = dir.join(CATALOG_FILE);
        match read_small(&path, self.options.limit()) {
            Ok(bytes) => match RunCatalog::from_json(&bytes) {
                Ok(catalog) => return Ok((Arc::new(catalog), true)),
                Err(err) => self.problems.push(Problem::BadCatalog {
                    path,
                    reason: err.to_string(),
                }),
            },
            Err(OpenFailure::Missing) => self.notices.push(Notice::CatalogFallback {
                dir: dir.to_owned(),
            }),
            Err(OpenFailure::Refused(reason)) => self.skip(path, reason),
            Err(OpenFailure::Io(err)) => self.problems.push(Problem::io(path, err)),
        }
        Ok((self.fallback_catalog()?, false))
    }

    fn event_files(
        &mut self,
        pid: u32,
        events: &Path,
        catalog: &RunCatalog,
    ) -> Result<Vec<EventFile>, OpenError> {
        match fs::symlink_metadata(events) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) => {
                let reason = refuse(meta.file_type()).unwrap_or(SkipReason::WrongKind(
                    "a file where the events/ directory belongs",
                ));
                self.skip(events.to_owned(), reason);
                return Ok(Vec::new());
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(OpenError::Io {
                    path: events.to_owned(),
                    source,
                });
            }
        }
        let mut by_file: BTreeMap<String, Vec<Listed>> = BTreeMap::new();
        for (path, name, file_type, inode) in self.entries(events)? {
            if let Some(reason) = refuse(file_type) {
                self.skip(path, reason);
                continue;
            }
            let (file, number) = parse_segment(&name);
            by_file.entry(file).or_default().push(Listed {
                number,
                path,
                inode,
            });
        }
        let mut files = Vec::new();
        for (file, mut segments) in by_file {
            let Some(event) = catalog.event_for_file(&file) else {
                self.problems.push(Problem::UnknownFile {
                    path: events.join(&file),
                    file,
                });
                continue;
            };
            segments.sort_by_key(|listed| (listed.number.is_none(), listed.number));
            let held: Vec<(Option<u64>, PathBuf, Option<Frozen>)> = if self.options.snapshot {
                freeze(
                    events,
                    &file,
                    segments,
                    &mut self.problems,
                    &mut self.notices,
                )
                .into_iter()
                .map(|held| (held.number, held.path, Some(held.frozen)))
                .collect()
            } else {
                segments
                    .into_iter()
                    .map(|listed| (listed.number, listed.path, None))
                    .collect()
            };
            files.push(EventFile {
                file: file.clone(),
                event: Arc::from(event.name.as_str()),
                version: event.version,
                segments: held
                    .into_iter()
                    .map(|(segment, path, frozen)| Segment {
                        place: Arc::new(Place {
                            path,
                            file: file.clone(),
                            pid,
                            segment,
                        }),
                        frozen,
                    })
                    .collect(),
            });
        }
        Ok(files)
    }
}

/// The binary's catalog, for a run written before catalogs existed, with
/// each event at the version its manifest's `schema_versions` names and that
/// version's schema, so its lines are checked and upcast as written.
fn with_manifest_versions(catalog: Arc<RunCatalog>, manifest: &RunManifest) -> Arc<RunCatalog> {
    let differs = catalog.events.iter().any(|event| {
        manifest
            .schema_versions
            .get(&event.name)
            .is_some_and(|version| *version != event.version)
    });
    if !differs {
        return catalog;
    }
    let mut catalog = RunCatalog::clone(&catalog);
    for event in &mut catalog.events {
        if let Some(&version) = manifest.schema_versions.get(&event.name)
            && version != event.version
        {
            event.version = version;
            if let Some(schema) =
                crate::event_named(&event.name).and_then(|info| info.schema_at(version))
            {
                event.schema = schema;
            }
        }
    }
    Arc::new(catalog)
}

fn name_of(path: &Path) -> Option<String> {
    path.file_name()?.to_str().map(str::to_owned)
}

fn pid_of(dir: &Path) -> Option<u32> {
    let name = name_of(dir)?;
    name.parse::<u32>()
        .ok()
        .filter(|pid| pid.to_string() == name)
}
