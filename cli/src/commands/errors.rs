//! `basis-log errors RUN_DIR`: the system errors of a run, filtered.

use std::process::ExitCode;

use anyhow::Result;
use basis_events::Severity;
use basis_log::output::{Table, write_json};
use basis_log::query::errors;
use clap::Args;

use super::{Context, RunArg, print_warnings};

#[derive(Debug, Args)]
pub(crate) struct ErrorsArgs {
    #[command(flatten)]
    run: RunArg,
    /// Only this severity: CRITICAL, HIGH, MEDIUM or LOW.
    #[arg(long)]
    severity: Option<Severity>,
    /// Only this component: a name (ExecutionManager) or prefix (EXEC), as
    /// the run's catalog knows it (an engine's own components included).
    #[arg(long)]
    component: Option<String>,
    /// Only this error code of the run's catalog, e.g. EXEC-001.
    #[arg(long)]
    code: Option<String>,
}

pub(crate) fn exec(args: ErrorsArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let filter = errors::ErrorFilter {
        severity: args.severity,
        component: args.component,
        code: args.code,
    };
    let result = errors::errors(&args.run.read()?, &filter)?;
    print_warnings(&result.warnings);
    if cx.json {
        write_json(cx.out, &result)?;
    } else if result.errors.is_empty() {
        writeln!(cx.out, "No errors match.")?;
    } else {
        let mut table = Table::new([
            "timestamp",
            "severity",
            "code",
            "component",
            "summary",
            "message",
        ])
        .full(cx.full);
        for e in &result.errors {
            table.row([
                e.timestamp.clone(),
                e.severity.clone(),
                e.error_code.clone(),
                e.component.clone(),
                e.summary.clone(),
                e.error_message.clone(),
            ]);
        }
        table.write(cx.out)?;
        writeln!(cx.out, "\n{} error(s)", result.errors.len())?;
    }
    Ok(ExitCode::SUCCESS)
}
