//! Replay rebuilds state: the position book from `OperationExecutionEvent`
//! deltas, checked against every `PositionSnapshot` of a run.
//!
//! `cargo run -p basis-events --example replay [RUN_DIR]` reads RUN_DIR
//! (`logs/{correlation_id}` or one of its process directories); without it,
//! the example writes a small run of its own with the logger and reads that.
//!
//! The book starts from the first snapshot of each process (the state before
//! any operation), then every `confirmed` operation adds its `actual_deltas`;
//! each later snapshot is compared with the book, and every position where
//! they disagree is printed with the snapshot's place in the run.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use basis_events::catalog::{OperationExecutionEvent, OperationStatus, PositionSnapshot};
use basis_events::prelude::*;
use basis_events::reader::{Replay, Run};
use basis_events::{EngineClock, LogDirectoryManager, RunOptions};

/// Differences smaller than this are rounding, not disagreement.
const TOLERANCE: f64 = 1e-6;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (dir, _written) = match std::env::args_os().nth(1) {
        Some(dir) => (PathBuf::from(dir), None),
        None => {
            let written = tempfile::tempdir()?;
            (write_demo_run(written.path())?, Some(written))
        }
    };
    let run = Run::open(&dir)?;
    for notice in run.notices() {
        println!("note: {notice}");
    }

    // One book per process: each process trades its own positions.
    // Both handlers use the books; the replay calls one at a time.
    let books: RefCell<BTreeMap<u32, BTreeMap<String, f64>>> = RefCell::default();
    let (mut checked, mut disagreements, mut problems) = (0u64, 0u64, 0u64);
    let report = Replay::new(&run)
        .on::<OperationExecutionEvent>(|record| {
            if record.event.status == OperationStatus::Confirmed
                && let Some(book) = books.borrow_mut().get_mut(&record.envelope.pid)
            {
                for (key, delta) in &record.event.actual_deltas {
                    *book.entry(key.clone()).or_default() += delta;
                }
            }
        })
        .on::<PositionSnapshot>(|record| {
            let mut books = books.borrow_mut();
            let Some(book) = books.get(&record.envelope.pid) else {
                books.insert(
                    record.envelope.pid,
                    record
                        .event
                        .positions
                        .iter()
                        .map(|(k, v)| (k.clone(), *v))
                        .collect(),
                );
                return;
            };
            checked += 1;
            let keys: std::collections::BTreeSet<&String> =
                book.keys().chain(record.event.positions.keys()).collect();
            for key in keys {
                let rebuilt = book.get(key).copied().unwrap_or(0.0);
                let written = record.event.positions.get(key).copied().unwrap_or(0.0);
                if (rebuilt - written).abs() > TOLERANCE {
                    disagreements += 1;
                    println!(
                        "{}: {key}: the snapshot says {written}, the deltas give {rebuilt}",
                        record.position
                    );
                }
            }
        })
        .on_problem(|problem| {
            problems += 1;
            println!("problem: {problem}");
        })
        .run()?;

    println!(
        "{} records, {checked} snapshots checked against the rebuilt book, {disagreements} disagreements, {problems} problems{}",
        report.records,
        if report.approximate {
            " (order approximate: lines without seq)"
        } else {
            ""
        },
    );
    if disagreements > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// Writes a small lending run under `root`: an initial snapshot, then
/// supplies and a withdrawal, each followed by the snapshot after it.
/// Returns the correlation directory.
fn write_demo_run(root: &std::path::Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let logs = LogDirectoryManager::with_root(root).create_run_logs(RunOptions::new(
        "pure_lending_usdt",
        "pure_lending",
        10_000.0,
    ))?;
    let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T10:00:00")?);
    let events = logs.event_logger().clock(clock.clone()).build()?;
    let mut book = IndexMap::from([("wallet:BaseToken:USDT".to_owned(), 10_000.0)]);
    let snapshot = |book: &IndexMap<String, f64>| PositionSnapshot {
        positions: book.clone(),
        total_value_usd: book.values().sum(),
        position_type: PositionType::Simulated,
        trigger_source: "execution_manager".to_owned(),
        metadata: Metadata::new(),
    };
    events.emit(snapshot(&book))?;
    let template = OperationExecutionEvent::example().ok_or("the guide's example")?;
    let hours = [
        "2025-01-15T11:00:00",
        "2025-01-15T12:00:00",
        "2025-01-15T13:00:00",
    ];
    for (i, (amount, hour)) in [4_000.0, 3_000.0, -2_500.0]
        .into_iter()
        .zip(hours)
        .enumerate()
    {
        clock.set(EngineTime::parse(hour)?)?;
        let mut operation = template.clone();
        operation.operation_id = format!("supply_{:03}", i + 1);
        operation.actual_deltas = IndexMap::from([
            ("aave:aToken:aUSDT".to_owned(), amount),
            ("wallet:BaseToken:USDT".to_owned(), -amount),
        ]);
        for (key, delta) in &operation.actual_deltas {
            *book.entry(key.clone()).or_default() += delta;
        }
        events.emit(operation)?;
        events.emit(snapshot(&book))?;
    }
    logs.shutdown(&events)?;
    Ok(logs
        .dir()
        .parent()
        .ok_or("a process directory has a parent")?
        .to_owned())
}
