//! `basis-log report RUN_DIR [--to FILE]`: the run's HTML report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use basis_log::output::{warn, write_json};
use clap::Args;

use super::{Context, RunArg};

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    run: RunArg,
    /// Where to write the page.
    #[arg(long, default_value = basis_report::REPORT_FILE)]
    to: PathBuf,
    /// Replace an existing report written earlier by basis-log (never any other file).
    #[arg(long)]
    force: bool,
    /// Link error codes to this page instead of docs/ERROR_CODES.md
    /// (as seen from the report).
    #[arg(long)]
    error_docs: Option<String>,
}

pub(crate) fn exec(args: ReportArgs, cx: &mut Context<'_>) -> Result<ExitCode> {
    let run = args.run.read()?;
    let mut run_dirs = vec![args.run.run_dir.clone()];
    run_dirs.extend(run.processes().iter().map(|p| p.dir().to_owned()));
    let target = basis_log::target::report_file(&args.to, &run_dirs, args.force)?;
    let error_docs = args
        .error_docs
        .or_else(|| basis_report::relative_link(&args.to, Path::new("docs/ERROR_CODES.md")));
    let mut options = basis_report::ReportOptions::default();
    if let Some(error_docs) = error_docs {
        options = options.error_docs(error_docs);
    }
    let summary = target
        .write_with(|path| basis_report::write_report(&args.run.run_dir, path, &options))
        .with_context(|| format!("writing the report of {}", args.run.run_dir.display()))?;
    for gap in &summary.gaps {
        warn(gap);
    }
    if cx.json {
        write_json(
            cx.out,
            &serde_json::json!({
                "report": args.to,
                "bytes": summary.bytes,
                "events": summary.events,
                "final_total_value_usd": summary.final_total_value,
                "total_pnl_usd": summary.total_pnl,
                "gaps": summary.gaps.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
        )?;
    } else {
        writeln!(
            cx.out,
            "report  {} ({} events, {} KiB)",
            args.to.display(),
            summary.events,
            summary.bytes / 1024
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
