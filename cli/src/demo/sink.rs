//! Where the demo writes: the guide's run directory, its event files and its
//! component logs, all through basis-events' runtime.
//!
//! `LogDirectoryManager` creates the run directory and its manifest; every
//! domain event goes through a `DomainEventLogger` and every component log
//! line through a `StructuredLogger` (JSON lines in `{component}.log`, so the
//! guide's `grep '"severity":"CRITICAL"' *.log` finds them), both on one
//! backtest engine clock that the simulation sets each tick.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use basis_events::structured::Level;
use basis_events::time::EngineTime;
use basis_events::{
    Component, ComponentLogs, DomainEvent, DomainEventLogger, EngineClock, ErrorCode,
    LogDirectoryManager, LoggerConfig, RunLogs, RunOptions, StructuredLogger,
};
use serde_json::{Map, Value};

use crate::Result;

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
    /// Recorded in the manifest's `parameters` (the demo's seed and knobs).
    pub parameters: BTreeMap<String, String>,
}

/// The loggers of one run.
#[derive(Debug)]
pub struct RunWriter {
    run: RunLogs,
    clock: EngineClock,
    events: DomainEventLogger,
    logs: ComponentLogs,
    loggers: BTreeMap<Component, StructuredLogger>,
}

impl RunWriter {
    /// Creates `{root}/{correlation_id}/{pid}/events/` and the manifest, and
    /// starts the event logger and the component logs.
    pub fn create(root: &Path, info: RunInfo) -> Result<RunWriter> {
        let options = info.parameters.iter().fold(
            RunOptions::new(&info.mode, &info.strategy, info.capital)
                .correlation_id(&info.correlation_id),
            |options, (name, value)| options.parameter(name, value),
        );
        let run = LogDirectoryManager::with_root(root).create_run_logs(options)?;
        let clock = EngineClock::backtest(info.start);
        let mut config = LoggerConfig::default();
        if let Some(bytes) = info.max_file_bytes {
            config = config.max_file_bytes(bytes);
        }
        let events = run
            .event_logger()
            .clock(clock.clone())
            .config(config.clone())
            .build()?;
        let logs = run
            .component_logs()
            .clock(clock.clone())
            .config(config)
            .build()?;
        Ok(RunWriter {
            run,
            clock,
            events,
            logs,
            loggers: BTreeMap::new(),
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
        Ok(self.events.emit(event)?)
    }

    fn logger(&mut self, component: Component) -> Result<&StructuredLogger> {
        if !self.loggers.contains_key(&component) {
            let logger = self.logs.logger(component)?;
            self.loggers.insert(component, logger);
        }
        Ok(&self.loggers[&component])
    }

    /// Appends one line to `component`'s log at engine time `time`.
    pub fn log(
        &mut self,
        component: Component,
        time: EngineTime,
        level: Level,
        message: &str,
        fields: Map<String, Value>,
    ) -> Result<()> {
        let _ = self.clock.set(time);
        self.logger(component)?
            .try_log(level, None, message, fields)?;
        Ok(())
    }

    /// Logs an error in its code's component log, with the code and its
    /// registered severity.
    pub fn log_error(
        &mut self,
        code: ErrorCode,
        time: EngineTime,
        message: &str,
        fields: Map<String, Value>,
    ) -> Result<()> {
        let _ = self.clock.set(time);
        self.logger(code.component())?.try_log(
            Level::of_severity(code.severity()),
            Some(code),
            message,
            fields,
        )?;
        Ok(())
    }

    /// Flushes and shuts down every logger and completes the manifest with
    /// the end time, the status and the event counts per file.
    pub fn finish(self) -> Result<PathBuf> {
        self.logs.shutdown()?;
        self.run.shutdown(&self.events)?;
        Ok(self.run.dir().to_path_buf())
    }
}
