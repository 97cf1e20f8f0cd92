//! The whole-run readers against DuckDB, on the benchmark run's
//! `operation_executions.jsonl` (see `data/mod.rs`), interleaved round by
//! round, each with its wall time and peak RSS:
//!
//! - `basis-log export` (logs copied, CSV, Parquet, summary, report) against
//!   DuckDB's `COPY (SELECT * FROM read_json(FILE)) TO … (FORMAT parquet)`
//!   and the same to CSV, through Python's `duckdb` module (timed around the
//!   `COPY` alone, import excluded);
//! - `basis-log validate` (every line against its schema and typed event),
//!   in MB/s;
//! - `basis-log at` at the run's last second (every line read);
//! - export, validate and `at` again with `--threads 1`, so the gain of
//!   every core is a ratio measured in the same run.
//!
//! ```text
//! BASIS_BENCH_BYTES=1073741824 cargo bench -p basis-log --bench export
//! ```
//!
//! Peak RSS is the child's `ru_maxrss`, read by a Python wrapper that runs
//! exactly one command (`RUSAGE_CHILDREN`), so it is the command's own.
//! Without Python the times are measured here and RSS is not. DuckDB is
//! skipped, and the run says so, when the module is not installed.
//! `BASIS_BENCH_SAMPLES` sets the rounds (3 by default); medians are printed.

mod data;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use data::measure::{Sample, measure, median};
use data::{bytes_wanted, duckdb_available, last_timestamp, run_dir, samples, target_dir};

/// DuckDB's `COPY` of the file to `out` in `format`, timed inside Python
/// around the statement; RSS is the Python process's own peak.
fn duckdb(file: &Path, out: &Path, format: &str) -> Sample {
    const SCRIPT: &str = "import duckdb, resource, sys, time\n\
        con = duckdb.connect()\n\
        start = time.perf_counter()\n\
        con.execute(f\"COPY (SELECT * FROM read_json('{sys.argv[1]}')) TO '{sys.argv[2]}' (FORMAT {sys.argv[3]})\")\n\
        took = time.perf_counter() - start\n\
        print(took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n";
    let _ = std::fs::remove_file(out);
    let output = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(file)
        .arg(out)
        .arg(format)
        .stdin(Stdio::null())
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "duckdb {format} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let took: f64 = fields.next().and_then(|t| t.parse().ok()).expect("seconds");
    let rss = fields.next().and_then(|r| r.parse().ok());
    Sample {
        time: Duration::from_secs_f64(took),
        rss_kib: rss,
    }
}

fn main() {
    let run = run_dir();
    let file = run.join("events/operation_executions.jsonl");
    let size = std::fs::metadata(&file)
        .map(|m| m.len())
        .expect("bench file");
    let mib = size as f64 / f64::from(1 << 20);
    let out_root = target_dir()
        .join("bench-data")
        .join(bytes_wanted().to_string())
        .join("out");
    std::fs::create_dir_all(&out_root).expect("bench output directory");
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_basis-log"));
    let last = last_timestamp(&file);
    let with_duckdb = duckdb_available();
    if !with_duckdb {
        eprintln!("Python's duckdb module not found; the DuckDB anchors are skipped");
    }
    eprintln!("file: {} ({mib:.1} MiB)", file.display());

    let mut times: BTreeMap<&str, Vec<Sample>> = BTreeMap::new();
    let run_arg = run.display().to_string();
    let export_to = out_root.join("export").display().to_string();
    for round in 0..samples() {
        eprintln!("round {}", round + 1);
        times.entry("export: basis-log").or_default().push(measure(
            "export",
            &ours,
            &[
                "export".into(),
                run_arg.clone(),
                "--to".into(),
                export_to.clone(),
                "--force".into(),
            ],
        ));
        if with_duckdb {
            times
                .entry("export: duckdb parquet")
                .or_default()
                .push(duckdb(&file, &out_root.join("duckdb.parquet"), "parquet"));
            times.entry("export: duckdb csv").or_default().push(duckdb(
                &file,
                &out_root.join("duckdb.csv"),
                "csv",
            ));
        }
        times.entry("export: 1 thread").or_default().push(measure(
            "export",
            &ours,
            &[
                "export".into(),
                run_arg.clone(),
                "--to".into(),
                export_to.clone(),
                "--force".into(),
                "--threads".into(),
                "1".into(),
            ],
        ));
        times
            .entry("validate: basis-log")
            .or_default()
            .push(measure(
                "validate",
                &ours,
                &["validate".into(), run_arg.clone()],
            ));
        times.entry("validate: 1 thread").or_default().push(measure(
            "validate",
            &ours,
            &[
                "validate".into(),
                run_arg.clone(),
                "--threads".into(),
                "1".into(),
            ],
        ));
        times.entry("at: basis-log").or_default().push(measure(
            "at",
            &ours,
            &["at".into(), run_arg.clone(), last.clone()],
        ));
        times.entry("at: 1 thread").or_default().push(measure(
            "at",
            &ours,
            &[
                "at".into(),
                run_arg.clone(),
                last.clone(),
                "--threads".into(),
                "1".into(),
            ],
        ));
    }

    let medians: BTreeMap<&str, Sample> = times.iter().map(|(k, v)| (*k, median(v))).collect();
    println!("\nmedians of {} rounds on {mib:.1} MiB:", samples());
    for (name, m) in &medians {
        let rss = m.rss_kib.map_or("n/a".to_owned(), |k| {
            format!("{:.0} MiB", k as f64 / 1024.0)
        });
        println!(
            "  {name:<24} {:>9.3} s  {:>8.0} MiB/s  peak RSS {rss}",
            m.time.as_secs_f64(),
            mib / m.time.as_secs_f64()
        );
    }
    let get = |name: &str| medians.get(name).map(|m| m.time.as_secs_f64());
    println!("against the targets (issue 15):");
    if let (Some(ours), Some(parquet), Some(csv)) = (
        get("export: basis-log"),
        get("export: duckdb parquet"),
        get("export: duckdb csv"),
    ) {
        println!(
            "  (duckdb parquet + csv) / basis-log export = {:.2}  target >= 1.0",
            (parquet + csv) / ours
        );
    }
    for what in ["export", "validate", "at"] {
        if let (Some(all), Some(one)) = (
            get(&format!("{what}: basis-log")),
            get(&format!("{what}: 1 thread")),
        ) {
            println!("  {what}: every core against 1 thread = {:.2}x", one / all);
        }
    }
    if let Some(validate) = get("validate: basis-log") {
        println!(
            "  validate: {:.0} MB/s  target >= 300 MB/s",
            size as f64 / 1e6 / validate
        );
    }
    if let Some(at) = get("at: basis-log") {
        println!(
            "  at: {:.0} MB/s  target >= 500 MB/s",
            size as f64 / 1e6 / at
        );
    }
    for name in ["export: basis-log", "validate: basis-log"] {
        if let Some(rss) = medians.get(name).and_then(|m| m.rss_kib) {
            let target = if name.starts_with("export") { 256 } else { 128 };
            println!(
                "  {name} peak RSS {:.0} MiB  target <= {target} MiB",
                rss as f64 / 1024.0
            );
        }
    }
}
