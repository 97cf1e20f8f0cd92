//! `basis-log export RUN_DIR`: the results store.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use basis_log::export::{self, ExportOptions, ExportOutcome};
use basis_log::output::{warn_all, write_json};
use clap::Args;

use super::{Context, RunArg};

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    run: RunArg,
    /// The results directory to write [default: {results}/{correlation_id}].
    #[arg(long)]
    to: Option<PathBuf>,
    /// Results root used when --to is not given.
    #[arg(long, default_value = "results")]
    results: PathBuf,
    /// Replace a results directory written earlier by basis-log (never any other directory).
    #[arg(long)]
    force: bool,
    /// Export a run that has not completed (still running, killed or failed)
    /// as one snapshot: each file up to its last complete line when the run
    /// is opened, whatever is appended or rotated during the export.
    #[arg(long)]
    allow_running: bool,
    /// Export even when events/ holds files the run's catalog does not name
    /// (they are still copied, and listed as skipped).
    #[arg(long)]
    skip_unknown: bool,
    /// Threads that check and convert lines (0: every core). The results
    /// are the same whatever the number.
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
}

pub(crate) fn exec(args: ExportArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let outcome = export::export(&ExportOptions {
        run_dir: args.run.run_dir,
        to: args.to,
        results_root: args.results,
        force: args.force,
        allow_running: args.allow_running,
        skip_unknown: args.skip_unknown,
        threads: args.threads,
    })?;
    warn_all(&outcome.skipped);
    warn_all(&outcome.notices);
    if cx.json {
        write_json(cx.out, &outcome_json(&outcome))?;
    } else {
        print_outcome(cx.out, &outcome)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The outcome as `--json` prints it.
pub(crate) fn outcome_json(outcome: &ExportOutcome) -> serde_json::Value {
    serde_json::json!({
        "backtest_id": outcome.backtest_id,
        "results_dir": outcome.results_dir,
        "copied_files": outcome.copied_files,
        "csv_files": outcome.csv_files,
        "parquet_files": outcome.parquet_files,
        "skipped": outcome.skipped,
        "notices": outcome.notices,
        "summary": outcome.results_dir.join("summary.json"),
        "report": outcome.report,
    })
}

/// Where each part of the results went.
pub(crate) fn print_outcome(out: &mut dyn Write, outcome: &ExportOutcome) -> Result<()> {
    let dir = &outcome.results_dir;
    writeln!(out, "results   {}", dir.display())?;
    writeln!(
        out,
        "  logs    {} ({} files copied)",
        dir.join("logs").display(),
        outcome.copied_files
    )?;
    writeln!(
        out,
        "  csv     {} ({} files)",
        dir.join("csv").display(),
        outcome.csv_files.len()
    )?;
    writeln!(
        out,
        "  parquet {} ({} files)",
        dir.join("parquet").display(),
        outcome.parquet_files.len()
    )?;
    writeln!(
        out,
        "  summary {} and summary.md",
        dir.join("summary.json").display()
    )?;
    writeln!(out, "  report  {}", outcome.report.display())?;
    Ok(())
}
