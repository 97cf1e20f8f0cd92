//! `basis-log demo`: simulate a backtest, write its logs, export its results.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use basis_log::demo::{self, DemoOptions, DemoOutcome, SweepOptions};
use basis_log::output::{Table, num, warn_all, write_json};
use clap::Args;

use super::Context;
use super::export::{outcome_json, print_outcome};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
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
    /// Replace a results directory written earlier by basis-log.
    #[arg(long)]
    force: bool,
    /// Rotate event files at this many bytes [default: the logger's 100 MB].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1024..))]
    max_file_bytes: Option<u64>,
    /// A sweep: write this many runs (seeds --seed-from, --seed-from + 1, …)
    /// and then their dataset.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    runs: Option<u32>,
    /// The first seed of a sweep [default: --seed].
    #[arg(long, requires = "runs")]
    seed_from: Option<u64>,
    /// Where a sweep writes its dataset [default: {results}/dataset].
    #[arg(long, requires = "runs")]
    dataset: Option<PathBuf>,
}

pub(crate) fn exec(args: DemoArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
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
    if let Some(runs) = args.runs {
        return exec_sweep(
            SweepOptions {
                seed_from: args.seed_from.unwrap_or(options.seed),
                demo: options,
                runs,
                dataset: args.dataset,
            },
            cx,
        );
    }
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
    if cx.json {
        write_json(cx.out, &outcome_as_json(&outcome))?;
    } else {
        print_demo(cx.out, &outcome)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--runs N`: the runs one after the other, then the dataset.
fn exec_sweep(options: SweepOptions, cx: &mut Context<'_>) -> Result<ExitCode> {
    let total = options.runs;
    let terminal = std::io::stderr().is_terminal();
    let outcome = demo::sweep(&options, &mut |i, seed| {
        if terminal {
            eprintln!("run {}/{total} (seed {seed})", i + 1);
        }
    })
    .context("demo sweep failed")?;
    for run in &outcome.runs {
        warn_all(&run.export.skipped);
    }
    warn_all(&outcome.dataset.skipped);
    if cx.json {
        let runs: Vec<_> = outcome.runs.iter().map(outcome_as_json).collect();
        write_json(
            cx.out,
            &serde_json::json!({"runs": runs, "dataset": outcome.dataset}),
        )?;
    } else {
        let mut table = Table::new(["seed", "correlation id", "final value (USD)", "results"]);
        for run in &outcome.runs {
            table.row([
                run.seed.to_string(),
                run.correlation_id.clone(),
                num(run.stats.final_value, 2),
                run.export.results_dir.display().to_string(),
            ]);
        }
        table.write(cx.out)?;
        writeln!(cx.out)?;
        super::dataset::print_outcome(cx.out, &outcome.dataset)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn outcome_as_json(outcome: &DemoOutcome) -> serde_json::Value {
    let summary = &outcome.export.summary;
    serde_json::json!({
        "correlation_id": outcome.correlation_id,
        "seed": outcome.seed,
        "run_dir": outcome.run_dir,
        "ticks": outcome.stats.ticks,
        // The summary's figures, defined once (basis_report::digest).
        "operations": summary.operations.total,
        "attempts": summary.operations.attempts,
        "failed_attempts": summary.failures.len(),
        "atomic_groups": summary.atomic_groups.total,
        "rolled_back_groups": summary.atomic_groups.rolled_back,
        "rebalances": outcome.stats.rebalances,
        "errors": summary.errors.total,
        "final_total_value_usd": summary.final_total_value_usd,
        "total_pnl_usd": summary.pnl.as_ref().map(|p| p.total_pnl_usd),
        "export": outcome_json(&outcome.export),
    })
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
    print_outcome(out, &outcome.export)?;
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
    // The summary's figures, not the simulation's own counters: the console,
    // summary.json and the report say the same numbers.
    table.row([
        "operations".to_owned(),
        format!(
            "{} in {} attempts ({} failed attempts, {} operations retried)",
            summary.operations.total,
            summary.operations.attempts,
            summary.failures.len(),
            summary.operations.retried
        ),
    ]);
    table.row([
        "atomic groups".to_owned(),
        format!(
            "{} ({} rolled back)",
            summary.atomic_groups.total, summary.atomic_groups.rolled_back
        ),
    ]);
    table.row(["rebalances".to_owned(), s.rebalances.to_string()]);
    let by_severity: Vec<String> = summary
        .errors
        .by_severity
        .iter()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    table.row(["errors".to_owned(), by_severity.join(", ")]);
    let or_dash = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| num(v, 2));
    table.row([
        "final total value (USD)".to_owned(),
        or_dash(summary.final_total_value_usd),
    ]);
    table.row([
        "total P&L (USD)".to_owned(),
        or_dash(summary.pnl.as_ref().map(|p| p.total_pnl_usd)),
    ]);
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
