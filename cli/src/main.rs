//! The `basis-log` command: argument parsing and dispatch only. Each
//! subcommand is a file of `commands/`; the work is in the library.

mod commands;

use std::process::ExitCode;

use basis_log::output::{is_closed_pipe, warn};
use clap::Parser;

/// Every line read becomes short-lived strings and maps; mimalloc's
/// thread-local free lists serve them without glibc's consolidation passes
/// (export 1.0 -> see cli/BENCHMARKS.md for the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Typed, schema-checked audit trail of a trading-strategy engine: demo
/// backtest, results store, and the logging guide's debugging workflows.
#[derive(Debug, Parser)]
#[command(name = "basis-log", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Print long text cells whole instead of cutting them with an ellipsis.
    #[arg(long, global = true)]
    full: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut cx = commands::Context {
        json: cli.json,
        full: cli.full,
        out: &mut out,
    };
    match cli.command.exec(&mut cx) {
        Ok(code) => code,
        // A closed pipe (`basis-log failures … | head`) is not an error.
        Err(err) if is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            warn(format_args!(
                "error: {}",
                basis_log::output::error_chain(&err)
            ));
            ExitCode::FAILURE
        }
    }
}
