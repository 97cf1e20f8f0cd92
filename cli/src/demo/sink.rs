//! Where the demo writes: the guide's run directory, its event files and its
//! component logs.
//!
//! The run directory and its manifest come from basis-events'
//! `LogDirectoryManager`, and every domain event goes through its
//! `DomainEventLogger` (buffering, rotation, envelope stamping) on a backtest
//! engine clock that the simulation sets each tick. Component log lines are
//! JSON objects in `{component}.log` (`timestamp`, `real_utc_time`, `level`,
//! `severity`, `component`, `correlation_id`, `pid`, `message`, then the
//! fields), so the guide's `grep '"severity":"CRITICAL"' *.log` finds them.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use basis_events::run_dir::RunStatus;
use basis_events::time::EngineTime;
use basis_events::{
    Component, DomainEvent, DomainEventLogger, EngineClock, ErrorCode, LogDirectoryManager,
    LoggerConfig, RunLogs, RunOptions, Severity, real_utc_now,
};
use serde_json::{Map, Value, json};

use crate::{Error, Result};

/// What the run is created with.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub correlation_id: String,
    pub mode: String,
    pub strategy: String,
    pub capital: f64,
    /// The engine clock's first tick.
    pub start: EngineTime,
    /// Rotate event files at this size (the logger's 100 MB by default).
    pub max_file_bytes: Option<u64>,
}

/// A log level of the component logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
    Critical,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }

    /// The level the original system gave each severity.
    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Critical => Level::Critical,
            Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low => Level::Info,
        }
    }
}

/// The open files of one run.
#[derive(Debug)]
pub struct RunWriter {
    run: RunLogs,
    clock: EngineClock,
    logger: DomainEventLogger,
    logs: BTreeMap<&'static str, BufWriter<File>>,
}

impl RunWriter {
    /// Creates `{root}/{correlation_id}/{pid}/events/` and the manifest, and
    /// starts the event logger.
    pub fn create(root: &Path, info: RunInfo) -> Result<RunWriter> {
        let run = LogDirectoryManager::with_root(root).create_run_logs(
            RunOptions::new(&info.mode, &info.strategy, info.capital)
                .correlation_id(&info.correlation_id),
        )?;
        let clock = EngineClock::backtest(info.start);
        let mut config = LoggerConfig::default();
        if let Some(bytes) = info.max_file_bytes {
            config = config.max_file_bytes(bytes);
        }
        let logger = run
            .event_logger()
            .clock(clock.clone())
            .config(config)
            .build()?;
        Ok(RunWriter {
            run,
            clock,
            logger,
            logs: BTreeMap::new(),
        })
    }

    /// `logs/{correlation_id}/{pid}`.
    pub fn dir(&self) -> &Path {
        self.run.dir()
    }

    /// Emits `event` at engine time `time`.
    pub fn emit<E: DomainEvent>(&mut self, time: EngineTime, event: E) -> Result<()> {
        // A backtest clock never refuses a time.
        let _ = self.clock.set(time);
        Ok(self.logger.emit(event)?)
    }

    /// Appends one line to `component`'s log.
    pub fn log(
        &mut self,
        component: Component,
        time: EngineTime,
        level: Level,
        message: &str,
        fields: Map<String, Value>,
    ) -> Result<()> {
        let mut line = Map::new();
        line.insert("timestamp".into(), json!(time));
        line.insert("real_utc_time".into(), json!(real_utc_now()));
        line.insert("level".into(), json!(level.as_str()));
        if let Some(severity) = fields.get("severity") {
            line.insert("severity".into(), severity.clone());
        }
        line.insert("component".into(), json!(component.name()));
        line.insert("correlation_id".into(), json!(self.logger.correlation_id()));
        line.insert("pid".into(), json!(self.logger.pid()));
        line.insert("message".into(), json!(message));
        for (key, value) in fields {
            line.entry(key).or_insert(value);
        }
        let path = self.run.dir().join(component.log_file());
        let file = match self.logs.get_mut(component.log_file()) {
            Some(file) => file,
            None => {
                let file = open_append(&path)?;
                self.logs.entry(component.log_file()).or_insert(file)
            }
        };
        serde_json::to_writer(&mut *file, &Value::Object(line)).map_err(|source| Error::Json {
            path: path.clone(),
            source,
        })?;
        file.write_all(b"\n").map_err(Error::io(&path))?;
        Ok(())
    }

    /// Logs an error in its code's component log, with the code and its
    /// registered severity.
    pub fn log_error(
        &mut self,
        code: ErrorCode,
        time: EngineTime,
        message: &str,
        mut fields: Map<String, Value>,
    ) -> Result<()> {
        fields.insert("error_code".into(), json!(code));
        fields.insert("severity".into(), json!(code.severity()));
        self.log(
            code.component(),
            time,
            Level::of(code.severity()),
            message,
            fields,
        )
    }

    /// Flushes every file, shuts the logger down and completes the manifest
    /// with the end time, the status and the event counts per file.
    pub fn finish(mut self) -> Result<PathBuf> {
        for (file, writer) in self.logs.iter_mut() {
            let path = self.run.dir().join(file);
            writer.flush().map_err(Error::io(&path))?;
        }
        let report = self.logger.shutdown()?;
        self.run.finish(RunStatus::Completed, &report)?;
        Ok(self.run.dir().to_path_buf())
    }
}

fn open_append(path: &Path) -> Result<BufWriter<File>> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(|file| BufWriter::with_capacity(1 << 16, file))
        .map_err(Error::io(path))
}
