//! `basis-log failures RUN_DIR`: every failed attempt of an operation, with
//! the operation's outcome.
//!
//! The figures follow the one definition of `basis_report::digest`: an
//! **operation** is one `operation_id`, each `OperationExecutionEvent` line
//! an **attempt** of it, its **outcome** the status of its last attempt in
//! emit order. `supply_001` that failed and was confirmed on its retry is
//! listed as attempt 1 of 2 with the outcome `confirmed`.
//!
//! Two passes keep it near `rg -c '"status":"failed"'` on a large file: the
//! first reads only the lines holding `"status":"failed"` (a SIMD prefilter
//! skips the rest in bulk) and parses each; the second, only when something
//! failed, looks at each line's `operation_id` bytes and parses just the
//! attempts of the operations that failed. Both search on every core
//! ([`Run::scan_on`], [`Run::scan_kept_on`]); the rows and figures are
//! those of a sequential read.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use basis_events::catalog::{OperationExecutionEvent, OperationStatus};
use basis_events::reader::{Checker, Position, Problem, Run, ScanLine};
use basis_events::{DomainEvent, EngineTime};
use memchr::memmem::Finder;
use serde::Serialize;

use super::{Warnings, valid_record};
use crate::Result;

/// What every failed attempt's line holds, as the logger writes it.
pub const FAILED: &[u8] = br#""status":"failed""#;

/// One failed attempt.
#[derive(Debug, Clone, Serialize)]
pub struct FailureRow {
    pub timestamp: String,
    pub operation_id: String,
    pub operation_type: String,
    pub venue: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub execution_duration_ms: f64,
    /// Which attempt of its operation this was, from 1.
    pub attempt: u32,
    /// How many attempts the operation had in all.
    pub attempts: u32,
    /// The status of the operation's last attempt: `confirmed` when a retry
    /// recovered it.
    pub outcome: String,
    /// `path:line` of the event.
    pub location: String,
}

/// The failures of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Failures {
    pub failures: Vec<FailureRow>,
    #[serde(skip)]
    pub warnings: Warnings,
}

/// One operation that failed at least once, as the second pass counts it.
#[derive(Debug, Default)]
struct Tally {
    attempts: u32,
    // The last attempt so far: (pid, engine time, status).
    last: Option<(u32, EngineTime, OperationStatus)>,
}

/// Every failed attempt of the run, processes by pid and each file in emit
/// order, with its attempt number and its operation's outcome.
///
/// # Errors
///
/// In strict mode, the first problem of the run ([`crate::Error::Read`]).
pub fn failures(run: &Run) -> Result<Failures> {
    let mut out = Failures::default();
    // Failed rows by position, to give each its attempt number.
    let mut at: HashMap<Position, usize> = HashMap::new();
    let mut checker = Checker::new();
    run.scan_on(
        Some(OperationExecutionEvent::NAME),
        Some(FAILED),
        0,
        |item| {
            match item.and_then(|line| failed_row(run, &mut checker, &line)) {
                Ok(Some((key, row))) => {
                    at.insert(key, out.failures.len());
                    out.failures.push(row);
                }
                Ok(None) => {}
                Err(problem) => out.warnings.push(&problem),
            }
            ControlFlow::Continue(())
        },
    )?;
    if out.failures.is_empty() {
        return Ok(out);
    }
    let mut tallies: HashMap<Box<[u8]>, Tally> = out
        .failures
        .iter()
        .map(|row| (row.operation_id.as_bytes().into(), Tally::default()))
        .collect();
    // Which lines the second pass wants, decided on the searching threads:
    // an attempt of a failed operation by its id's bytes as written, or a
    // line with an escape (an escaped id is rare and parsed whole).
    let wanted_ids: HashSet<Box<[u8]>> = tallies.keys().cloned().collect();
    let key = Finder::new(br#""operation_id":""#);
    let wanted = |bytes: &[u8]| {
        let id = key.find(bytes).and_then(|start| {
            let rest = &bytes[start + key.needle().len()..];
            let end = memchr::memchr2(b'"', b'\\', rest)?;
            (rest[end] == b'"').then(|| &rest[..end])
        });
        match id {
            Some(id) => wanted_ids.contains(id),
            None => memchr::memchr(b'\\', bytes).is_some(),
        }
    };
    let failed = Finder::new(FAILED);
    run.scan_kept_on(
        Some(OperationExecutionEvent::NAME),
        None,
        &wanted,
        0,
        |item| {
            // Problems of the file were reported by the first pass.
            let Ok(line) = item else {
                return ControlFlow::Continue(());
            };
            let bytes = line.bytes();
            let attempt = match line
                .record()
                .and_then(|r| r.parse::<OperationExecutionEvent>())
            {
                Ok(record) => record,
                Err(problem) => {
                    // A line with the literal was read, and warned, by the first pass.
                    if failed.find(bytes).is_none() {
                        out.warnings.push(&problem);
                    }
                    return ControlFlow::Continue(());
                }
            };
            let Some(tally) = tallies.get_mut(attempt.event.operation_id.as_bytes()) else {
                return ControlFlow::Continue(());
            };
            tally.attempts += 1;
            let pid = attempt.envelope.pid;
            let time = attempt.envelope.timestamp;
            // Within a process the scan is in emit order; across processes the
            // later is the one with the later engine time, then the higher pid.
            let later = tally.last.is_none_or(|(last_pid, last_time, _)| {
                pid == last_pid || (time, pid) > (last_time, last_pid)
            });
            if later {
                tally.last = Some((pid, time, attempt.event.status));
            }
            if let Some(&row) = at.get(&line.position()) {
                out.failures[row].attempt = tally.attempts;
            }
            ControlFlow::Continue(())
        },
    )?;
    for row in &mut out.failures {
        if let Some(tally) = tallies.get(row.operation_id.as_bytes()) {
            row.attempts = tally.attempts;
            if let Some((_, _, status)) = tally.last {
                row.outcome = status.as_str().to_owned();
            }
        }
    }
    Ok(out)
}

/// The line's failed attempt, if it is one; `None` for a valid attempt in
/// another status (a line that only mentions the literal).
fn failed_row(
    run: &Run,
    checker: &mut Checker,
    line: &ScanLine<'_>,
) -> Result<Option<(Position, FailureRow)>, Problem> {
    let record = valid_record(run, checker, line)?.parse::<OperationExecutionEvent>()?;
    if record.event.status != OperationStatus::Failed {
        return Ok(None);
    }
    let position = line.position();
    let (envelope, event) = record.into_parts();
    let row = FailureRow {
        timestamp: envelope.timestamp.to_string(),
        operation_id: event.operation_id,
        operation_type: event.operation_type.to_string(),
        venue: event.venue,
        error_code: event.error_code.as_ref().map(ToString::to_string),
        error_message: event.error_message,
        execution_duration_ms: event.execution_duration_ms,
        attempt: 0,
        attempts: 0,
        outcome: OperationStatus::Failed.as_str().to_owned(),
        location: position.to_string(),
    };
    Ok(Some((position, row)))
}
