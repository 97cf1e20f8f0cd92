//! `basis-log failures RUN_DIR`: every failed operation.
//!
//! The fast path of the guide's `jq 'select(.status == "failed")'`: only lines
//! containing the JSON string `"failed"` are parsed (every failed operation's
//! line has it, whatever the spacing), and each is then fully parsed as a typed
//! `OperationExecutionEvent`, so a line that merely mentions the word is not
//! reported.

use std::path::{Path, PathBuf};

use basis_events::EventRecord;
use basis_events::catalog::{OperationExecutionEvent, OperationStatus};
use memchr::memmem::Finder;
use serde::Serialize;

use super::scan::scan;
use super::warning;
use crate::Result;
use crate::run::Run;

/// The file failures are read from.
pub const FILE: &str = "operation_executions.jsonl";

/// One failed operation.
#[derive(Debug, Clone, Serialize)]
pub struct FailureRow {
    pub timestamp: String,
    pub operation_id: String,
    pub operation_type: String,
    pub venue: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub execution_duration_ms: f64,
    /// `path:line` of the event.
    pub location: String,
}

/// The failures of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Failures {
    pub failures: Vec<FailureRow>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Finds every failed operation of the run, in file order.
pub fn failures(run: &Run) -> Result<Failures> {
    let mut out = Failures::default();
    if let Some(file) = run.event_file(FILE)? {
        for part in &file.parts {
            failures_in(&part.path, part.live, &mut out)?;
        }
    }
    Ok(out)
}

/// Finds the failed operations of one file.
pub fn failures_in(path: &Path, live: bool, out: &mut Failures) -> Result<()> {
    let finder = Finder::new(b"\"failed\"");
    let shown = PathBuf::from(path);
    scan(path, Some(&finder), |line| {
        match serde_json::from_slice::<EventRecord<OperationExecutionEvent>>(line.bytes) {
            Ok(record) if record.event.status == OperationStatus::Failed => {
                let (envelope, event) = record.into_parts();
                out.failures.push(FailureRow {
                    timestamp: envelope.timestamp.to_string(),
                    operation_id: event.operation_id,
                    operation_type: event.operation_type.to_string(),
                    venue: event.venue,
                    error_code: event.error_code.as_ref().map(ToString::to_string),
                    error_message: event.error_message,
                    execution_duration_ms: event.execution_duration_ms,
                    location: format!("{}:{}", shown.display(), line.number),
                });
            }
            Ok(_) => {}
            Err(err) => out.warnings.push(warning(
                path,
                line.number,
                line.torn && live,
                &format!("not a valid OperationExecutionEvent: {err}"),
            )),
        }
        Ok(())
    })
}
