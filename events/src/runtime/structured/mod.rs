//! Component logs: one `.log` file per component, one JSON object a line
//! (the guide's `StructuredLogger`).
//!
//! Each line holds, in this order: `timestamp` (engine clock),
//! `real_utc_time` (wall clock, UTC), `level`, `severity` (only on a line
//! with an error code), `component`, `correlation_id`, `pid`, `message`,
//! `error_code` when one is given, then the caller's fields, flattened:
//!
//! ```text
//! {"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.123456","level":"CRITICAL","severity":"CRITICAL","component":"PositionMonitor","correlation_id":"abc123","pid":12345,"message":"Position reconciliation mismatch","error_code":"POS-005","positions_count":2}
//! ```
//!
//! so the guide's `grep '"severity":"CRITICAL"' *.log` finds exactly the
//! registered errors of severity CRITICAL, and no INFO line says
//! `"severity":"LOW"`. The file is the component's [`Component::log_file`]
//! (`position_monitor.log`, `api.log`, ...), in the run's process directory.
//!
//! # Levels and severities
//!
//! A severity belongs to an error code: a line without one has a `level`
//! only. With an error code ([`StructuredLogger::error_code`]), the code's
//! registered severity decides both: `severity` is the code's, and `level`
//! is [`Severity::log_level`].
//!
//! # A component's own codes
//!
//! A component's log carries only that component's codes: a code of another
//! component (given to [`StructuredLogger::error_code`], or as an
//! `error_code` field) is refused with [`LogError::WrongComponent`], printed
//! once on stderr, and nothing is written. Log it through the owner's logger.
//!
//! # Errors reach the kernel at once
//!
//! A line whose code is HIGH or CRITICAL is written to the file (`write(2)`
//! done, not just buffered) before the call returns, whatever the
//! durability mode, so the lines that explain a crash survive it.
//!
//! # Fields
//!
//! Fields are a JSON object ([`Fields`], or `serde_json::json!({...})`). A
//! field named like one of the line's own keys ([`RESERVED_KEYS`]) is kept,
//! renamed with the prefix `extra.` (`"extra.message"`), so a log call never
//! fails and never overwrites a key. One exception keeps the guide's own
//! example working: an `error_code` field naming a registered code, on a
//! call without a code, is taken as the call's code.
//!
//! # Writing
//!
//! The same writer as the domain events: per-file buffers of 100 lines or
//! 5 seconds, rotation at 100 MB into numbered segments, the same
//! durability modes, 0640 files, no symlinks. Lines are serialized on the
//! caller's thread. Log calls return nothing: a failure is counted and
//! printed on stderr once per kind, and [`StructuredLogger::try_log`],
//! [`ComponentLogs::flush`] and [`ComponentLogs::shutdown`] return it.
//!
//! # `tracing`
//!
//! [`StructuredLayer`] routes `tracing` events into these files; see its
//! docs for how a `tracing::info!` finds its component.
//!
//! # Examples
//!
//! ```
//! use basis_events::structured::{ComponentLogs, Fields};
//! use basis_events::Component;
//! use basis_registry::codes;
//!
//! let dir = tempfile::tempdir()?;
//! let logs = ComponentLogs::new(dir.path(), "abc123", 12345)?;
//! let logger = logs.logger(Component::PositionMonitor)?;
//! logger.info(
//!     "Position updated",
//!     Fields::new()
//!         .with("trigger_source", "execution_manager")
//!         .with("positions_count", 2),
//! );
//! logger.error_code(codes::POS_005, "Position reconciliation mismatch", ());
//! logs.flush()?;
//! let text = std::fs::read_to_string(dir.path().join("position_monitor.log"))?;
//! assert!(text.contains(r#""severity":"CRITICAL""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod fields;
mod layer;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use basis_registry::ErrorCode;

pub use fields::{Fields, RESERVED_KEYS};
pub use layer::StructuredLayer;

use crate::clock::EngineClock;
use crate::logger::{
    LogError, LoggerConfig, Slot, Writer, envelope_tail, with_line_buffer, write_json_string,
};
use crate::{Component, Severity};

/// A log level, as the original system named them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl Level {
    /// The name written in `"level"`: `"INFO"`, `"WARNING"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// The severity this level stands for (the original system's mapping).
    /// Not written on a line without an error code: a severity belongs to a
    /// registered code.
    pub const fn severity(self) -> Severity {
        match self {
            Level::Critical => Severity::Critical,
            Level::Error => Severity::High,
            Level::Warning => Severity::Medium,
            Level::Info | Level::Debug => Severity::Low,
        }
    }

    /// The level a line carrying a code of `severity` is written at.
    pub const fn of_severity(severity: Severity) -> Level {
        match severity {
            Severity::Critical => Level::Critical,
            Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low => Level::Info,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The component logs of one run (of one process): a writer shared by
/// every component's [`StructuredLogger`].
///
/// Cheap to clone. The last clone (or logger) to go flushes and closes the
/// files, as [`shutdown`](ComponentLogs::shutdown) does.
#[derive(Clone)]
pub struct ComponentLogs {
    shared: Arc<Shared>,
}

struct Shared {
    writer: Arc<Writer>,
    /// `,"correlation_id":"…","pid":N`, escaped once.
    envelope_tail: Box<[u8]>,
    correlation_id: String,
    pid: u32,
    clock: EngineClock,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Counted and printed already; a drop has no one to return them to.
        let _ = self.writer.shutdown();
    }
}

/// Builds [`ComponentLogs`] with a clock or configuration other than the
/// defaults.
#[derive(Debug)]
#[must_use]
pub struct ComponentLogsBuilder {
    log_dir: std::path::PathBuf,
    correlation_id: String,
    pid: u32,
    clock: EngineClock,
    config: LoggerConfig,
}

impl ComponentLogs {
    /// Component logs in `log_dir` (the run's process directory), with a
    /// live clock and the guide's buffering.
    pub fn new(
        log_dir: impl AsRef<Path>,
        correlation_id: impl Into<String>,
        pid: u32,
    ) -> Result<Self, LogError> {
        Self::builder(log_dir, correlation_id, pid).build()
    }

    /// Starts building component logs in `log_dir`.
    pub fn builder(
        log_dir: impl AsRef<Path>,
        correlation_id: impl Into<String>,
        pid: u32,
    ) -> ComponentLogsBuilder {
        ComponentLogsBuilder {
            log_dir: log_dir.as_ref().to_owned(),
            correlation_id: correlation_id.into(),
            pid,
            clock: EngineClock::live(),
            config: LoggerConfig::default(),
        }
    }

    /// The logger of `component`, creating its file (mode 0640) if needed.
    pub fn logger(&self, component: Component) -> Result<StructuredLogger, LogError> {
        let writer = &self.shared.writer;
        let slot = writer
            .slot(component.log_file())
            .and_then(|index| writer.slot_at(index).ok_or(LogError::Shutdown))?;
        let mut head = b",\"component\":".to_vec();
        write_json_string(&mut head, component.name());
        head.extend_from_slice(&self.shared.envelope_tail);
        Ok(StructuredLogger {
            inner: Arc::new(LoggerInner {
                logs: self.clone(),
                component,
                slot,
                component_and_envelope: head.into_boxed_slice(),
            }),
        })
    }

    /// Writes every buffered line of every component; returns the first
    /// error met since the last flush.
    pub fn flush(&self) -> Result<(), LogError> {
        self.shared.writer.flush()
    }

    /// Writes everything and refuses later lines (each is counted as a
    /// `Shutdown` error).
    pub fn shutdown(&self) -> Result<(), LogError> {
        self.shared.writer.shutdown()
    }

    /// Errors met so far, per kind.
    pub fn error_counts(&self) -> crate::ErrorCounts {
        self.shared.writer.error_counts()
    }

    /// The directory the `.log` files are in.
    pub fn dir(&self) -> &Path {
        self.shared.writer.dir()
    }

    /// The run's correlation id.
    pub fn correlation_id(&self) -> &str {
        &self.shared.correlation_id
    }

    /// The process id on every line.
    pub fn pid(&self) -> u32 {
        self.shared.pid
    }
}

impl fmt::Debug for ComponentLogs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentLogs")
            .field("dir", &self.dir())
            .field("correlation_id", &self.shared.correlation_id)
            .field("pid", &self.shared.pid)
            .finish_non_exhaustive()
    }
}

impl ComponentLogsBuilder {
    /// The engine clock stamping `timestamp` (live by default).
    pub fn clock(mut self, clock: EngineClock) -> Self {
        self.clock = clock;
        self
    }

    /// Buffering, rotation and durability (the guide's by default).
    pub fn config(mut self, config: LoggerConfig) -> Self {
        self.config = config;
        self
    }

    /// Creates the directory if needed and starts the writer.
    pub fn build(self) -> Result<ComponentLogs, LogError> {
        let envelope_tail = envelope_tail(&self.correlation_id, self.pid);
        let writer = Writer::start(
            &self.log_dir,
            self.config,
            format!("component logs of {}", self.log_dir.display()),
            Vec::new(),
        )?;
        Ok(ComponentLogs {
            shared: Arc::new(Shared {
                writer,
                envelope_tail: envelope_tail.into_boxed_slice(),
                correlation_id: self.correlation_id,
                pid: self.pid,
                clock: self.clock,
            }),
        })
    }
}

/// The log of one component (the guide's `StructuredLogger`).
///
/// Cheap to clone.
#[derive(Clone)]
pub struct StructuredLogger {
    inner: Arc<LoggerInner>,
}

struct LoggerInner {
    logs: ComponentLogs,
    component: Component,
    slot: Arc<Slot>,
    /// `,"component":"…","correlation_id":"…","pid":N`.
    component_and_envelope: Box<[u8]>,
}

impl StructuredLogger {
    /// A component's log in `log_dir`, with its own writer: the guide's
    /// `StructuredLogger(component_name, log_dir, correlation_id, pid)`. To
    /// share one writer between the components of a run, use
    /// [`ComponentLogs::logger`].
    pub fn new(
        component: Component,
        log_dir: impl AsRef<Path>,
        correlation_id: impl Into<String>,
        pid: u32,
    ) -> Result<Self, LogError> {
        ComponentLogs::new(log_dir, correlation_id, pid)?.logger(component)
    }

    /// The component this logger writes for.
    pub fn component(&self) -> Component {
        self.inner.component
    }

    /// The component logs this logger belongs to.
    pub fn logs(&self) -> &ComponentLogs {
        &self.inner.logs
    }

    /// Logs at `DEBUG`.
    pub fn debug(&self, message: &str, fields: impl Into<Fields>) {
        self.log(Level::Debug, message, fields);
    }

    /// Logs at `INFO`.
    pub fn info(&self, message: &str, fields: impl Into<Fields>) {
        self.log(Level::Info, message, fields);
    }

    /// Logs at `WARNING`.
    pub fn warn(&self, message: &str, fields: impl Into<Fields>) {
        self.log(Level::Warning, message, fields);
    }

    /// Logs at `ERROR`; a line without a code has no severity.
    pub fn error(&self, message: &str, fields: impl Into<Fields>) {
        self.log(Level::Error, message, fields);
    }

    /// Logs at `CRITICAL`; a line without a code has no severity, so give a
    /// registered error its code with [`StructuredLogger::error_code`].
    pub fn critical(&self, message: &str, fields: impl Into<Fields>) {
        self.log(Level::Critical, message, fields);
    }

    /// Logs a registered error: `error_code` is the code, `severity` its
    /// registered severity, and `level` follows from it. A code of another
    /// component is refused ([`LogError::WrongComponent`], printed once);
    /// a HIGH or CRITICAL line is written to the file before this returns.
    pub fn error_code(&self, code: ErrorCode, message: &str, fields: impl Into<Fields>) {
        let _ = self.try_log(
            Level::of_severity(code.severity()),
            Some(code),
            message,
            fields,
        );
    }

    /// Logs at `level`. A failure is counted and printed (once per kind).
    pub fn log(&self, level: Level, message: &str, fields: impl Into<Fields>) {
        let _ = self.try_log(level, None, message, fields);
    }

    /// Logs, and returns what went wrong (also counted and printed once per
    /// kind). With a `code`, the code's severity decides the line's
    /// severity, whatever `level` says.
    pub fn try_log(
        &self,
        level: Level,
        code: Option<ErrorCode>,
        message: &str,
        fields: impl Into<Fields>,
    ) -> Result<(), LogError> {
        let inner = &*self.inner;
        let shared = &*inner.logs.shared;
        let mut fields = fields.into();
        let code = code.or_else(|| fields.take_registered_code());
        let (level, severity) = match code {
            Some(code) => (Level::of_severity(code.severity()), Some(code.severity())),
            None => (level, None),
        };
        let foreign = code.filter(|code| code.component() != inner.component);
        let result = if let Some(code) = foreign {
            Err(LogError::WrongComponent {
                what: format!("error code `{code}`"),
                emitter: inner.component.name(),
                owner: code.component().name(),
            })
        } else if shared.writer.is_closed() {
            Err(LogError::Shutdown)
        } else {
            let stamp = shared.clock.stamp();
            with_line_buffer(|line| {
                line.push(b'{');
                stamp.write_json_fields(line);
                line.extend_from_slice(b",\"level\":\"");
                line.extend_from_slice(level.as_str().as_bytes());
                line.push(b'"');
                if let Some(severity) = severity {
                    line.extend_from_slice(b",\"severity\":\"");
                    line.extend_from_slice(severity.as_str().as_bytes());
                    line.push(b'"');
                }
                line.extend_from_slice(&inner.component_and_envelope);
                line.extend_from_slice(b",\"message\":");
                write_json_string(line, message);
                if let Some(code) = code {
                    line.extend_from_slice(b",\"error_code\":");
                    write_json_string(line, code.code());
                }
                fields.write_flattened(line);
                line.extend_from_slice(b"}\n");
                shared.writer.push(&inner.slot, line)
            })
            .and_then(|()| {
                // The lines that explain a crash must survive it: written
                // now, not when the batch fills.
                if matches!(severity, Some(Severity::Critical | Severity::High)) {
                    shared.writer.flush()
                } else {
                    Ok(())
                }
            })
        };
        if let Err(error) = &result {
            shared.writer.errors.report(error);
        }
        result
    }

    /// Writes every buffered line of the run's component logs.
    pub fn flush(&self) -> Result<(), LogError> {
        self.inner.logs.flush()
    }
}

impl fmt::Debug for StructuredLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StructuredLogger")
            .field("component", &self.inner.component)
            .field("logs", &self.inner.logs)
            .finish()
    }
}
