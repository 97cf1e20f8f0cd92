//! Where the demo writes: the guide's run directory, its event files and its
//! component logs.
//!
//! One writer per run, no globals. Events are stamped with the run's
//! correlation id and pid, the engine time of the tick and the wall clock, and
//! appended as compact JSON lines to `events/{file}`; component log lines are
//! JSON objects in `{component}.log`, so the guide's
//! `grep '"severity":"CRITICAL"' *.log` finds them.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use basis_events::time::{EngineTime, RealUtcTime};
use basis_events::{Component, DomainEvent, Envelope, ErrorCode, Severity};
use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::run::{EVENTS_DIR, MANIFEST};
use crate::{Error, Result};

/// What the run manifest records about the run.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub correlation_id: String,
    pub pid: u32,
    pub mode: String,
    pub strategy: String,
    pub capital: f64,
    pub execution_mode: String,
    pub seed: u64,
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
    dir: PathBuf,
    info: RunInfo,
    start_time: RealUtcTime,
    events: BTreeMap<&'static str, BufWriter<File>>,
    counts: BTreeMap<&'static str, u64>,
    logs: BTreeMap<&'static str, BufWriter<File>>,
    line: Vec<u8>,
}

impl RunWriter {
    /// Creates `{root}/{correlation_id}/{pid}/events/` and the manifest.
    pub fn create(root: &Path, info: RunInfo) -> Result<RunWriter> {
        crate::ids::check_plain_name("correlation id", &info.correlation_id)?;
        let dir = root.join(&info.correlation_id).join(info.pid.to_string());
        let events_dir = dir.join(EVENTS_DIR);
        std::fs::create_dir_all(&events_dir).map_err(Error::io(&events_dir))?;
        let writer = RunWriter {
            dir,
            info,
            start_time: RealUtcTime::from_utc(Utc::now()),
            events: BTreeMap::new(),
            counts: BTreeMap::new(),
            logs: BTreeMap::new(),
            line: Vec::with_capacity(1024),
        };
        writer.write_manifest(None)?;
        Ok(writer)
    }

    /// `logs/{correlation_id}/{pid}`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn envelope(&self, time: EngineTime) -> Envelope {
        Envelope {
            timestamp: time,
            real_utc_time: RealUtcTime::from_utc(Utc::now()),
            correlation_id: self.info.correlation_id.clone(),
            pid: self.info.pid,
        }
    }

    /// Appends `event`, stamped at engine time `time`, to its event file.
    pub fn emit<E: DomainEvent>(&mut self, time: EngineTime, event: E) -> Result<()> {
        let record = event.stamp(self.envelope(time));
        self.line.clear();
        serde_json::to_writer(&mut self.line, &record).map_err(|source| Error::Json {
            path: self.dir.join(EVENTS_DIR).join(E::FILE),
            source,
        })?;
        self.line.push(b'\n');
        let path = self.dir.join(EVENTS_DIR).join(E::FILE);
        let file = match self.events.get_mut(E::FILE) {
            Some(file) => file,
            None => {
                let file = open_append(&path)?;
                self.events.entry(E::FILE).or_insert(file)
            }
        };
        file.write_all(&self.line).map_err(Error::io(&path))?;
        *self.counts.entry(E::FILE).or_default() += 1;
        Ok(())
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
        let envelope = self.envelope(time);
        let mut line = Map::new();
        line.insert("timestamp".into(), json!(envelope.timestamp));
        line.insert("real_utc_time".into(), json!(envelope.real_utc_time));
        line.insert("level".into(), json!(level.as_str()));
        if let Some(severity) = fields.get("severity") {
            line.insert("severity".into(), severity.clone());
        }
        line.insert("component".into(), json!(component.name()));
        line.insert("correlation_id".into(), json!(envelope.correlation_id));
        line.insert("pid".into(), json!(envelope.pid));
        line.insert("message".into(), json!(message));
        for (key, value) in fields {
            line.entry(key).or_insert(value);
        }
        let path = self.dir.join(component.log_file());
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

    /// Flushes every file and completes the manifest with the end time, the
    /// status and the event counts per file.
    pub fn finish(mut self, status: &str) -> Result<PathBuf> {
        for (file, writer) in self.events.iter_mut() {
            let path = self.dir.join(EVENTS_DIR).join(file);
            writer.flush().map_err(Error::io(&path))?;
        }
        for (file, writer) in self.logs.iter_mut() {
            let path = self.dir.join(file);
            writer.flush().map_err(Error::io(&path))?;
        }
        self.write_manifest(Some(status))?;
        Ok(self.dir)
    }

    fn write_manifest(&self, status: Option<&str>) -> Result<()> {
        let mut manifest = json!({
            "correlation_id": self.info.correlation_id,
            "pid": self.info.pid,
            "mode": self.info.mode,
            "strategy": self.info.strategy,
            "initial_capital": self.info.capital,
            "start_time": self.start_time,
            "log_directory": self.dir,
            "events_directory": self.dir.join(EVENTS_DIR),
            "execution_mode": self.info.execution_mode,
            "seed": self.info.seed,
            "crate_version": env!("CARGO_PKG_VERSION"),
        });
        if let (Some(status), Value::Object(map)) = (status, &mut manifest) {
            map.insert("end_time".into(), json!(RealUtcTime::from_utc(Utc::now())));
            map.insert("status".into(), json!(status));
            map.insert("event_counts".into(), json!(self.counts));
        }
        let path = self.dir.join(MANIFEST);
        let mut text = serde_json::to_string_pretty(&manifest).map_err(|source| Error::Json {
            path: path.clone(),
            source,
        })?;
        text.push('\n');
        std::fs::write(&path, text).map_err(Error::io(&path))
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
