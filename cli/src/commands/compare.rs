//! `basis-log compare RUN_A RUN_B [RUN …]`: deltas against a baseline.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use basis_log::compare::{self, CompareOptions, Comparison};
use basis_log::output::{Table, warn, write_json};
use clap::Args;

use super::Context;

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// Results directories (results/{correlation_id}), at least two.
    #[arg(required = true, num_args = 2..)]
    runs: Vec<PathBuf>,
    /// The run the others are compared with [default: the first].
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Also write the comparison as one self-contained HTML page.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Replace a page written earlier by basis-log (never any other file).
    #[arg(long, requires = "report")]
    force: bool,
}

pub(crate) fn exec(args: CompareArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let comparison = compare::compare(&CompareOptions {
        runs: args.runs,
        baseline: args.baseline,
        keep_series: args.report.is_some(),
    })?;
    if let Some(to) = &args.report {
        compare::page::write(&comparison, to, args.force)?;
    }
    if cx.json {
        write_json(cx.out, &comparison)?;
    } else {
        print_comparison(cx.out, &comparison)?;
        if let Some(to) = &args.report {
            writeln!(cx.out, "\nreport    {}", to.display())?;
        }
    }
    for warning in &comparison.warnings {
        warn(format_args!("warning: {warning}"));
    }
    Ok(ExitCode::SUCCESS)
}

/// One row per metric: the baseline's value, then each run's delta.
fn print_comparison(out: &mut dyn Write, comparison: &Comparison) -> Result<()> {
    let mut header = vec![format!("metric (baseline {})", comparison.baseline)];
    header.push("baseline".to_owned());
    header.extend(
        comparison
            .deltas
            .iter()
            .map(|d| format!("Δ {}", d.correlation_id)),
    );
    let mut table = Table::new(header);
    let text = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.6}"));
    for metric in &comparison.metrics {
        let mut row = vec![metric.clone()];
        row.push(text(
            comparison.runs[0].values.get(metric).copied().flatten(),
        ));
        row.extend(
            comparison
                .deltas
                .iter()
                .map(|d| text(d.deltas.get(metric).copied().flatten())),
        );
        table.row(row);
    }
    table.write(out)?;
    Ok(())
}
