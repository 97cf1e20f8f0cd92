//! The list of `basis-log` subcommands: each lives in a file of its own with
//! its arguments (`Args`) and `exec`, which calls one library function and
//! prints its outcome, as cargo's `src/bin/cargo/commands/` does.

mod compare;
mod dataset;
mod demo;
mod errors;
mod export;
mod failures;
mod positions;
mod report;
mod stats;
mod trace;
mod validate;

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
    /// Events, lines and time range per file.
    Stats(RunArg),
    /// Write the run's HTML report: charts and tables of the whole run on one page.
    Report(report::ReportArgs),
    /// Check every line of every event file against its schema and typed event.
    Validate(validate::ValidateArgs),
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
            Command::Stats(run) => stats::exec(run, cx),
            Command::Report(args) => report::exec(args, cx),
            Command::Validate(args) => validate::exec(args, cx),
        }
    }
}

/// The run a query reads.
#[derive(Debug, Args)]
pub(crate) struct RunArg {
    /// logs/{correlation_id}/{pid}, or logs/{correlation_id} for all processes.
    pub(crate) run_dir: PathBuf,
}

impl RunArg {
    fn open(&self) -> Result<basis_log::run::Run> {
        Ok(basis_log::run::Run::open(&self.run_dir)?)
    }
}
