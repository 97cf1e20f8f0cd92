//! A component author's first run: create the run directory, emit domain
//! events and component logs on a backtest clock, and finish the run.
//!
//! `cargo run -p basis-events --example quickstart` writes under a temporary
//! directory and prints the tree; README.md quotes this file.

use basis_events::catalog::{PositionSnapshot, SystemErrorEvent};
use basis_events::prelude::*;
use basis_events::{EngineClock, LogDirectoryManager, RunOptions, codes};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::temp_dir().join(format!("basis-quickstart-{}", std::process::id()));

    // logs/{correlation_id}/{pid}/ with events/ and metadata.json.
    let run = LogDirectoryManager::with_root(&root).create_run_logs(RunOptions::new(
        "pure_lending_usdt",
        "pure_lending",
        10_000.0,
    ))?;

    // The engine clock: set by the data loop in a backtest.
    let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T10:30:00")?);
    let events = run.event_logger().clock(clock.clone()).build()?;
    let logs = run.component_logs().clock(clock.clone()).build()?;
    let position_monitor = logs.logger(Component::PositionMonitor)?;

    // An event is built from its payload alone; emit stamps the envelope.
    events.emit(PositionSnapshot {
        positions: IndexMap::from([("aave:aToken:aUSDT".to_owned(), 10_000.0)]),
        total_value_usd: 10_000.0,
        position_type: PositionType::Simulated,
        trigger_source: "execution_manager".to_owned(),
        metadata: Metadata::new(),
    })?;
    position_monitor.info(
        "Position updated",
        basis_events::json!({ "positions_count": 1 }),
    );

    // An error carries its registered code, component and severity.
    clock.set(EngineTime::parse("2025-01-15T11:30:00")?)?;
    let mismatch = "aave:aToken:aUSDT is 0.000002 below expected";
    events.emit(SystemErrorEvent::from_code(codes::POS_005, mismatch))?;
    position_monitor.error_code(codes::POS_005, mismatch, ());

    // Flush everything and complete the manifest with end time, status and counts.
    logs.shutdown()?;
    run.shutdown(&events)?;
    println!("wrote {}", run.dir().display());
    std::fs::remove_dir_all(&root)?;
    Ok(())
}
