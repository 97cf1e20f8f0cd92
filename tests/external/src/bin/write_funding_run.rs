//! Writes a real run with the FundingMonitor's own events, codes and log,
//! for end-to-end tests of readers built without this crate.
//!
//! `write_funding_run LOG_ROOT CORRELATION_ID` writes
//! `LOG_ROOT/CORRELATION_ID/{pid}/` (300 funding rate snapshots, 200 funding
//! payments, a few guide events, a `SystemErrorEvent` with FUND-002 and
//! `funding_monitor.log` with an error-code line), shuts it down and prints
//! the run directory.

use std::process::ExitCode;

use basis_events::catalog::{PositionSnapshot, SystemErrorEvent};
use basis_events::prelude::*;
use basis_events::{ComponentLogs, EngineClock, LogDirectoryManager, RunOptions};
use basis_external_event::{
    FundingMonitor, FundingPayment, codes, payment_example, rate_snapshot_example,
};

/// Funding rate snapshots written.
const SNAPSHOTS: u64 = 300;
/// Funding payments written.
const PAYMENTS: u64 = 200;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, correlation_id] = args.as_slice() else {
        eprintln!("usage: write_funding_run LOG_ROOT CORRELATION_ID");
        return ExitCode::from(2);
    };
    match write_run(root, correlation_id) {
        Ok(dir) => {
            println!("{}", dir.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn write_run(
    root: &str,
    correlation_id: &str,
) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let run = LogDirectoryManager::with_root(root).create_run_logs(
        RunOptions::new("funding_arb_btc", "funding_arb", 50_000.0).correlation_id(correlation_id),
    )?;
    let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T00:00:00")?);
    let events = run.event_logger().clock(clock.clone()).build()?;
    let logs = ComponentLogs::builder(run.dir(), run.correlation_id(), run.pid())
        .clock(clock.clone())
        .build()?;
    let funding = logs.logger(FundingMonitor)?;
    // The tracing layer installs with basis-events' re-export of
    // tracing-subscriber: this crate depends on basis-events alone.
    {
        use basis_events::tracing_subscriber::layer::SubscriberExt;
        use basis_events::tracing_subscriber::util::SubscriberInitExt;
        basis_events::tracing_subscriber::registry()
            .with(
                basis_events::StructuredLayer::new(logs.clone()).default_component(FundingMonitor),
            )
            .try_init()?;
    }

    for i in 0..SNAPSHOTS.max(PAYMENTS) {
        // One sample a minute, from midnight.
        clock.set(EngineTime::parse(&format!(
            "2025-01-15T{:02}:{:02}:00",
            i / 60,
            i % 60
        ))?)?;
        if i < SNAPSHOTS {
            let mut snapshot = rate_snapshot_example();
            snapshot.best.rate = 0.0001 + (i as f64) * 1e-7;
            snapshot.rates.insert("bybit".to_owned(), 0.00009);
            events.emit_as(FundingMonitor, snapshot)?;
        }
        if i < PAYMENTS {
            events.emit_as(
                FundingMonitor,
                FundingPayment {
                    payment_number: i + 1,
                    amount_usd: 12.5 - i as f64 * 0.01,
                    is_long: i % 2 == 0,
                    venue_reference: (i % 3 != 0).then(|| format!("pay-{:04}", i + 1)),
                    ..payment_example()
                },
            )?;
        }
        if i % 100 == 0 {
            events.emit(PositionSnapshot {
                positions: IndexMap::from([("binance:perp:BTC".to_owned(), -0.5)]),
                total_value_usd: 50_000.0,
                position_type: PositionType::Simulated,
                trigger_source: "funding_monitor".to_owned(),
                metadata: Metadata::new(),
            })?;
            funding.info(
                "Funding rates sampled",
                basis_events::json!({ "instruments": 1, "venues": ["binance", "okx", "bybit"] }),
            );
        }
    }
    let mismatch = "booked 12.50 USD, venue says 12.40 USD";
    events.emit_as(
        FundingMonitor,
        SystemErrorEvent::from_code(codes::FUND_002, mismatch),
    )?;
    funding.error_code(codes::FUND_002, mismatch, ());
    funding.error_code(codes::FUND_001, "no rate from okx for 8h", ());

    logs.shutdown()?;
    run.shutdown(&events)?;
    Ok(run.dir().to_owned())
}
