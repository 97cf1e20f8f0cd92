//! `basis-log trace RUN_DIR OPERATION_ID`: every event of one operation.

use std::process::ExitCode;

use anyhow::Result;
use basis_log::output::{Table, write_json};
use basis_log::query::trace;
use clap::Args;

use super::{Context, RunArg, print_warnings};

#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    #[command(flatten)]
    run: RunArg,
    /// The operation id, e.g. supply_001.
    operation_id: String,
}

pub(crate) fn exec(args: TraceArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let result = trace::trace(&args.run.read()?, &args.operation_id)?;
    print_warnings(&result.warnings);
    if cx.json {
        write_json(cx.out, &result)?;
    } else {
        let mut table = Table::new(["timestamp", "file", "what"]).full(cx.full);
        for e in &result.events {
            table.row([
                e.timestamp.clone(),
                e.file.clone(),
                trace::describe(&e.record),
            ]);
        }
        table.write(cx.out)?;
        writeln!(
            cx.out,
            "\n{} line(s) mention {}",
            result.events.len(),
            basis_log::output::terminal_safe(&args.operation_id)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
