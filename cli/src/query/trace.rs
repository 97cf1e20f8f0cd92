//! `basis-log trace RUN_DIR OPERATION_ID`: every event of one operation across
//! every event file and component log, in time order; the guide's
//! `grep "supply_001" events/*.jsonl`, without the false matches
//! (`supply_0010`) and with the events sorted.
//!
//! A line belongs to the operation when one of its string values, at any
//! depth, is exactly the id: `operation_id`, an entry of an atomic group's
//! `operation_ids`, or `metadata.operation_id` of the deltas, reconciliations
//! and errors it caused. Only lines holding the id as a JSON string are read.

use std::ops::ControlFlow;
use std::sync::Arc;

use basis_events::reader::{Checker, LineFault, LineReader, Position, Problem, Run, segments_of};
use memchr::memmem::Finder;
use serde::Serialize;
use serde_json::Value;

use super::{Warnings, not_found, quoted, valid_record};
use crate::{Error, Result};

/// One event or log line of the operation.
#[derive(Debug, Clone, Serialize)]
pub struct TraceRow {
    pub timestamp: String,
    pub real_utc_time: String,
    /// The event file or log file it is in.
    pub file: String,
    pub location: String,
    pub record: Value,
}

/// The trace of one operation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Trace {
    pub operation_id: String,
    pub events: Vec<TraceRow>,
    #[serde(skip)]
    pub warnings: Warnings,
}

fn mentions(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => s == id,
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k != "correlation_id" && mentions(v, id)),
        _ => false,
    }
}

fn row(record: Value, file: &str, position: &Position) -> TraceRow {
    let text = |key: &str| {
        record
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    TraceRow {
        timestamp: text("timestamp"),
        real_utc_time: text("real_utc_time"),
        file: file.to_owned(),
        location: position.to_string(),
        record,
    }
}

/// Every event and log line of operation `id`, sorted by engine time, then
/// wall-clock time; lines with equal times keep their file order.
///
/// # Errors
///
/// [`Error::Usage`] for an empty id, [`Error::NotFound`] when no line
/// mentions it; in strict mode, the run's first problem.
pub fn trace(run: &Run, id: &str) -> Result<Trace> {
    if id.is_empty() {
        return Err(Error::Usage("the operation id is empty".to_owned()));
    }
    let needle = quoted(id);
    let mut out = Trace {
        operation_id: id.to_owned(),
        ..Trace::default()
    };
    // Every line read passes the one rule for a valid line, as in
    // `validate` and `export`: a line they refuse is a warning here too,
    // never a row.
    let mut checker = Checker::new();
    run.scan_on(None, Some(needle.as_bytes()), 0, |item| {
        let parsed = item.and_then(|line| {
            let record = valid_record(run, &mut checker, &line)?;
            let value: Value =
                serde_json::from_str(record.line()).map_err(|err| Problem::BadLine {
                    position: record.position().clone(),
                    reason: LineFault::NotJson(Arc::new(err)),
                })?;
            Ok((value, record))
        });
        match parsed {
            Ok((value, record)) if mentions(&value, id) => {
                let file = record.position().file().to_owned();
                out.events.push(row(value, &file, record.position()));
            }
            Ok(_) => {}
            Err(problem) => out.warnings.push(&problem),
        }
        ControlFlow::Continue(())
    })?;
    trace_logs(run, id, &needle, &mut out);
    out.events.sort_by(|a, b| {
        (a.timestamp.as_str(), a.real_utc_time.as_str())
            .cmp(&(b.timestamp.as_str(), b.real_utc_time.as_str()))
    });
    if out.events.is_empty() {
        let message = format!(
            "no event of the run mentions operation `{}`",
            id.escape_debug()
        );
        return Err(not_found(message, &out.warnings));
    }
    Ok(out)
}

/// The component logs of each process (the ones its catalog names), every
/// segment, through the reader's line reader, which opens regular files only.
fn trace_logs(run: &Run, id: &str, needle: &str, out: &mut Trace) {
    let finder = Finder::new(needle.as_bytes());
    for process in run.processes() {
        for component in &process.catalog().components {
            let file = component.log_file.as_str();
            let segments = match segments_of(process.dir(), file) {
                Ok(segments) => segments,
                Err(err) => {
                    out.warnings
                        .push(&io_problem(process.dir().join(file), err));
                    continue;
                }
            };
            for path in segments {
                let lines = match LineReader::open(&path) {
                    Ok(lines) => lines,
                    Err(err) => {
                        out.warnings.push(&io_problem(path, err));
                        continue;
                    }
                };
                for line in lines {
                    let line = match line {
                        Ok(line) => line,
                        Err(err) => {
                            out.warnings.push(&io_problem(path.clone(), err));
                            break;
                        }
                    };
                    if finder.find(&line.bytes).is_none() {
                        continue;
                    }
                    let position = Position::new(&path, file, process.pid(), None, line.number);
                    if line.is_torn_tail() {
                        let len = line.bytes.len() as u64;
                        out.warnings.push(&Problem::TornTail { position, len });
                        continue;
                    }
                    match serde_json::from_slice::<Value>(&line.bytes) {
                        Ok(value) if mentions(&value, id) => {
                            out.events.push(row(value, file, &position));
                        }
                        Ok(_) => {}
                        Err(err) => out.warnings.push(&Problem::BadLine {
                            position,
                            reason: LineFault::NotJson(Arc::new(err)),
                        }),
                    }
                }
            }
        }
    }
}

fn io_problem(path: std::path::PathBuf, err: std::io::Error) -> Problem {
    Problem::Io {
        path,
        source: Arc::new(err),
    }
}

/// One line about a traced record: its event and what it says.
pub fn describe(record: &Value) -> String {
    let get = |key: &str| record.get(key).and_then(|v| v.as_str()).unwrap_or_default();
    let mut parts = Vec::new();
    for key in [
        "operation_type",
        "status",
        "error_code",
        "reconciliation_type",
        "delta_type",
        "atomic_group_id",
        "trigger_source",
        "message",
        "error_message",
    ] {
        let value = get(key);
        if !value.is_empty() {
            parts.push(format!("{key}={value}"));
        }
    }
    for key in ["retry_count", "rollback_occurred", "reconciliation_success"] {
        if let Some(value) = record.get(key) {
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(" ")
}
