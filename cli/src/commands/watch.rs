//! `basis-log watch --nats URL [--severity HIGH] [--correlation-id ID]`: the
//! fleet's errors and failed operations as they arrive, one line each.

use std::io::Write;
use std::ops::ControlFlow;

use anyhow::Result;
use basis_events::Severity;
use basis_live::{Status, WatchOptions};
use clap::Args;

/// Watch the fleet live: errors at or above a severity and failed
/// operations, one line each (`--json` for scripts).
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The server, e.g. nats://127.0.0.1:4222.
    #[arg(long, env = "BASIS_NATS_URL")]
    pub nats: String,
    /// Errors at least this severe: CRITICAL, HIGH, MEDIUM or LOW.
    #[arg(long, default_value = "HIGH")]
    pub severity: Severity,
    /// Only this run.
    #[arg(long)]
    pub correlation_id: Option<String>,
    /// Exit after this many alerts.
    #[arg(long)]
    pub count: Option<u64>,
}

/// Prints alerts to `out` until interrupted (or `--count` of them).
pub(crate) fn exec(args: WatchArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut options = WatchOptions::new(args.nats);
    options.severity = args.severity;
    options.correlation_id = args.correlation_id;
    let status = |status: &Status| eprintln!("watch: {status}");
    let mut shown = 0;
    let mut failure = None;
    basis_live::watch(&options, &status, &mut |alert| {
        let written = if json {
            serde_json::to_writer(&mut *out, alert)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        } else {
            writeln!(out, "{alert}")
        };
        if let Err(err) = written.and_then(|()| out.flush()) {
            failure = Some(err);
            return ControlFlow::Break(());
        }
        shown += 1;
        if args.count.is_some_and(|count| shown >= count) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    match failure {
        Some(err) => Err(err.into()),
        None => Ok(()),
    }
}
