//! `basis-log prune LOG_ROOT [--dry-run] [--older-than DAYS]`: retention on
//! demand, by the same rule as at run creation (never an active run, never
//! one a forwarder has not finished shipping).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use basis_events::run_dir::{LogDirectoryManager, RetentionOptions, SkipReason};
use clap::Args;

/// Remove old runs: 7 days of backtests and 30 of live runs by last write
/// (or --older-than for both), never a running one or one still being forwarded.
#[derive(Debug, Args)]
pub(crate) struct PruneArgs {
    /// The log root holding {correlation_id}/ directories.
    pub log_root: PathBuf,
    /// Only list what would be removed.
    #[arg(long)]
    pub dry_run: bool,
    /// Remove runs last written more than this many days ago, backtest or live.
    #[arg(long)]
    pub older_than: Option<f64>,
}

/// Applies retention to `log_root` and lists what it did.
pub(crate) fn exec(args: PruneArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut options = RetentionOptions::new().dry_run(args.dry_run);
    if let Some(days) = args.older_than {
        let age = Duration::try_from_secs_f64(days * 86_400.0)
            .context("--older-than must be a non-negative number of days")?;
        options = options.backtest_retention(age).live_retention(age);
    }
    let report = LogDirectoryManager::with_root(&args.log_root)
        .apply_retention(&options)
        .with_context(|| format!("pruning {}", args.log_root.display()))?;
    let reason = |reason: SkipReason| match reason {
        SkipReason::Symlink => "symbolic link",
        SkipReason::NotARun => "not a run",
        SkipReason::Active => "running",
        SkipReason::NotAcknowledged => "not yet acknowledged by the server",
        _ => "kept",
    };
    if json {
        let runs = |runs: &[basis_events::run_dir::RunAge]| -> Vec<serde_json::Value> {
            runs.iter()
                .map(|run| serde_json::json!({ "correlation_id": run.correlation_id, "bytes": run.bytes }))
                .collect()
        };
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({
                "dry_run": report.dry_run,
                "removed": runs(&report.removed),
                "kept": runs(&report.kept),
                "skipped": report.skipped.iter().map(|s| serde_json::json!({
                    "path": s.path, "reason": reason(s.reason),
                })).collect::<Vec<_>>(),
            }),
        )?;
        writeln!(out)?;
        return Ok(());
    }
    let verb = if report.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for run in &report.removed {
        writeln!(out, "{verb}  {}  ({} bytes)", run.correlation_id, run.bytes)?;
    }
    for skipped in &report.skipped {
        writeln!(
            out,
            "kept  {}  ({})",
            skipped.path.display(),
            reason(skipped.reason)
        )?;
    }
    writeln!(
        out,
        "{} runs {verb}, {} young enough to keep, {} skipped",
        report.removed.len(),
        report.kept.len(),
        report.skipped.len()
    )?;
    Ok(())
}
