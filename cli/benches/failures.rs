//! `basis-log failures` against `jq 'select(.status == "failed")'` and
//! `grep -c '"status":"failed"'` on one large `operation_executions.jsonl`.
//!
//! ```text
//! BASIS_BENCH_BYTES=1073741824 cargo bench -p basis-log --bench failures
//! ```
//!
//! The file is generated once into `target/bench-data/` (1% of the operations
//! failed) and reused. `BASIS_BENCH_BYTES` sets its size (64 MiB by default,
//! so a local run is quick); `BASIS_BENCH_SAMPLES` the samples per command
//! (3 by default). After divan's table, the medians and the ratios are printed.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use basis_events::catalog::{
    ExpectedDelta, OperationExecutionEvent, OperationStatus, OperationType,
};
use basis_events::time::{EngineTime, RealUtcTime};
use basis_events::{DomainEvent, Envelope};
use indexmap::IndexMap;

static TIMES: Mutex<BTreeMap<&'static str, Vec<Duration>>> = Mutex::new(BTreeMap::new());

fn bytes_wanted() -> u64 {
    std::env::var("BASIS_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64 << 20)
}

fn samples() -> u32 {
    std::env::var("BASIS_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// `target/bench-data/{bytes}/logs/benchrun/1/`, with its operation file.
fn run_dir() -> PathBuf {
    let bytes = bytes_wanted();
    let dir = target_dir()
        .join("bench-data")
        .join(bytes.to_string())
        .join("logs/benchrun/1");
    let file = dir.join("events/operation_executions.jsonl");
    if std::fs::metadata(&file).is_ok_and(|m| m.len() >= bytes) {
        return dir;
    }
    std::fs::create_dir_all(dir.join("events")).expect("bench data directory");
    eprintln!("generating {} ({} bytes)...", file.display(), bytes);
    let out = std::fs::File::create(&file).expect("bench data file");
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let start = EngineTime::parse("2025-01-15T10:30:00").expect("valid time");
    let mut written = 0u64;
    let mut n = 0u64;
    while written < bytes {
        n += 1;
        let failed = n % 100 == 37;
        let amount = 1000.0 + (n % 977) as f64;
        let op = if n.is_multiple_of(2) {
            OperationType::Supply
        } else {
            OperationType::Borrow
        };
        let event = OperationExecutionEvent {
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
        };
        let time = EngineTime::from_utc(start.as_utc() + chrono::Duration::seconds(n as i64));
        let record = event.stamp(Envelope {
            timestamp: time,
            real_utc_time: RealUtcTime::from_utc(time.as_utc()),
            correlation_id: "benchrun".to_owned(),
            pid: 1,
            seq: Some(n + 1),
        });
        let mut line = serde_json::to_vec(&record).expect("serializable");
        line.push(b'\n');
        out.write_all(&line).expect("bench data write");
        written += line.len() as u64;
    }
    out.flush().expect("bench data flush");
    dir
}

fn available(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn time(name: &'static str, mut command: Command) {
    // Output goes to a pipe that is read to the end, never to /dev/null: GNU
    // grep notices /dev/null and stops at the first match.
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    let elapsed = started.elapsed();
    // grep -c exits 1 when nothing matches; anything else is a failure.
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.stdout.is_empty(), "{name} printed nothing");
    TIMES
        .lock()
        .expect("timing lock")
        .entry(name)
        .or_default()
        .push(elapsed);
}

fn events_file() -> PathBuf {
    run_dir().join("events/operation_executions.jsonl")
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn basis_log_failures(bencher: divan::Bencher) {
    let dir = run_dir();
    bencher.bench(|| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_basis-log"));
        command.arg("failures").arg(&dir);
        time("basis-log failures", command);
    });
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn grep_count(bencher: divan::Bencher) {
    if !available("grep") {
        eprintln!("grep not found; skipped");
        return;
    }
    let file = events_file();
    bencher.bench(|| {
        let mut command = Command::new("grep");
        command.arg("-c").arg("\"status\":\"failed\"").arg(&file);
        time("grep -c", command);
    });
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn jq_select(bencher: divan::Bencher) {
    if !available("jq") {
        eprintln!("jq not found; skipped (apt-get install jq)");
        return;
    }
    let file = events_file();
    bencher.bench(|| {
        let mut command = Command::new("jq");
        command.arg("select(.status == \"failed\")").arg(&file);
        time("jq select", command);
    });
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn main() {
    let file = events_file();
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "file: {} ({:.1} MiB)",
        file.display(),
        size as f64 / (1 << 20) as f64
    );
    divan::main();

    let times = TIMES.lock().expect("timing lock");
    let medians: BTreeMap<&str, Duration> = times.iter().map(|(k, v)| (*k, median(v))).collect();
    println!("\nmedians on {:.1} MiB:", size as f64 / (1 << 20) as f64);
    for (name, m) in &medians {
        let rate = size as f64 / (1 << 20) as f64 / m.as_secs_f64();
        println!("  {name:<20} {:>9.3} s  {rate:>8.0} MiB/s", m.as_secs_f64());
    }
    if let Some(ours) = medians.get("basis-log failures") {
        if let Some(jq) = medians.get("jq select") {
            println!(
                "  jq / basis-log   = {:.1}x (target >= 10x)",
                jq.as_secs_f64() / ours.as_secs_f64()
            );
        }
        if let Some(grep) = medians.get("grep -c") {
            println!(
                "  basis-log / grep = {:.2}x (target <= 3x)",
                ours.as_secs_f64() / grep.as_secs_f64()
            );
        }
    }
}
