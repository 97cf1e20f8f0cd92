//! `basis-log failures RUN_DIR`: the failed operations of a run.

use std::process::ExitCode;

use anyhow::Result;
use basis_log::output::{Table, warn_all, write_json};
use basis_log::query::failures;

use super::{Context, RunArg};

pub(crate) fn exec(run: RunArg, cx: &mut Context<'_>) -> Result<ExitCode> {
    let result = failures::failures(&run.open()?)?;
    warn_all(&result.warnings);
    if cx.json {
        write_json(cx.out, &result)?;
    } else if result.failures.is_empty() {
        writeln!(cx.out, "No failed operations.")?;
    } else {
        let mut table = Table::new([
            "timestamp",
            "operation",
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
                f.operation_type.clone(),
                f.venue.clone(),
                f.error_code.clone().unwrap_or_default(),
                f.error_message.clone().unwrap_or_default(),
            ]);
        }
        table.write(cx.out)?;
        writeln!(cx.out, "\n{} failed operation(s)", result.failures.len())?;
    }
    Ok(ExitCode::SUCCESS)
}
