//! Run directories: `logs/{correlation_id}/{pid}/` with its `events/` and
//! run manifest, and the retention that removes old runs.
//!
//! # Retention
//!
//! Every [`LogDirectoryManager::create_run_logs`] applies retention to the
//! root first (7 days of backtests, 30 of live runs, judged by last write),
//! unless turned off with [`LogDirectoryManager::auto_retention`] or
//! [`RunOptions::retention`]. It never removes the new run, a run still
//! running, or a run a forwarder has not finished shipping
//! ([`FORWARD_CURSOR_FILE`]).
//!
//! # Layout
//!
//! ```text
//! {root}/                       BASIS_LOG_DIR, or logs/ by default
//!   {correlation_id}/           one per run
//!     {pid}/                    one per process of the run; never shared
//!       metadata.json           the run manifest
//!       catalog.json            what the writing binary knew: events, components, codes
//!       position_monitor.log    component logs (StructuredLogger)
//!       events/positions.jsonl  domain events (DomainEventLogger)
//! ```
//!
//! Every process of a run writes only below its own `{pid}/`; the original
//! system's correlation-level copy of the manifest, which each process
//! overwrote, is gone.
//!
//! # Ids
//!
//! A correlation id becomes a directory name, so it must be a plain name:
//! not empty, at most 128 bytes, not `.` or `..`, without `/`, `\` or control
//! characters. Anything else is refused with [`RunDirError::InvalidId`]
//! before anything is created. A missing id is generated: 32 hex characters.
//!
//! # Examples
//!
//! ```
//! use basis_events::run_dir::{LogDirectoryManager, RunOptions, RunStatus};
//!
//! let root = tempfile::tempdir()?;
//! let manager = LogDirectoryManager::with_root(root.path());
//! let run = manager.create_run_logs(
//!     RunOptions::new("pure_lending_usdt", "pure_lending", 10000.0).correlation_id("abc123"),
//! )?;
//! assert_eq!(run.dir(), root.path().join("abc123").join(std::process::id().to_string()));
//! assert!(run.events_dir().is_dir());
//!
//! let logger = run.event_logger().build()?;
//! let report = logger.shutdown()?;
//! run.finish(RunStatus::Completed, &report)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::clock::real_utc_now;
use crate::logger::{DomainEventLoggerBuilder, LOG_FILE_MODE, LogError, ShutdownReport};
use crate::model::run_catalog::{CATALOG_FILE, DuplicateDeclaration, RunCatalog};
use crate::{DomainEventLogger, RealUtcTime, registered_events};

/// The environment variable that overrides the log root.
pub const LOG_DIR_ENV: &str = "BASIS_LOG_DIR";
/// The log root when [`LOG_DIR_ENV`] is not set: `logs`, relative to the
/// working directory, as in the guide.
pub const DEFAULT_LOG_ROOT: &str = "logs";
/// The run manifest's file name, in the process directory.
pub const MANIFEST_FILE: &str = "metadata.json";
/// The longest id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 128;
/// The forwarder's cursor, in the process directory: what of the run a
/// JetStream server has acknowledged (`basis-live` writes it). While it
/// exists and does not say `"done": true`, the run is still being forwarded
/// and retention never removes it. See [`ForwardMarker`].
pub const FORWARD_CURSOR_FILE: &str = "forward.cursor.json";

const DIR_MODE: u32 = 0o750;

/// Whether the run is a backtest or trades live. Decides how long its logs
/// are kept: 7 days for a backtest, 30 days live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionMode {
    #[default]
    Backtest,
    Live,
}

/// Where a run stands, as its manifest records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Started and not finished (or the process died).
    Running,
    Completed,
    Failed,
    /// Stopped before completing, on purpose.
    Aborted,
}

/// An error creating, finishing or cleaning up run directories.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunDirError {
    /// An id that is not a plain directory name.
    #[error("invalid id `{id}`: {reason}; an id must be a plain name of 1 to 128 bytes")]
    InvalidId { id: String, reason: &'static str },
    /// The initial capital is NaN or infinite.
    #[error("initial capital must be a finite number, not {0}")]
    InvalidCapital(f64),
    /// A process directory already exists: pids never share one.
    #[error("`{0}` already exists; two processes of a run never share a directory")]
    AlreadyExists(PathBuf),
    /// A symbolic link where a run directory should be.
    #[error(
        "refusing `{0}`: it is a symbolic link, and run directories are never followed through links"
    )]
    Symlink(PathBuf),
    /// Something other than a directory (a file, a FIFO) where a run
    /// directory should be.
    #[error("refusing `{0}`: it is not a directory, so it cannot hold a run's logs")]
    NotADirectory(PathBuf),
    #[error("cannot {op} `{path}`: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The event logger failed to shut down cleanly; the manifest records
    /// the run as failed, with the counts of what was written.
    #[error("the run's event logger did not shut down cleanly: {0}")]
    Logger(#[source] LogError),
    /// Two declarations linked into the binary clash (events, components
    /// or error codes): the start-up check, before anything is created.
    #[error("cannot create a run: {0}")]
    Duplicate(#[from] DuplicateDeclaration),
    #[error("cannot write the run manifest `{path}`: {source}")]
    Manifest {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

fn io_error(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> RunDirError + use<> {
    let path = path.to_owned();
    move |source| RunDirError::Io { op, path, source }
}

/// Checks that `id` is a plain name that cannot leave the directory it is
/// joined to. Used for correlation ids here, and for every other id that
/// becomes a path (backtest ids, export targets).
pub fn validate_id(id: &str) -> Result<(), RunDirError> {
    let reason = if id.is_empty() {
        Some("it is empty")
    } else if id.len() > MAX_ID_BYTES {
        Some("it is longer than 128 bytes")
    } else if id == "." || id == ".." {
        Some("`.` and `..` name directories, not runs")
    } else if id.contains('/') || id.contains('\\') {
        Some("it contains a path separator")
    } else if id.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(RunDirError::InvalidId {
            id: id.escape_debug().to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// A new id: 32 lower-case hex characters, as the original's `uuid4().hex`.
pub fn generate_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The run manifest, `{pid}/metadata.json`: the original system's keys,
/// then execution mode, host and versions; status, end time and event
/// counts are filled in by [`RunLogs::finish`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    pub correlation_id: String,
    pub pid: u32,
    /// The strategy mode (`pure_lending_usdt`).
    pub mode: String,
    pub strategy: String,
    pub initial_capital: f64,
    /// Wall clock, UTC.
    pub start_time: RealUtcTime,
    pub log_directory: PathBuf,
    pub events_directory: PathBuf,
    pub execution_mode: ExecutionMode,
    pub host: String,
    /// The version of basis-events that wrote the run.
    pub crate_version: String,
    /// The schema version of every registered event, by name.
    pub schema_versions: BTreeMap<String, u32>,
    pub status: RunStatus,
    /// Wall clock, UTC; `null` while running.
    pub end_time: Option<RealUtcTime>,
    /// Lines written per event file; `null` while running.
    pub event_counts: Option<BTreeMap<String, u64>>,
    /// What the run was started with beyond the guide's inputs (a seed, the
    /// knobs of a sweep), so runs can be told apart and compared; absent
    /// from the file when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
}

/// What a run is created with: the guide's inputs.
#[derive(Debug, Clone)]
#[must_use]
pub struct RunOptions {
    correlation_id: Option<String>,
    pid: u32,
    mode: String,
    strategy: String,
    initial_capital: f64,
    execution_mode: ExecutionMode,
    /// `None`: the manager's retention; `Some(None)`: none for this run.
    retention: Option<Option<RetentionOptions>>,
    parameters: BTreeMap<String, String>,
}

impl RunOptions {
    /// A backtest run of this process, with a generated correlation id.
    pub fn new(mode: impl Into<String>, strategy: impl Into<String>, initial_capital: f64) -> Self {
        RunOptions {
            correlation_id: None,
            pid: std::process::id(),
            mode: mode.into(),
            strategy: strategy.into(),
            initial_capital,
            execution_mode: ExecutionMode::Backtest,
            retention: None,
            parameters: BTreeMap::new(),
        }
    }

    /// The run's correlation id (from a request header, say); checked.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// The process id (this process by default).
    pub fn pid(mut self, pid: u32) -> Self {
        self.pid = pid;
        self
    }

    /// Backtest (the default) or live.
    pub fn execution_mode(mut self, mode: ExecutionMode) -> Self {
        self.execution_mode = mode;
        self
    }

    /// The retention applied when this run is created, instead of the
    /// manager's ([`LogDirectoryManager::auto_retention`]); `None` applies
    /// none. The new run itself is always kept.
    pub fn retention(mut self, retention: Option<RetentionOptions>) -> Self {
        self.retention = Some(retention);
        self
    }

    /// Records a parameter of the run (`seed` = `42`) in the manifest's
    /// `parameters`; a second value for one name replaces the first.
    pub fn parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.insert(name.into(), value.into());
        self
    }
}

/// Creates run directories under a log root and removes old ones (the
/// guide's `LogDirectoryManager`).
#[derive(Debug, Clone)]
pub struct LogDirectoryManager {
    root: PathBuf,
    /// Runs created through this manager and not finished: never removed.
    active: Arc<Mutex<HashSet<String>>>,
    /// Applied at every run creation unless the run's options say otherwise.
    auto_retention: Option<RetentionOptions>,
}

impl Default for LogDirectoryManager {
    fn default() -> Self {
        LogDirectoryManager::new()
    }
}

impl LogDirectoryManager {
    /// A manager for the root in `BASIS_LOG_DIR`, or `logs/`.
    pub fn new() -> Self {
        let root = std::env::var_os(LOG_DIR_ENV)
            .filter(|root| !root.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_LOG_ROOT), PathBuf::from);
        LogDirectoryManager::with_root(root)
    }

    /// A manager for `root`.
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        LogDirectoryManager {
            root: root.into(),
            active: Arc::new(Mutex::new(HashSet::new())),
            auto_retention: Some(RetentionOptions::new()),
        }
    }

    /// The retention applied each time a run is created: the guide's 7 and
    /// 30 days by default, so logs never grow until the disk is full because
    /// nobody called [`apply_retention`](Self::apply_retention). `None`
    /// turns it off. Its `now` is the creation time unless set.
    pub fn auto_retention(mut self, retention: Option<RetentionOptions>) -> Self {
        self.auto_retention = retention;
        self
    }

    /// The log root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates `{root}/{correlation_id}/{pid}/events/`, the run manifest and
    /// the run's `catalog.json` ([`RunCatalog::of_this_binary`]), and returns
    /// the run. Nothing is created if the id is refused, or if two linked
    /// declarations clash ([`RunDirError::Duplicate`]).
    pub fn create_run_logs(&self, options: RunOptions) -> Result<RunLogs, RunDirError> {
        let correlation_id = match options.correlation_id {
            Some(id) => id,
            None => generate_id(),
        };
        validate_id(&correlation_id)?;
        if !options.initial_capital.is_finite() {
            return Err(RunDirError::InvalidCapital(options.initial_capital));
        }
        let catalog = RunCatalog::of_this_binary()?;
        let mut builder = DirBuilder::new();
        builder.recursive(true).mode(DIR_MODE);
        builder
            .create(&self.root)
            .map_err(io_error("create the log root", &self.root))?;
        let run_dir = self.root.join(&correlation_id);
        match fs::symlink_metadata(&run_dir) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(RunDirError::Symlink(run_dir));
            }
            Ok(meta) if !meta.is_dir() => return Err(RunDirError::NotADirectory(run_dir)),
            Ok(_) => {}
            Err(_) => builder
                .create(&run_dir)
                .map_err(io_error("create the run directory", &run_dir))?,
        }
        let dir = run_dir.join(options.pid.to_string());
        let mut exclusive = DirBuilder::new();
        exclusive.mode(DIR_MODE);
        match exclusive.create(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                return Err(RunDirError::AlreadyExists(dir));
            }
            Err(err) => return Err(io_error("create the process directory", &dir)(err)),
        }
        let events_dir = dir.join("events");
        exclusive
            .create(&events_dir)
            .map_err(io_error("create the events directory", &events_dir))?;

        let manifest = RunManifest {
            correlation_id: correlation_id.clone(),
            pid: options.pid,
            mode: options.mode,
            strategy: options.strategy,
            initial_capital: options.initial_capital,
            start_time: real_utc_now(),
            log_directory: dir.clone(),
            events_directory: events_dir.clone(),
            execution_mode: options.execution_mode,
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            crate_version: env!("CARGO_PKG_VERSION").to_owned(),
            schema_versions: registered_events()
                .unwrap_or_default()
                .iter()
                .map(|event| (event.name().to_owned(), event.version()))
                .collect(),
            status: RunStatus::Running,
            end_time: None,
            event_counts: None,
            parameters: options.parameters,
        };
        write_manifest(&dir, &manifest)?;
        write_catalog(&dir, &catalog)?;
        self.active.lock().insert(correlation_id.clone());
        let retention = options
            .retention
            .unwrap_or_else(|| self.auto_retention.clone())
            .map(|retention| self.apply_retention(&retention.keep(correlation_id.clone())));
        Ok(RunLogs {
            dir,
            events_dir,
            manifest: Mutex::new(manifest),
            active: self.active.clone(),
            retention,
        })
    }

    /// Removes runs older than the retention of their execution mode (7 days
    /// backtest, 30 days live), or with `dry_run` only lists them.
    ///
    /// A run's age is the time since its last write: the newest modification
    /// time of any file inside it, not a directory's own (which appends do
    /// not change). Never removed: a run this manager created and has not
    /// finished, a run named in [`RetentionOptions::keep`], a run whose
    /// manifest says running and whose process is alive, a run a forwarder
    /// has not finished shipping (a [`FORWARD_CURSOR_FILE`] in one of its
    /// process directories that is not marked done), anything that is
    /// not a run directory (a valid id with a manifest), and anything reached
    /// through a symbolic link. Only direct children of the root are
    /// considered, and links inside a run are removed, never followed.
    pub fn apply_retention(
        &self,
        options: &RetentionOptions,
    ) -> Result<RetentionReport, RunDirError> {
        let mut report = RetentionReport {
            dry_run: options.dry_run,
            ..RetentionReport::default()
        };
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(report),
            Err(err) => return Err(io_error("list the log root", &self.root)(err)),
        };
        let active = self.active.lock().clone();
        for entry in entries {
            let entry = entry.map_err(io_error("list the log root", &self.root))?;
            let path = entry.path();
            let skip = |reason| Skipped {
                path: path.clone(),
                reason,
            };
            let file_type = entry.file_type().map_err(io_error("inspect", &path))?;
            if file_type.is_symlink() {
                report.skipped.push(skip(SkipReason::Symlink));
                continue;
            }
            if !file_type.is_dir() {
                report.skipped.push(skip(SkipReason::NotARun));
                continue;
            }
            let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
                report.skipped.push(skip(SkipReason::NotARun));
                continue;
            };
            if validate_id(&id).is_err() {
                report.skipped.push(skip(SkipReason::NotARun));
                continue;
            }
            let manifests = read_manifests(&path);
            if manifests.is_empty() {
                report.skipped.push(skip(SkipReason::NotARun));
                continue;
            }
            let execution_mode = if manifests
                .iter()
                .all(|m| m.execution_mode == ExecutionMode::Backtest)
            {
                ExecutionMode::Backtest
            } else {
                ExecutionMode::Live
            };
            let (last_write, bytes) = last_write(&path).map_err(io_error("inspect", &path))?;
            let run = RunAge {
                correlation_id: id.clone(),
                path: path.clone(),
                last_write,
                execution_mode,
                bytes,
            };
            let is_active = active.contains(&id)
                || options.keep.contains(&id)
                || manifests
                    .iter()
                    .any(|m| m.status == RunStatus::Running && process_alive(m.pid));
            if is_active {
                report.skipped.push(skip(SkipReason::Active));
                continue;
            }
            if !forwarding_done(&path) {
                report.skipped.push(skip(SkipReason::NotAcknowledged));
                continue;
            }
            let limit = match execution_mode {
                ExecutionMode::Backtest => options.backtest_retention,
                ExecutionMode::Live => options.live_retention,
            };
            let age = options
                .now
                .unwrap_or_else(SystemTime::now)
                .duration_since(last_write)
                .unwrap_or(Duration::ZERO);
            if age <= limit {
                report.kept.push(run);
                continue;
            }
            if !options.dry_run {
                // Checked again right before removing: still a real directory.
                let meta = fs::symlink_metadata(&path).map_err(io_error("inspect", &path))?;
                if meta.file_type().is_symlink() {
                    report.skipped.push(skip(SkipReason::Symlink));
                    continue;
                }
                // std's remove_dir_all removes links inside, never their targets.
                fs::remove_dir_all(&path).map_err(io_error("remove", &path))?;
            }
            report.removed.push(run);
        }
        report.removed.sort_by(|a, b| a.path.cmp(&b.path));
        report.kept.sort_by(|a, b| a.path.cmp(&b.path));
        report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(report)
    }
}

/// How retention runs: dry or not, when "now" is, and what to keep.
#[derive(Debug, Clone)]
#[must_use]
pub struct RetentionOptions {
    dry_run: bool,
    /// `None`: the time retention runs.
    now: Option<SystemTime>,
    keep: HashSet<String>,
    backtest_retention: Duration,
    live_retention: Duration,
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

impl Default for RetentionOptions {
    fn default() -> Self {
        RetentionOptions {
            dry_run: false,
            now: None,
            keep: HashSet::new(),
            backtest_retention: 7 * DAY,
            live_retention: 30 * DAY,
        }
    }
}

impl RetentionOptions {
    /// Removes for real, judging age from now; the guide's 7 and 30 days.
    pub fn new() -> Self {
        RetentionOptions::default()
    }

    /// Only lists what would be removed.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Judges age as of `now` (by default, the moment retention runs).
    pub fn now(mut self, now: SystemTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Never removes the run `correlation_id` (the active run of another
    /// manager, say).
    pub fn keep(mut self, correlation_id: impl Into<String>) -> Self {
        self.keep.insert(correlation_id.into());
        self
    }

    /// Overrides the retention of backtest runs (7 days).
    pub fn backtest_retention(mut self, retention: Duration) -> Self {
        self.backtest_retention = retention;
        self
    }

    /// Overrides the retention of live runs (30 days).
    pub fn live_retention(mut self, retention: Duration) -> Self {
        self.live_retention = retention;
        self
    }
}

/// What retention removed (or, in a dry run, would remove), kept and skipped.
#[derive(Debug, Clone, Default)]
pub struct RetentionReport {
    pub dry_run: bool,
    pub removed: Vec<RunAge>,
    pub kept: Vec<RunAge>,
    pub skipped: Vec<Skipped>,
}

/// A run directory and its age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAge {
    pub correlation_id: String,
    pub path: PathBuf,
    /// The newest modification time of any file inside.
    pub last_write: SystemTime,
    pub execution_mode: ExecutionMode,
    /// Bytes of the files inside.
    pub bytes: u64,
}

/// An entry of the root that retention left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: SkipReason,
}

/// Why retention left an entry alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// A symbolic link: never followed.
    Symlink,
    /// Not a run directory: not a directory, not a valid id, or no manifest.
    NotARun,
    /// The active run: created here and not finished, kept on request, or
    /// running in a live process.
    Active,
    /// A forwarder has not had all of the run acknowledged by its server:
    /// removing it would lose what was never shipped.
    NotAcknowledged,
}

/// What retention reads of a [`FORWARD_CURSOR_FILE`]: only whether the
/// forwarder is done. The forwarder writes more (per-file positions); a
/// cursor retention cannot read counts as not done, so an unreadable
/// cursor keeps the run rather than losing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ForwardMarker {
    /// Every line and file of the process directory was acknowledged by the
    /// server, and its manifest says the run ended.
    #[serde(default)]
    pub done: bool,
}

/// Whether no process directory of `run` holds a forward cursor that is not
/// done.
fn forwarding_done(run: &Path) -> bool {
    let Ok(entries) = fs::read_dir(run) else {
        return true;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .all(
            |entry| match fs::read(entry.path().join(FORWARD_CURSOR_FILE)) {
                Ok(bytes) => serde_json::from_slice::<ForwardMarker>(&bytes).is_ok_and(|m| m.done),
                Err(err) => err.kind() == io::ErrorKind::NotFound,
            },
        )
}

/// The directories of one process of a run.
#[derive(Debug)]
pub struct RunLogs {
    dir: PathBuf,
    events_dir: PathBuf,
    manifest: Mutex<RunManifest>,
    active: Arc<Mutex<HashSet<String>>>,
    /// What the retention applied at creation did, if any was.
    retention: Option<Result<RetentionReport, RunDirError>>,
}

impl RunLogs {
    /// What the retention applied when this run was created removed, kept
    /// and skipped, or why it failed; `None` if none was configured. A
    /// failed retention does not fail the run: its logs are still written.
    pub fn retention(&self) -> Option<Result<&RetentionReport, &RunDirError>> {
        self.retention.as_ref().map(Result::as_ref)
    }

    /// `{root}/{correlation_id}/{pid}`: the guide's `log_dir`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `{dir}/events`.
    pub fn events_dir(&self) -> &Path {
        &self.events_dir
    }

    /// The run's correlation id.
    pub fn correlation_id(&self) -> String {
        self.manifest.lock().correlation_id.clone()
    }

    /// The process id of this directory.
    pub fn pid(&self) -> u32 {
        self.manifest.lock().pid
    }

    /// Backtest or live.
    pub fn execution_mode(&self) -> ExecutionMode {
        self.manifest.lock().execution_mode
    }

    /// The manifest as last written.
    pub fn manifest(&self) -> RunManifest {
        self.manifest.lock().clone()
    }

    /// The run's component logs (one `.log` per component): their directory,
    /// correlation id and pid already set, so a run's loggers all come from
    /// the run; set a clock or configuration on the builder.
    pub fn component_logs(&self) -> crate::structured::ComponentLogsBuilder {
        let manifest = self.manifest.lock();
        crate::ComponentLogs::builder(&self.dir, manifest.correlation_id.clone(), manifest.pid)
    }

    /// A domain event logger for this run: its directory, correlation id
    /// and pid; set a clock or configuration on the builder.
    pub fn event_logger(&self) -> DomainEventLoggerBuilder {
        let manifest = self.manifest.lock();
        DomainEventLogger::builder(&self.dir, manifest.correlation_id.clone(), manifest.pid)
    }

    /// Shuts `events` down and records the end of the run in the manifest in
    /// one call: `completed` with the lines written per file, or `failed`
    /// (still with the counts) when the logger reports lost events or an
    /// I/O error, which is then returned.
    pub fn shutdown(&self, events: &DomainEventLogger) -> Result<ShutdownReport, RunDirError> {
        match events.shutdown() {
            Ok(report) => {
                self.finish(RunStatus::Completed, &report)?;
                Ok(report)
            }
            Err(err) => {
                self.finish(RunStatus::Failed, &events.report())?;
                Err(RunDirError::Logger(err))
            }
        }
    }

    /// Records the end of the run in the manifest: end time, status, and
    /// lines written per event file. The run stops being active.
    pub fn finish(&self, status: RunStatus, report: &ShutdownReport) -> Result<(), RunDirError> {
        let mut manifest = self.manifest.lock();
        manifest.status = status;
        manifest.end_time = Some(real_utc_now());
        manifest.event_counts = Some(report.written_per_file());
        write_manifest(&self.dir, &manifest)?;
        self.active.lock().remove(&manifest.correlation_id);
        Ok(())
    }
}

impl Drop for RunLogs {
    fn drop(&mut self) {
        let id = self.manifest.get_mut().correlation_id.clone();
        self.active.lock().remove(&id);
    }
}

/// Writes the manifest atomically: a new file beside it, then a rename.
fn write_manifest(dir: &Path, manifest: &RunManifest) -> Result<(), RunDirError> {
    write_json_atomically(dir, MANIFEST_FILE, manifest)
}

/// Writes `dir/catalog.json` as the manifest is written: atomically, 0640,
/// never through a symbolic link (one planted at the path is replaced, its
/// target untouched). [`LogDirectoryManager::create_run_logs`] calls it with
/// [`RunCatalog::of_this_binary`].
pub fn write_catalog(dir: &Path, catalog: &RunCatalog) -> Result<(), RunDirError> {
    write_json_atomically(dir, CATALOG_FILE, catalog)
}

/// Pretty JSON into `dir/name`: a new file beside it (created exclusively,
/// `O_NOFOLLOW`, mode 0640 whatever the umask, synced), then a rename, which
/// replaces a symbolic link planted at `name` rather than following it.
fn write_json_atomically(
    dir: &Path,
    name: &str,
    value: &impl Serialize,
) -> Result<(), RunDirError> {
    let path = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    let mut text = serde_json::to_vec_pretty(value).map_err(|source| RunDirError::Manifest {
        path: path.clone(),
        source,
    })?;
    text.push(b'\n');
    // A leftover temp file (or a link planted there) is removed, not followed.
    let _ = fs::remove_file(&temp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(LOG_FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)
        .map_err(io_error("create", &temp))?;
    file.set_permissions(fs::Permissions::from_mode(LOG_FILE_MODE))
        .and_then(|()| file.write_all(&text))
        .and_then(|()| file.sync_data())
        .map_err(io_error("write", &temp))?;
    fs::rename(&temp, &path).map_err(io_error("rename", &temp))
}

/// The manifests of every process directory of a run.
fn read_manifests(run: &Path) -> Vec<RunManifest> {
    let Ok(entries) = fs::read_dir(run) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| fs::read(entry.path().join(MANIFEST_FILE)).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect()
}

/// The newest modification time of any file below `dir` (the directory's
/// own if it holds none), and the bytes of those files. Links are not
/// followed.
fn last_write(dir: &Path) -> io::Result<(SystemTime, u64)> {
    let mut newest = fs::symlink_metadata(dir)?.modified()?;
    let mut newest_file: Option<SystemTime> = None;
    let mut bytes = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                stack.push(entry.path());
            } else if file_type.is_file() {
                let meta = entry.metadata()?;
                bytes += meta.len();
                let modified = meta.modified()?;
                newest_file = Some(newest_file.map_or(modified, |n| n.max(modified)));
            }
        }
    }
    if let Some(file) = newest_file {
        newest = file;
    }
    Ok((newest, bytes))
}

/// Whether process `pid` is alive on this machine (Linux `/proc`; elsewhere
/// a run is judged by its age alone).
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}
