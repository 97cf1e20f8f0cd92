//! The list of `basis-log` subcommands: each lives in a file of its own with
//! its arguments (`Args`) and `exec`, which calls one library function and
//! prints its outcome, as cargo's `src/bin/cargo/commands/` does.

mod at;
mod collect;
mod compare;
mod dataset;
mod demo;
mod errors;
mod export;
mod failures;
mod forward;
mod positions;
mod prune;
mod report;
mod stats;
mod trace;
mod validate;
mod watch;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Simulate the pure_lending_usdt strategy, write its logs, export its results.
    Demo(demo::DemoArgs),
    /// Finalize a run into results/{backtest_id}/: logs, CSV, Parquet, summary.
    Export(export::ExportArgs),
    /// One hive-partitioned Parquet dataset of every run under a results root.
    Dataset(dataset::DatasetArgs),
    /// Deltas of runs against a baseline, with warnings when they are not comparable.
    Compare(compare::CompareArgs),

    /// List failed operations.
    Failures(RunArg),
    /// Every event of one operation, across files, in time order.
    Trace(trace::TraceArgs),
    /// The history of one position key.
    Positions(positions::PositionsArgs),
    /// List system errors.
    Errors(errors::ErrorsArgs),
    /// The state at an engine time: the last snapshots and the open operations.
    At(at::AtArgs),
    /// Events, lines and time range per file.
    Stats(RunArg),
    /// Write the run's HTML report: charts and tables of the whole run on one page.
    Report(report::ReportArgs),
    /// Check every line of every event file against its schema and typed event.
    Validate(validate::ValidateArgs),
    /// Ship a run (one process or every process of a correlation id) to a NATS JetStream stream.
    Forward(forward::ForwardArgs),
    /// Collect every run of a JetStream stream into one log tree.
    Collect(collect::CollectArgs),
    /// Show the fleet's errors and failed operations live, one line each.
    Watch(watch::WatchArgs),
    /// Remove old runs (7 days backtest, 30 live), never one still running or being forwarded.
    Prune(prune::PruneArgs),
}

/// What every command prints to.
pub(crate) struct Context<'a> {
    /// `--json`: print JSON for scripts instead of tables.
    pub(crate) json: bool,
    /// `--full`: print long text cells whole instead of cutting them.
    pub(crate) full: bool,
    pub(crate) out: &'a mut dyn Write,
}

impl Command {
    /// Runs the command; its exit code says whether it found problems.
    pub(crate) fn exec(self, cx: &mut Context<'_>) -> Result<ExitCode> {
        match self {
            Command::Demo(args) => demo::exec(args, cx),
            Command::Export(args) => export::exec(args, cx),
            Command::Dataset(args) => dataset::exec(args, cx),
            Command::Compare(args) => compare::exec(args, cx),

            Command::Failures(run) => failures::exec(run, cx),
            Command::Trace(args) => trace::exec(args, cx),
            Command::Positions(args) => positions::exec(args, cx),
            Command::Errors(args) => errors::exec(args, cx),
            Command::At(args) => at::exec(args, cx),
            Command::Stats(run) => stats::exec(run, cx),
            Command::Report(args) => report::exec(args, cx),
            Command::Validate(args) => validate::exec(args, cx),
            Command::Forward(args) => live(forward::exec(args, cx.json, cx.out)),
            Command::Collect(args) => live(collect::exec(args, cx.json, cx.out)),
            Command::Watch(args) => live(watch::exec(args, cx.json, cx.out)),
            Command::Prune(args) => live(prune::exec(args, cx.json, cx.out)),
        }
    }
}

/// The live commands report success as `()`.
fn live(result: Result<()>) -> Result<ExitCode> {
    result.map(|()| ExitCode::SUCCESS)
}

/// The run a query reads.
#[derive(Debug, Args)]
pub(crate) struct RunArg {
    /// logs/{correlation_id}/{pid}, or logs/{correlation_id} for all processes.
    pub(crate) run_dir: PathBuf,
}

impl RunArg {
    /// The run, through the library reader (lenient: problems are warnings).
    fn read(&self) -> Result<basis_events::reader::Run> {
        Ok(basis_events::reader::Run::open(&self.run_dir)?)
    }
}

/// Prints a query's warnings to stderr: the first of each file, then one
/// "and K more" line per file.
fn print_warnings(warnings: &basis_log::query::Warnings) {
    for line in warnings.lines() {
        basis_log::output::warn(format_args!("warning: {line}"));
    }
}
