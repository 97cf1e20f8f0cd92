//! `basis-log failures RUN_DIR`: every failed operation.
//!
//! The fast path of the guide's `jq 'select(.status == "failed")'`: only lines
//! containing the JSON string `"failed"` are parsed (every failed operation's
//! line has it, whatever the spacing), and each is then fully parsed as a typed
//! `OperationExecutionEvent`, so a line that merely mentions the word is not
//! reported.

use std::path::Path;

use basis_events::EventRecord;
use basis_events::catalog::{OperationExecutionEvent, OperationStatus};
use memchr::memmem::Finder;
use serde::Serialize;

use super::scan::{scan_range, split_lines};
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
    /// The line number within its file.
    #[serde(skip)]
    pub line: u64,
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

/// Files smaller than this are scanned by one thread.
const PARALLEL_BYTES: u64 = 8 << 20;

/// Finds the failed operations of one file, scanning ranges of whole lines on
/// every core for large files; results keep file order and line numbers.
pub fn failures_in(path: &Path, live: bool, out: &mut Failures) -> Result<()> {
    let len = std::fs::metadata(path)
        .map_err(crate::Error::io(path))?
        .len();
    let threads = if len < PARALLEL_BYTES {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    failures_in_parts(path, live, threads, out)
}

/// [`failures_in`] with the file split into `parts` ranges scanned at once.
pub fn failures_in_parts(path: &Path, live: bool, parts: usize, out: &mut Failures) -> Result<()> {
    let bounds = split_lines(path, parts)?;
    let ranges: Vec<(u64, u64)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    let results: Vec<Result<(u64, Failures)>> = if ranges.len() == 1 {
        vec![failures_in_range(path, ranges[0], live)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .iter()
                .map(|range| scope.spawn(move || failures_in_range(path, *range, live)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(crate::Error::Usage(format!(
                            "{}: a scanning thread panicked",
                            path.display()
                        )))
                    })
                })
                .collect()
        })
    };
    // Line numbers of each range start after the lines of the ranges before it.
    let mut lines_before = 0;
    for result in results {
        let (lines, mut found) = result?;
        for row in &mut found.failures {
            row.line += lines_before;
            row.location = format!("{}:{}", path.display(), row.line);
        }
        out.failures.append(&mut found.failures);
        out.warnings.extend(
            found
                .warnings
                .into_iter()
                .map(|w| relocate(&w, path, lines_before)),
        );
        lines_before += lines;
    }
    Ok(())
}

// Warnings of a range name range-relative lines: `{path}:{line}: …`.
fn relocate(warning: &str, path: &Path, lines_before: u64) -> String {
    let prefix = format!("{}:", path.display());
    if let Some(rest) = warning.strip_prefix(&prefix)
        && let Some((line, tail)) = rest.split_once(':')
        && let Ok(line) = line.parse::<u64>()
    {
        return format!("{prefix}{}:{tail}", line + lines_before);
    }
    warning.to_owned()
}

fn failures_in_range(path: &Path, (start, end): (u64, u64), live: bool) -> Result<(u64, Failures)> {
    let finder = Finder::new(b"\"failed\"");
    let mut out = Failures::default();
    let lines = scan_range(path, start, end, Some(&finder), |line| {
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
                    location: String::new(),
                    line: line.number,
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
    })?;
    Ok((lines, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_ranges_find_the_same_failures_at_the_same_lines() {
        let confirmed = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.123456","correlation_id":"abc123","pid":12345,"operation_id":"supply_001","operation_type":"supply","venue":"aave_v3","source_token":"USDT","target_token":"aUSDT","status":"confirmed","expected_deltas":[],"actual_deltas":{},"fee_amount":0.0,"fee_currency":"USDT","execution_duration_ms":125.5,"simulated":true,"error_code":null,"error_message":null}"#;
        let failed = confirmed
            .replace(r#""status":"confirmed""#, r#""status":"failed""#)
            .replace(r#""error_code":null"#, r#""error_code":"EXEC-001""#);
        let mut text = String::new();
        for i in 0..500 {
            text.push_str(if i % 7 == 3 { &failed } else { confirmed });
            text.push('\n');
        }
        // A line mentioning "failed" that is not a failed operation, and a torn tail.
        text.push_str("{\"note\":\"failed\"}\n");
        text.push_str(&failed[..failed.find("expected_deltas").unwrap()]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operation_executions.jsonl");
        std::fs::write(&path, &text).unwrap();
        let mut one = Failures::default();
        failures_in_parts(&path, true, 1, &mut one).unwrap();
        assert_eq!(one.failures.len(), (0..500).filter(|i| i % 7 == 3).count());
        assert_eq!(one.failures[0].line, 4);
        assert_eq!(one.warnings.len(), 2, "{:?}", one.warnings);
        assert!(
            one.warnings[1].contains(":502: torn last line"),
            "{:?}",
            one.warnings
        );
        for parts in [2, 3, 5] {
            let mut many = Failures::default();
            failures_in_parts(&path, true, parts, &mut many).unwrap();
            let lines = |f: &Failures| {
                f.failures
                    .iter()
                    .map(|r| r.location.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(lines(&many), lines(&one), "{parts} parts");
            assert_eq!(many.warnings, one.warnings, "{parts} parts");
        }
    }
}
