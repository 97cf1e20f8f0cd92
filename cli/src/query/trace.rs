//! `basis-log trace RUN_DIR OPERATION_ID`: every event of one operation across
//! every event file and component log, in time order; the guide's
//! `grep "supply_001" events/*.jsonl`, without the false matches
//! (`supply_0010`) and with the events sorted.
//!
//! A line belongs to the operation when one of its string values, at any
//! depth, is exactly the id: `operation_id`, an entry of an atomic group's
//! `operation_ids`, or `metadata.operation_id` of the deltas, reconciliations
//! and errors it caused.

use std::path::Path;

use memchr::memmem::Finder;
use serde::Serialize;
use serde_json::Value;

use super::scan::scan;
use super::warning;
use crate::run::Run;
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
    pub warnings: Vec<String>,
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

fn trace_file(
    path: &Path,
    file: &str,
    live: bool,
    strict: bool,
    id: &str,
    finder: &Finder<'_>,
    out: &mut Trace,
) -> Result<()> {
    scan(path, Some(finder), |line| {
        match serde_json::from_slice::<Value>(line.bytes) {
            Ok(record) if mentions(&record, id) => {
                let text = |key: &str| {
                    record
                        .get(key)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                out.events.push(TraceRow {
                    timestamp: text("timestamp"),
                    real_utc_time: text("real_utc_time"),
                    file: file.to_owned(),
                    location: format!("{}:{}", path.display(), line.number),
                    record,
                });
            }
            Ok(_) => {}
            Err(err) if strict => out.warnings.push(warning(
                path,
                line.number,
                line.torn && live,
                &format!("invalid JSON: {err}"),
            )),
            Err(_) => {}
        }
        Ok(())
    })
}

/// Every event and log line of operation `id`, sorted by engine time, then
/// wall-clock time; lines with equal times keep their file order.
pub fn trace(run: &Run, id: &str) -> Result<Trace> {
    if id.is_empty() {
        return Err(Error::Usage("the operation id is empty".to_owned()));
    }
    let quoted = serde_json::to_string(id).unwrap_or_default();
    let finder = Finder::new(quoted.as_bytes());
    let mut out = Trace {
        operation_id: id.to_owned(),
        ..Trace::default()
    };
    for event_file in run.event_files()? {
        for part in &event_file.parts {
            trace_file(
                &part.path,
                &event_file.file,
                part.live,
                true,
                id,
                &finder,
                &mut out,
            )?;
        }
    }
    for (_, path) in run.other_files()? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if name.ends_with(".log") {
            trace_file(&path, &name, true, false, id, &finder, &mut out)?;
        }
    }
    out.events.sort_by(|a, b| {
        (a.timestamp.as_str(), a.real_utc_time.as_str())
            .cmp(&(b.timestamp.as_str(), b.real_utc_time.as_str()))
    });
    if out.events.is_empty() {
        return Err(Error::NotFound(format!(
            "no event of the run mentions operation `{id}`"
        )));
    }
    Ok(out)
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
