//! `basis-log failures RUN_DIR`: the failed operations of a run.

use std::process::ExitCode;

use anyhow::Result;
use basis_log::output::{Table, write_json};
use basis_log::query::failures;

use super::{Context, RunArg, print_warnings};

pub(crate) fn exec(run: RunArg, cx: &mut Context<'_>) -> Result<ExitCode> {
    let result = failures::failures(&run.read()?)?;
    print_warnings(&result.warnings);
    if cx.json {
        write_json(cx.out, &result)?;
    } else if result.failures.is_empty() {
        writeln!(cx.out, "No failed operations.")?;
    } else {
        let mut table = Table::new([
            "timestamp",
            "operation",
            "attempt",
            "outcome",
            "type",
            "venue",
            "error code",
            "message",
        ])
        .full(cx.full);
        for f in &result.failures {
            table.row([
                f.timestamp.clone(),
                f.operation_id.clone(),
                format!("{} of {}", f.attempt, f.attempts),
                f.outcome.clone(),
                f.operation_type.clone(),
                f.venue.clone(),
                f.error_code.clone().unwrap_or_default(),
                f.error_message.clone().unwrap_or_default(),
            ]);
        }
        table.write(cx.out)?;
        writeln!(
            cx.out,
            "\n{} failed attempt(s) of {} operation(s), {} recovered by a retry",
            result.failures.len(),
            operations(&result),
            recovered(&result)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Distinct operations among the failures.
fn operations(result: &failures::Failures) -> usize {
    let ids: std::collections::HashSet<&str> = result
        .failures
        .iter()
        .map(|f| f.operation_id.as_str())
        .collect();
    ids.len()
}

/// Distinct operations among the failures whose outcome is not `failed`.
fn recovered(result: &failures::Failures) -> usize {
    let ids: std::collections::HashSet<&str> = result
        .failures
        .iter()
        .filter(|f| f.outcome != "failed")
        .map(|f| f.operation_id.as_str())
        .collect();
    ids.len()
}
