//! `basis-log dataset RESULTS_ROOT --to DIR`: one Parquet dataset of every run.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use basis_log::dataset::{self, DatasetOptions, DatasetOutcome, RunChange};
use basis_log::output::{Table, warn_all, write_json};
use clap::Args;

use super::Context;

#[derive(Debug, Args)]
pub(crate) struct DatasetArgs {
    /// The results root: every results/{correlation_id}/ under it is a run.
    results_root: PathBuf,
    /// The dataset directory, created or updated in place [default: {results_root}/dataset].
    #[arg(long)]
    to: Option<PathBuf>,
}

pub(crate) fn exec(args: DatasetArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let to = args
        .to
        .unwrap_or_else(|| basis_log::demo::default_dataset_dir(&args.results_root));
    let outcome = dataset::build(&DatasetOptions {
        results_root: args.results_root,
        to,
    })?;
    warn_all(&outcome.skipped);
    if cx.json {
        write_json(cx.out, &outcome)?;
    } else {
        print_outcome(cx.out, &outcome)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The runs and what happened to each, then the counts.
pub(crate) fn print_outcome(out: &mut dyn Write, outcome: &DatasetOutcome) -> Result<()> {
    let mut table = Table::new(["run", "status", "change", "events"]);
    for run in &outcome.runs {
        let change = match run.change {
            RunChange::Added => "added",
            RunChange::Replaced => "replaced",
            RunChange::Unchanged => "unchanged",
        };
        table.row([
            run.correlation_id.clone(),
            run.status.clone(),
            change.to_owned(),
            run.events.len().to_string(),
        ]);
    }
    table.write(out)?;
    writeln!(
        out,
        "\ndataset {}: {} runs in runs.parquet ({} added, {} replaced, {} unchanged, {} kept from earlier)",
        outcome.dir.display(),
        outcome.rows,
        outcome.count(RunChange::Added),
        outcome.count(RunChange::Replaced),
        outcome.count(RunChange::Unchanged),
        outcome.kept.len()
    )?;
    Ok(())
}
