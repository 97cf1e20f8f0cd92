//! `basis-log at RUN_DIR TIMESTAMP`: the state of a run at an engine time.

use std::process::ExitCode;

use anyhow::Result;
use basis_log::output::{Table, write_json};
use basis_log::query::at;
use clap::Args;

use super::{Context, RunArg, print_warnings};

#[derive(Debug, Args)]
pub(crate) struct AtArgs {
    #[command(flatten)]
    run: RunArg,
    /// An engine time, e.g. 2025-01-15T10:30:00.
    timestamp: String,
    /// Threads that parse the run's operations (0: every core). The state
    /// is the same whatever the number.
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
}

pub(crate) fn exec(args: AtArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let state = at::at_on(&args.run.read()?, &args.timestamp, args.threads)?;
    print_warnings(&state.warnings);
    if state.more_problems > 0 {
        basis_log::output::warn(format_args!(
            "warning: and {} more problems",
            state.more_problems
        ));
    }
    if cx.json {
        write_json(cx.out, &state)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(cx.out, "state at {}\n", state.at)?;
    if state.snapshots.is_empty() {
        writeln!(cx.out, "No snapshot at or before {}.", state.at)?;
    } else {
        let mut table = Table::new(["event", "timestamp", "location", "record"]).full(cx.full);
        for (name, record) in &state.snapshots {
            table.row([
                name.clone(),
                record.envelope().timestamp.to_string(),
                record.position().to_string(),
                payload(record),
            ]);
        }
        table.write(cx.out)?;
    }
    writeln!(cx.out)?;
    if state.open_operations.is_empty() {
        writeln!(cx.out, "No operation open at {}.", state.at)?;
    } else {
        let mut table = Table::new(["operation", "since", "location", "record"]).full(cx.full);
        for record in &state.open_operations {
            let id = serde_json::from_str::<serde_json::Value>(record.line())
                .ok()
                .and_then(|v| v["operation_id"].as_str().map(str::to_owned))
                .unwrap_or_default();
            table.row([
                id,
                record.envelope().timestamp.to_string(),
                record.position().to_string(),
                payload(record),
            ]);
        }
        table.write(cx.out)?;
        writeln!(
            cx.out,
            "\n{} open operation(s)",
            state.open_operations.len()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The record's payload as compact JSON (the table cuts it unless `--full`).
fn payload(record: &basis_events::reader::RawRecord) -> String {
    record
        .payload()
        .map(|raw| raw.get().to_owned())
        .unwrap_or_else(|_| record.line().to_owned())
}
