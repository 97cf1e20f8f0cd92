//! `basis-log errors RUN_DIR`: the system errors of a run, filtered.

use std::process::ExitCode;

use anyhow::Result;
use basis_events::{Component, Severity};
use basis_log::output::{Table, warn_all, write_json};
use basis_log::query::errors;
use clap::Args;

use super::{Context, RunArg};

#[derive(Debug, Args)]
pub(crate) struct ErrorsArgs {
    #[command(flatten)]
    run: RunArg,
    /// Only this severity: CRITICAL, HIGH, MEDIUM or LOW.
    #[arg(long)]
    severity: Option<Severity>,
    /// Only this component: a name (ExecutionManager) or prefix (EXEC).
    #[arg(long)]
    component: Option<Component>,
    /// Only this error code, e.g. EXEC-001.
    #[arg(long)]
    code: Option<String>,
}

pub(crate) fn exec(args: ErrorsArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let filter = errors::ErrorFilter {
        severity: args.severity,
        component: args.component,
        code: args.code,
    };
    let result = errors::errors(&args.run.open()?, &filter)?;
    warn_all(&result.warnings);
    if cx.json {
        write_json(cx.out, &result)?;
    } else if result.errors.is_empty() {
        writeln!(cx.out, "No errors match.")?;
    } else {
        let mut table =
            Table::new(["timestamp", "severity", "code", "component", "message"]).full(cx.full);
        for e in &result.errors {
            table.row([
                e.timestamp.clone(),
                e.severity.clone(),
                e.error_code.clone(),
                e.component.clone(),
                e.error_message.clone(),
            ]);
        }
        table.write(cx.out)?;
        writeln!(cx.out, "\n{} error(s)", result.errors.len())?;
    }
    Ok(ExitCode::SUCCESS)
}
