//! `basis-log stats RUN_DIR`: lines, segments and time range per file.

use std::process::ExitCode;

use anyhow::Result;
use basis_log::output::{Table, terminal_safe, write_json};
use basis_log::query::stats;

use super::{Context, RunArg, print_warnings};

pub(crate) fn exec(run: RunArg, cx: &mut Context<'_>) -> Result<ExitCode> {
    let result = stats::stats(&run.read()?)?;
    print_warnings(&result.warnings);
    if cx.json {
        write_json(cx.out, &result)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        cx.out,
        "run {} (processes: {}), {} events from {} to {}\n",
        terminal_safe(&result.correlation_id),
        terminal_safe(&result.processes.join(", ")),
        result.total_events,
        result.first_timestamp.as_deref().unwrap_or("-"),
        result.last_timestamp.as_deref().unwrap_or("-"),
    )?;
    let mut table = Table::new([
        "file", "event", "segments", "lines", "bad", "torn", "bytes", "first", "last",
    ])
    .full(cx.full);
    for f in result.event_files.iter().chain(&result.log_files) {
        table.row([
            f.file.clone(),
            f.event.clone().unwrap_or_default(),
            f.segments.to_string(),
            f.lines.to_string(),
            f.bad_lines.to_string(),
            f.torn_tails.to_string(),
            f.bytes.to_string(),
            f.first_timestamp.clone().unwrap_or_default(),
            f.last_timestamp.clone().unwrap_or_default(),
        ]);
    }
    table.write(cx.out)?;
    Ok(ExitCode::SUCCESS)
}
