//! The benchmark run, shared by the query and export benchmarks: one
//! complete run directory (`metadata.json`, `catalog.json`, component logs)
//! whose `operation_executions.jsonl` holds `BASIS_BENCH_BYTES` of
//! operations, 1% of them failed, written through the logger itself under a
//! backtest clock, so every field but `real_utc_time` is deterministic.
//!
//! Generated once into `target/bench-data/{bytes}/logs/benchrun/1/` and
//! reused while it is complete.

#![allow(dead_code)]

pub mod measure;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use basis_events::catalog::{
    ExpectedDelta, OperationExecutionEvent, OperationStatus, OperationType,
};
use basis_events::run_dir::{LogDirectoryManager, RunOptions};
use basis_events::{EngineClock, EngineTime, LoggerConfig};
use indexmap::IndexMap;

/// The size of the generated file: `BASIS_BENCH_BYTES`, 64 MiB by default
/// so that a local run is quick.
pub fn bytes_wanted() -> u64 {
    std::env::var("BASIS_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64 << 20)
}

/// Samples per command: `BASIS_BENCH_SAMPLES`, 3 by default.
pub fn samples() -> u32 {
    std::env::var("BASIS_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // No `..` in it: export refuses such a target.
            let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
            cli.parent().unwrap_or(cli).join("target")
        })
}

/// The operation every size of the run holds, failed: n = 37.
pub const TRACED: &str = "borrow_0000037";

/// The n-th operation of the run.
pub fn operation(n: u64) -> OperationExecutionEvent {
    let failed = n % 100 == 37;
    let amount = 1000.0 + (n % 977) as f64;
    let op = if n.is_multiple_of(2) {
        OperationType::Supply
    } else {
        OperationType::Borrow
    };
    OperationExecutionEvent {
        operation_id: format!("{}_{n:07}", op.as_str()),
        operation_type: op,
        venue: "aave_v3".to_owned(),
        source_token: "USDT".to_owned(),
        target_token: "aUSDT".to_owned(),
        status: if failed {
            OperationStatus::Failed
        } else {
            OperationStatus::Confirmed
        },
        expected_deltas: vec![ExpectedDelta {
            position_key: "aave:aToken:aUSDT".to_owned(),
            delta_amount: amount,
            token: "aUSDT".to_owned(),
            venue: "aave_v3".to_owned(),
            operation_type: op,
        }],
        actual_deltas: if failed {
            IndexMap::new()
        } else {
            IndexMap::from([
                ("aave:aToken:aUSDT".to_owned(), amount),
                ("wallet:BaseToken:USDT".to_owned(), -amount),
            ])
        },
        fee_amount: 0.25,
        fee_currency: "USDT".to_owned(),
        execution_duration_ms: 100.0 + (n % 300) as f64,
        simulated: true,
        error_code: failed.then_some(basis_events::codes::EXEC_001),
        error_message: failed.then(|| "Order execution failed".to_owned()),
    }
}

/// `target/bench-data/{bytes}/logs/benchrun/1/` for `BASIS_BENCH_BYTES`,
/// generated if it is not there complete.
pub fn run_dir() -> PathBuf {
    run_dir_of(bytes_wanted())
}

/// The benchmark run of at least `bytes` of operations, generated into
/// `target/bench-data/{bytes}/` if it is not there complete.
pub fn run_dir_of(bytes: u64) -> PathBuf {
    let root = target_dir().join("bench-data").join(bytes.to_string());
    let logs = root.join("logs");
    let dir = logs.join("benchrun/1");
    let file = dir.join("events/operation_executions.jsonl");
    let complete = std::fs::read_to_string(dir.join("metadata.json"))
        .is_ok_and(|manifest| manifest.contains("\"completed\""));
    if complete && std::fs::metadata(&file).is_ok_and(|m| m.len() >= bytes) {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&root);
    eprintln!("generating {} ({bytes} bytes)...", file.display());
    let run = LogDirectoryManager::with_root(&logs)
        .create_run_logs(
            RunOptions::new("backtest", "bench", 1_000_000.0)
                .correlation_id("benchrun")
                .pid(1)
                .retention(None),
        )
        .expect("bench run directory");
    let start = EngineTime::parse("2025-01-15T10:30:00").expect("valid time");
    let clock = EngineClock::backtest(start);
    // One file, as the anchors read it: never rotated.
    let logger = run
        .event_logger()
        .clock(clock.clone())
        .config(LoggerConfig::default().max_file_bytes(u64::MAX))
        .build()
        .expect("bench logger");
    // The guide's line is about 740 bytes; check the size every 4096 events.
    let mut n = 0u64;
    loop {
        for _ in 0..4096 {
            n += 1;
            let time = EngineTime::from_utc(start.as_utc() + chrono::Duration::seconds(n as i64));
            clock.set(time).expect("a backtest clock");
            logger.emit(operation(n)).expect("bench emit");
        }
        logger.flush().expect("bench flush");
        // Every file of the run counted, so that a rotation could never
        // make this loop run on.
        let written: u64 = std::fs::read_dir(dir.join("events"))
            .expect("bench events directory")
            .filter_map(|entry| entry.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        if written >= bytes {
            break;
        }
    }
    run.shutdown(&logger).expect("bench shutdown");
    dir
}

pub fn available(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether Python's `duckdb` module is importable.
pub fn duckdb_available() -> bool {
    Command::new("python3")
        .args(["-c", "import duckdb"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The engine time of the run's last line: `at` at it reads every line.
pub fn last_timestamp(file: &Path) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(file).expect("bench file");
    let len = f.metadata().expect("bench file").len();
    let tail = len.min(64 << 10);
    f.seek(SeekFrom::Start(len - tail)).expect("seek");
    let mut text = Vec::new();
    f.read_to_end(&mut text).expect("bench file");
    let last_line = text
        .strip_suffix(b"\n")
        .and_then(|t| t.rsplit(|b| *b == b'\n').next())
        .expect("a last line");
    let value: serde_json::Value = serde_json::from_slice(last_line).expect("JSON");
    value["timestamp"].as_str().expect("timestamp").to_owned()
}
