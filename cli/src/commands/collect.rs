//! `basis-log collect --nats URL --out DIR [--stream NAME]`: writes every run
//! of a JetStream stream into the guide's tree (basis_live::collect does the
//! work).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use basis_live::collect::DEFAULT_DURABLE;
use basis_live::{CollectOptions, DEFAULT_STREAM, Status, StreamSettings};
use clap::Args;

/// Collect many hosts into one trail: consume the stream with a durable
/// consumer and write {out}/{correlation_id}/{pid}/ for every run received.
#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// The server, e.g. nats://127.0.0.1:4222.
    #[arg(long, env = "BASIS_NATS_URL")]
    pub nats: String,
    /// The collected tree's root.
    #[arg(long)]
    pub out: PathBuf,
    /// The JetStream stream, created (file storage, subjects basis.>) if missing.
    #[arg(long, default_value = DEFAULT_STREAM)]
    pub stream: String,
    /// The durable consumer's name: one collector per name.
    #[arg(long, default_value = DEFAULT_DURABLE)]
    pub durable: String,
    /// The de-duplication window of a stream this creates, in seconds.
    #[arg(long, default_value_t = 120)]
    pub dedup_window: u64,
    /// Exit after this many seconds without a message (default: run until interrupted).
    #[arg(long)]
    pub idle_exit: Option<f64>,
    /// Do not apply retention (7 days backtest, 30 live) to the tree.
    #[arg(long)]
    pub no_retention: bool,
}

/// Runs the collector, status lines on stderr, the summary on `out`.
pub(crate) fn exec(args: CollectArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut options = CollectOptions::new(args.nats, &args.out);
    options.stream = StreamSettings::new(args.stream);
    options.stream.duplicate_window = Duration::from_secs(args.dedup_window);
    options.durable = args.durable;
    if let Some(idle) = args.idle_exit {
        options.idle_exit = Some(
            Duration::try_from_secs_f64(idle).context("--idle-exit must be a number of seconds")?,
        );
    }
    if args.no_retention {
        options.retention = None;
    }
    let status = |status: &Status| eprintln!("collect: {status}");
    let report = basis_live::collect(&options, &status)
        .with_context(|| format!("collecting into {}", args.out.display()))?;
    if json {
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({
                "messages": report.messages,
                "lines": report.lines,
                "duplicates": report.duplicates,
                "refused": report.refused,
                "gaps": report.gaps,
                "removed_runs": report.removed_runs,
            }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "collected {} lines in {} messages; {} duplicates dropped, {} refused, {} gaps, {} old runs removed",
            report.lines,
            report.messages,
            report.duplicates,
            report.refused,
            report.gaps,
            report.removed_runs
        )?;
    }
    Ok(())
}
