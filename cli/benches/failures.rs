//! The query commands against the tools a user could pick instead, on one
//! large `operation_executions.jsonl`, each anchor looking for the same
//! literal in the same run:
//!
//! - `basis-log failures` against `rg -c '"status":"failed"'`, `grep -c` and
//!   `jq 'select(.status == "failed")'`;
//! - `basis-log trace ID` against `rg -c '"ID"'`, `grep -c` and
//!   `jq 'select(.operation_id == "ID")'`;
//! - `basis-log stats` (every line's envelope checked) against `wc -l` and
//!   `jq -c .timestamp`.
//!
//! An anchor that is not installed is skipped, and the run says so.
//!
//! ```text
//! BASIS_BENCH_BYTES=1073741824 cargo bench -p basis-log --bench failures
//! ```
//!
//! The file is generated once into `target/bench-data/` (1% of the operations
//! failed) and reused. `BASIS_BENCH_BYTES` sets its size (64 MiB by default,
//! so a local run is quick); `BASIS_BENCH_SAMPLES` the samples per command
//! (3 by default). After divan's table, the medians and the ratios are printed
//! (issue 15's targets: within 1.5x of `rg -c`, at least 50x faster than jq).

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

/// The operation `trace` looks for: one of the failed ones (n = 37).
const TRACED: &str = "borrow_0000037";

/// `basis-log ARGS RUN_DIR`.
fn ours(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_basis-log"));
    command.args(args).arg(run_dir());
    command
}

fn anchor(bencher: divan::Bencher, name: &'static str, tool: &str, args: &[&str]) {
    if !available(tool) {
        eprintln!("{tool} not found; `{name}` skipped");
        return;
    }
    let file = events_file();
    bencher.bench(|| {
        let mut command = Command::new(tool);
        command.args(args).arg(&file);
        time(name, command);
    });
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn basis_log_failures(bencher: divan::Bencher) {
    bencher.bench(|| time("failures: basis-log", ours(&["failures"])));
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn failures_rg(bencher: divan::Bencher) {
    anchor(
        bencher,
        "failures: rg -c",
        "rg",
        &["-c", "\"status\":\"failed\""],
    );
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn failures_grep(bencher: divan::Bencher) {
    anchor(
        bencher,
        "failures: grep -c",
        "grep",
        &["-c", "\"status\":\"failed\""],
    );
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn failures_jq(bencher: divan::Bencher) {
    anchor(
        bencher,
        "failures: jq",
        "jq",
        &["-c", "select(.status == \"failed\")"],
    );
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn basis_log_trace(bencher: divan::Bencher) {
    bencher.bench(|| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_basis-log"));
        command.arg("trace").arg(run_dir()).arg(TRACED);
        time("trace: basis-log", command);
    });
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn trace_rg(bencher: divan::Bencher) {
    let quoted = format!("\"{TRACED}\"");
    anchor(bencher, "trace: rg -c", "rg", &["-c", &quoted]);
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn trace_grep(bencher: divan::Bencher) {
    let quoted = format!("\"{TRACED}\"");
    anchor(bencher, "trace: grep -c", "grep", &["-c", &quoted]);
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn trace_jq(bencher: divan::Bencher) {
    let filter = format!("select(.operation_id == \"{TRACED}\")");
    anchor(bencher, "trace: jq", "jq", &["-c", &filter]);
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn basis_log_stats(bencher: divan::Bencher) {
    bencher.bench(|| time("stats: basis-log", ours(&["stats"])));
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn stats_wc(bencher: divan::Bencher) {
    anchor(bencher, "stats: wc -l", "wc", &["-l"]);
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn stats_jq(bencher: divan::Bencher) {
    anchor(bencher, "stats: jq", "jq", &["-c", ".timestamp"]);
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
    let mib = size as f64 / (1 << 20) as f64;
    println!("\nmedians on {mib:.1} MiB:");
    for (name, m) in &medians {
        println!(
            "  {name:<22} {:>9.3} s  {:>8.0} MiB/s",
            m.as_secs_f64(),
            mib / m.as_secs_f64()
        );
    }
    println!("ratios (same file, same run):");
    for query in ["failures", "trace", "stats"] {
        let Some(ours) = medians.get(format!("{query}: basis-log").as_str()) else {
            continue;
        };
        for (anchor, target) in [("rg -c", "<= 1.5x"), ("grep -c", ""), ("wc -l", "")] {
            if let Some(theirs) = medians.get(format!("{query}: {anchor}").as_str()) {
                println!(
                    "  {query}: basis-log / {anchor:<8} = {:>6.2}x {target}",
                    ours.as_secs_f64() / theirs.as_secs_f64()
                );
            }
        }
        if let Some(jq) = medians.get(format!("{query}: jq").as_str()) {
            println!(
                "  {query}: jq / basis-log       = {:>6.1}x (target >= 50x)",
                jq.as_secs_f64() / ours.as_secs_f64()
            );
        }
    }
}
