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
//! The run is generated once into `target/bench-data/` through the logger
//! (1% of the operations failed; see `data/mod.rs`) and reused. `BASIS_BENCH_BYTES` sets its size (64 MiB by default,
//! so a local run is quick); `BASIS_BENCH_SAMPLES` the samples per command
//! (3 by default). After divan's table, the medians and the ratios are printed
//! (issue 15's targets: within 1.5x of `rg -c`, at least 50x faster than jq).

mod data;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use data::{TRACED, available, run_dir, samples};

static TIMES: Mutex<BTreeMap<&'static str, Vec<Duration>>> = Mutex::new(BTreeMap::new());

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
