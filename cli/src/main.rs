//! The `basis-log` command: argument parsing and dispatch only; the work is in
//! the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use basis_events::{Component, Severity};
use basis_log::demo::{self, DemoOptions, DemoOutcome};
use basis_log::export::{self, ExportOptions, ExportOutcome};
use basis_log::output::{Table, num, write_json};
use basis_log::query::{errors, failures, positions, stats, trace};
use basis_log::run::Run;
use basis_log::validate;
use clap::{Args, Parser, Subcommand};

// Live shipping (issue 16); one file per subcommand under src/commands/.
mod commands {
    pub(crate) mod collect;
    pub(crate) mod forward;
    pub(crate) mod prune;
    pub(crate) mod watch;
}

/// Typed, schema-checked audit trail of a trading-strategy engine: demo
/// backtest, results store, and the logging guide's debugging workflows.
#[derive(Debug, Parser)]
#[command(name = "basis-log", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate the pure_lending_usdt strategy, write its logs, export its results.
    Demo(DemoArgs),
    /// Finalize a run into results/{backtest_id}/: logs, CSV, Parquet, summary.
    Export(ExportArgs),
    /// List failed operations.
    Failures(RunArg),
    /// Every event of one operation, across files, in time order.
    Trace {
        #[command(flatten)]
        run: RunArg,
        /// The operation id, e.g. supply_001.
        operation_id: String,
    },
    /// The history of one position key.
    Positions {
        #[command(flatten)]
        run: RunArg,
        /// The position key, e.g. aave:aToken:aUSDT.
        key: String,
    },
    /// List system errors.
    Errors {
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
    },
    /// Events, lines and time range per file.
    Stats(RunArg),
    /// Write the run's HTML report: charts and tables of the whole run on one page.
    Report {
        #[command(flatten)]
        run: RunArg,
        /// Where to write the page.
        #[arg(long, default_value = basis_report::REPORT_FILE)]
        to: PathBuf,
        /// Link error codes to this page instead of docs/ERROR_CODES.md
        /// (as seen from the report).
        #[arg(long)]
        error_docs: Option<String>,
    },
    /// Check every line of every event file against its schema and typed event.
    Validate {
        /// Run directories, events/ directories or event files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Fail on a torn last line too (by default it is reported, not failed).
        #[arg(long)]
        strict: bool,
    },
    /// Ship a run to NATS JetStream, complete lines only, resuming from its cursor.
    Forward(commands::forward::ForwardArgs),
    /// Collect every run of a JetStream stream into one log tree.
    Collect(commands::collect::CollectArgs),
    /// Show the fleet's errors and failed operations live, one line each.
    Watch(commands::watch::WatchArgs),
    /// Remove old runs (7 days backtest, 30 live), never one still running or being forwarded.
    Prune(commands::prune::PruneArgs),
}

#[derive(Debug, Args)]
struct RunArg {
    /// logs/{correlation_id}/{pid}, or logs/{correlation_id} for all processes.
    run_dir: PathBuf,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Seed of the simulation: the same seed writes the same events.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Days of hourly ticks to simulate.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Initial capital in USDT.
    #[arg(long, default_value_t = 10_000.0)]
    capital: f64,
    /// Log root; the run is written to {out}/{correlation_id}/{pid}/.
    #[arg(long, env = basis_events::run_dir::LOG_DIR_ENV, default_value = "logs")]
    out: PathBuf,
    /// Results root; the run is finalized into {results}/{correlation_id}/.
    #[arg(long, default_value = "results")]
    results: PathBuf,
    /// Use this correlation id instead of a fresh random one.
    #[arg(long)]
    correlation_id: Option<String>,
    /// Replace an existing results directory.
    #[arg(long)]
    force: bool,
    /// Rotate event files at this many bytes [default: the logger's 100 MB].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1024..))]
    max_file_bytes: Option<u64>,
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    run: RunArg,
    /// The results directory to write [default: {results}/{correlation_id}].
    #[arg(long)]
    to: Option<PathBuf>,
    /// Results root used when --to is not given.
    #[arg(long, default_value = "results")]
    results: PathBuf,
    /// Replace an existing results directory.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // A closed pipe (`basis-log failures … | head`) is not an error.
        Err(err)
            if err.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn open(run: &RunArg) -> Result<Run> {
    Ok(Run::open(&run.run_dir)?)
}

fn warn_all(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let json = cli.json;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Demo(args) => demo_command(args, json, &mut out)?,
        Command::Export(args) => {
            let outcome = export::export(&ExportOptions {
                run_dir: args.run.run_dir,
                to: args.to,
                results_root: args.results,
                force: args.force,
            })?;
            warn_all(&outcome.skipped);
            if json {
                write_json(&mut out, &export_json(&outcome))?;
            } else {
                print_export(&mut out, &outcome)?;
            }
        }
        Command::Report {
            run,
            to,
            error_docs,
        } => {
            let error_docs = error_docs.or_else(|| {
                basis_report::relative_link(&to, std::path::Path::new("docs/ERROR_CODES.md"))
            });
            let mut options = basis_report::ReportOptions::default();
            if let Some(error_docs) = error_docs {
                options = options.error_docs(error_docs);
            }
            let summary = basis_report::write_report(&run.run_dir, &to, &options)
                .with_context(|| format!("writing the report of {}", run.run_dir.display()))?;
            for gap in &summary.gaps {
                eprintln!("warning: {gap}");
            }
            if json {
                write_json(
                    &mut out,
                    &serde_json::json!({
                        "report": to,
                        "bytes": summary.bytes,
                        "events": summary.events,
                        "final_total_value_usd": summary.final_total_value,
                        "total_pnl_usd": summary.total_pnl,
                        "gaps": summary.gaps.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    }),
                )?;
            } else {
                writeln!(
                    out,
                    "report  {} ({} events, {} KiB)",
                    to.display(),
                    summary.events,
                    summary.bytes / 1024
                )?;
            }
        }
        Command::Failures(run) => {
            let result = failures::failures(&open(&run)?)?;
            warn_all(&result.warnings);
            if json {
                write_json(&mut out, &result)?;
            } else if result.failures.is_empty() {
                writeln!(out, "No failed operations.")?;
            } else {
                let mut table = Table::new([
                    "timestamp",
                    "operation",
                    "type",
                    "venue",
                    "error code",
                    "message",
                ]);
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
                table.write(&mut out)?;
                writeln!(out, "\n{} failed operation(s)", result.failures.len())?;
            }
        }
        Command::Trace { run, operation_id } => {
            let result = trace::trace(&open(&run)?, &operation_id)?;
            warn_all(&result.warnings);
            if json {
                write_json(&mut out, &result)?;
            } else {
                let mut table = Table::new(["timestamp", "file", "what"]);
                for e in &result.events {
                    table.row([e.timestamp.clone(), e.file.clone(), describe(&e.record)]);
                }
                table.write(&mut out)?;
                writeln!(
                    out,
                    "\n{} line(s) mention {operation_id}",
                    result.events.len()
                )?;
            }
        }
        Command::Positions { run, key } => {
            let result = positions::positions(&open(&run)?, &key)?;
            warn_all(&result.warnings);
            if json {
                write_json(&mut out, &result)?;
            } else {
                let mut table = Table::new(["timestamp", &key, "total value (USD)", "trigger"]);
                for p in &result.history {
                    table.row([
                        p.timestamp.clone(),
                        num(p.amount, 6),
                        p.total_value_usd.map(|v| num(v, 6)).unwrap_or_default(),
                        p.trigger_source.clone(),
                    ]);
                }
                table.write(&mut out)?;
            }
        }
        Command::Errors {
            run,
            severity,
            component,
            code,
        } => {
            let filter = errors::ErrorFilter {
                severity,
                component,
                code,
            };
            let result = errors::errors(&open(&run)?, &filter)?;
            warn_all(&result.warnings);
            if json {
                write_json(&mut out, &result)?;
            } else if result.errors.is_empty() {
                writeln!(out, "No errors match.")?;
            } else {
                let mut table =
                    Table::new(["timestamp", "severity", "code", "component", "message"]);
                for e in &result.errors {
                    table.row([
                        e.timestamp.clone(),
                        e.severity.clone(),
                        e.error_code.clone(),
                        e.component.clone(),
                        e.error_message.clone(),
                    ]);
                }
                table.write(&mut out)?;
                writeln!(out, "\n{} error(s)", result.errors.len())?;
            }
        }
        Command::Stats(run) => {
            let result = stats::stats(&open(&run)?)?;
            if json {
                write_json(&mut out, &result)?;
            } else {
                writeln!(
                    out,
                    "run {} (processes: {}), {} events from {} to {}\n",
                    result.correlation_id,
                    result.processes.join(", "),
                    result.total_events,
                    result.first_timestamp.as_deref().unwrap_or("-"),
                    result.last_timestamp.as_deref().unwrap_or("-"),
                )?;
                let mut table = Table::new([
                    "file", "event", "segments", "lines", "bytes", "first", "last",
                ]);
                for f in result.event_files.iter().chain(&result.log_files) {
                    table.row([
                        f.file.clone(),
                        f.event.clone().unwrap_or_default(),
                        f.segments.to_string(),
                        f.lines.to_string(),
                        f.bytes.to_string(),
                        f.first_timestamp.clone().unwrap_or_default(),
                        f.last_timestamp.clone().unwrap_or_default(),
                    ]);
                }
                table.write(&mut out)?;
            }
        }
        Command::Validate { paths, strict } => {
            let report = validate::validate_paths(&paths)?;
            let failed = report.failed(strict);
            if json {
                write_json(&mut out, &report)?;
            } else {
                for problem in &report.problems {
                    eprintln!("{problem}");
                }
                writeln!(
                    out,
                    "{} file(s), {} line(s) checked: {} bad line(s), {} torn tail(s)",
                    report.files.len(),
                    report.lines(),
                    report
                        .problems
                        .iter()
                        .filter(|p| p.kind != validate::ProblemKind::TornTail)
                        .count(),
                    report
                        .problems
                        .iter()
                        .filter(|p| p.kind == validate::ProblemKind::TornTail)
                        .count(),
                )?;
            }
            if failed {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Forward(args) => commands::forward::exec(args, json, &mut out)?,
        Command::Collect(args) => commands::collect::exec(args, json, &mut out)?,
        Command::Watch(args) => commands::watch::exec(args, json, &mut out)?,
        Command::Prune(args) => commands::prune::exec(args, json, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// One line about a traced record: its event and what it says.
fn describe(record: &serde_json::Value) -> String {
    let get = |key: &str| record.get(key).and_then(|v| v.as_str()).unwrap_or_default();
    let mut parts = Vec::new();
    for key in [
        "operation_type",
        "status",
        "error_code",
        "reconciliation_type",
        "delta_type",
        "atomic_group_id",
        "trigger_source",
        "message",
        "error_message",
    ] {
        let value = get(key);
        if !value.is_empty() {
            parts.push(format!("{key}={value}"));
        }
    }
    for key in ["retry_count", "rollback_occurred", "reconciliation_success"] {
        if let Some(value) = record.get(key) {
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(" ")
}

fn demo_command(args: DemoArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let options = DemoOptions {
        seed: args.seed,
        days: args.days,
        capital: args.capital,
        out: args.out,
        results: args.results,
        correlation_id: args.correlation_id,
        force: args.force,
        max_file_bytes: args.max_file_bytes,
    };
    let ticks = u64::from(options.days) * 24;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(ticks);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:40}] {pos}/{len} hours ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix("simulating");
        bar
    });
    let outcome = demo::run(&options, &mut |done| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    })
    .context("demo failed")?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    warn_all(&outcome.export.skipped);
    if json {
        write_json(out, &demo_json(&outcome))?;
    } else {
        print_demo(out, &outcome)?;
    }
    Ok(())
}

fn export_json(outcome: &ExportOutcome) -> serde_json::Value {
    serde_json::json!({
        "backtest_id": outcome.backtest_id,
        "results_dir": outcome.results_dir,
        "copied_files": outcome.copied_files,
        "csv_files": outcome.csv_files,
        "parquet_files": outcome.parquet_files,
        "skipped": outcome.skipped,
        "summary": outcome.results_dir.join("summary.json"),
        "report": outcome.report,
    })
}

fn demo_json(outcome: &DemoOutcome) -> serde_json::Value {
    serde_json::json!({
        "correlation_id": outcome.correlation_id,
        "run_dir": outcome.run_dir,
        "ticks": outcome.stats.ticks,
        "operations": outcome.stats.operations,
        "failed_operations": outcome.stats.failed_operations,
        "atomic_groups": outcome.stats.atomic_groups,
        "rolled_back_groups": outcome.stats.rolled_back_groups,
        "rebalances": outcome.stats.rebalances,
        "errors": outcome.stats.errors,
        "final_total_value_usd": outcome.stats.final_value,
        "total_pnl_usd": outcome.stats.total_pnl,
        "export": export_json(&outcome.export),
    })
}

fn print_export(out: &mut dyn Write, outcome: &ExportOutcome) -> Result<()> {
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

fn print_demo(out: &mut dyn Write, outcome: &DemoOutcome) -> Result<()> {
    let s = &outcome.stats;
    let summary = &outcome.export.summary;
    writeln!(out, "run       {}", outcome.run_dir.display())?;
    writeln!(
        out,
        "  events  {}",
        outcome.run_dir.join("events").display()
    )?;
    print_export(out, &outcome.export)?;
    writeln!(out)?;
    let mut table = Table::new(["", "value"]);
    table.row(["correlation id".to_owned(), outcome.correlation_id.clone()]);
    table.row([
        "engine time".to_owned(),
        format!(
            "{} to {}",
            summary.time_range.start.as_deref().unwrap_or("-"),
            summary.time_range.end.as_deref().unwrap_or("-")
        ),
    ]);
    table.row(["hourly ticks".to_owned(), s.ticks.to_string()]);
    table.row(["events".to_owned(), summary.total_events.to_string()]);
    table.row([
        "operations".to_owned(),
        format!(
            "{} ({} failed, {} retried)",
            s.operations, s.failed_operations, summary.operations.retried
        ),
    ]);
    table.row([
        "atomic groups".to_owned(),
        format!("{} ({} rolled back)", s.atomic_groups, s.rolled_back_groups),
    ]);
    table.row(["rebalances".to_owned(), s.rebalances.to_string()]);
    let by_severity: Vec<String> = summary
        .errors
        .by_severity
        .iter()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    table.row(["errors".to_owned(), by_severity.join(", ")]);
    table.row(["final total value (USD)".to_owned(), num(s.final_value, 2)]);
    table.row(["total P&L (USD)".to_owned(), num(s.total_pnl, 2)]);
    if let Some(pnl) = &summary.pnl {
        for (name, value) in &pnl.attribution {
            table.row([format!("  {name}"), num(*value, 2)]);
        }
    }
    table.write(out)?;
    writeln!(
        out,
        "\nnext: basis-log failures {0}   basis-log trace {0} supply_001   basis-log validate {0}",
        outcome.run_dir.display()
    )?;
    Ok(())
}
