//! `basis-log forward RUN_DIR --nats URL [--stream NAME] [--follow]`: ships a
//! run to a NATS JetStream stream (basis_live::forward does the work).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use basis_live::message::{MAX_BATCH_BYTES, MAX_BATCH_LINES};
use basis_live::{DEFAULT_STREAM, ForwardOptions, Status};
use clap::Args;

/// Ship a run to NATS JetStream: every event file, component log, manifest
/// and catalog, complete lines only, resuming from its cursor.
#[derive(Debug, Args)]
pub(crate) struct ForwardArgs {
    /// logs/{correlation_id}/{pid}, or logs/{correlation_id} for all its processes.
    pub run_dir: PathBuf,
    /// The server, e.g. nats://127.0.0.1:4222.
    #[arg(long, env = "BASIS_NATS_URL")]
    pub nats: String,
    /// The JetStream stream (it must exist; `basis-log collect` creates it).
    #[arg(long, default_value = DEFAULT_STREAM)]
    pub stream: String,
    /// Keep shipping until the run ended and all of it is acknowledged.
    #[arg(long)]
    pub follow: bool,
    /// Give up after this many seconds of failed retries of one message.
    #[arg(long, default_value_t = 600)]
    pub give_up_after: u64,
    /// Most lines per message.
    #[arg(long, default_value_t = MAX_BATCH_LINES, value_parser = clap::value_parser!(usize))]
    pub batch_lines: usize,
    /// Most bytes per message (a longer line goes alone).
    #[arg(long, default_value_t = MAX_BATCH_BYTES, value_parser = clap::value_parser!(usize))]
    pub batch_bytes: usize,
}

/// Runs the forwarder, status lines on stderr, the summary on `out`.
pub(crate) fn exec(args: ForwardArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut options = ForwardOptions::new(args.nats);
    options.stream = args.stream;
    options.follow = args.follow;
    options.max_batch_lines = args.batch_lines.max(1);
    options.max_batch_bytes = args.batch_bytes.max(1);
    options.retry.give_up_after = Duration::from_secs(args.give_up_after);
    let status = |status: &Status| eprintln!("forward: {status}");
    let report = basis_live::forward(&args.run_dir, &options, &status)
        .with_context(|| format!("forwarding {}", args.run_dir.display()))?;
    if json {
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({
                "processes": report.processes,
                "done": report.done,
                "messages": report.messages,
                "lines": report.lines,
                "duplicates": report.duplicates,
            }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "forwarded {} lines in {} messages ({} already on the server); {} of {} processes done",
            report.lines, report.messages, report.duplicates, report.done, report.processes
        )?;
    }
    Ok(())
}
