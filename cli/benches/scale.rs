//! How each reader's time and memory grow with the run: the same commands
//! on the benchmark run (`data/mod.rs`) at several sizes, 10 MiB, 100 MiB
//! and 1 GiB by default, each with its wall time, throughput and peak RSS,
//! then, per command, the throughput at the largest size against the
//! smallest (1.00 = time linear in size) and the peak RSS at each end (flat
//! = memory does not grow with the run).
//!
//! ```text
//! cargo bench -p basis-log --bench scale
//! BASIS_BENCH_SCALE=10485760,1073741824,10737418240 cargo bench -p basis-log --bench scale
//! BASIS_BENCH_COMMANDS=validate,at cargo bench -p basis-log --bench scale
//! ```
//!
//! - `BASIS_BENCH_SCALE`: the sizes in bytes, comma-separated. Each run is
//!   generated once into `target/bench-data/{bytes}/` and reused (10 GiB
//!   takes about 25 GB of disk with its export).
//! - `BASIS_BENCH_COMMANDS`: which of `failures`, `trace`, `at`, `validate`,
//!   `export` to run (all by default).
//! - `BASIS_BENCH_SAMPLES`: samples per command and size (3 by default);
//!   medians are printed.
//!
//! Peak RSS is the command's own `ru_maxrss`, read by a Python wrapper (see
//! `data/measure.rs`); without Python only times are printed.

mod data;

use std::path::PathBuf;

use data::measure::{Sample, measure, median};
use data::{TRACED, last_timestamp, run_dir_of, samples, target_dir};

/// The commands measured, by name.
const COMMANDS: [&str; 5] = ["failures", "trace", "at", "validate", "export"];

fn sizes() -> Vec<u64> {
    let text = std::env::var("BASIS_BENCH_SCALE")
        .unwrap_or_else(|_| format!("{},{},{}", 10u64 << 20, 100u64 << 20, 1u64 << 30));
    text.split(',')
        .map(|size| {
            size.trim()
                .parse()
                .unwrap_or_else(|_| panic!("BASIS_BENCH_SCALE: `{size}` is not a number of bytes"))
        })
        .collect()
}

fn commands() -> Vec<&'static str> {
    let Ok(wanted) = std::env::var("BASIS_BENCH_COMMANDS") else {
        return COMMANDS.to_vec();
    };
    let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
    for name in &wanted {
        assert!(
            COMMANDS.contains(name),
            "BASIS_BENCH_COMMANDS: `{name}` is not one of {COMMANDS:?}"
        );
    }
    COMMANDS
        .into_iter()
        .filter(|name| wanted.contains(name))
        .collect()
}

/// One row of the table: a command at one size.
struct Row {
    command: &'static str,
    bytes: u64,
    median: Sample,
}

fn main() {
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_basis-log"));
    let commands = commands();
    let sizes = sizes();
    let mut rows = Vec::new();
    for &wanted in &sizes {
        let run = run_dir_of(wanted);
        let file = run.join("events/operation_executions.jsonl");
        let bytes = std::fs::metadata(&file)
            .map(|m| m.len())
            .expect("bench file");
        let out = target_dir()
            .join("bench-data")
            .join(wanted.to_string())
            .join("out/scale-export");
        let run_arg = run.display().to_string();
        let last = last_timestamp(&file);
        eprintln!(
            "{} ({:.1} MiB)",
            run.display(),
            bytes as f64 / f64::from(1 << 20)
        );
        for &command in &commands {
            let args: Vec<String> = match command {
                "failures" => vec!["failures".into(), run_arg.clone()],
                "trace" => vec!["trace".into(), run_arg.clone(), TRACED.into()],
                "at" => vec!["at".into(), run_arg.clone(), last.clone()],
                "validate" => vec!["validate".into(), run_arg.clone()],
                "export" => vec![
                    "export".into(),
                    run_arg.clone(),
                    "--to".into(),
                    out.display().to_string(),
                    "--force".into(),
                ],
                _ => unreachable!("COMMANDS names every command"),
            };
            let taken: Vec<Sample> = (0..samples())
                .map(|_| measure(command, &ours, &args))
                .collect();
            rows.push(Row {
                command,
                bytes,
                median: median(&taken),
            });
        }
        // An export's output is as large as the run; keep only the last.
        let _ = std::fs::remove_dir_all(&out);
    }

    println!("\nmedians of {} samples:", samples());
    println!(
        "  {:<9} {:>10} {:>10} {:>9} {:>10}",
        "command", "MiB", "seconds", "MB/s", "peak RSS"
    );
    let rss = |s: &Sample| {
        s.rss_kib.map_or("n/a".to_owned(), |k| {
            format!("{:.0} MiB", k as f64 / 1024.0)
        })
    };
    let rate = |row: &Row| row.bytes as f64 / 1e6 / row.median.time.as_secs_f64();
    for row in &rows {
        println!(
            "  {:<9} {:>10.1} {:>10.3} {:>9.0} {:>10}",
            row.command,
            row.bytes as f64 / f64::from(1 << 20),
            row.median.time.as_secs_f64(),
            rate(row),
            rss(&row.median)
        );
    }
    println!("growth, largest size against the smallest:");
    for command in commands {
        let of: Vec<&Row> = rows.iter().filter(|r| r.command == command).collect();
        let (Some(small), Some(large)) = (of.first(), of.last()) else {
            continue;
        };
        if of.len() < 2 {
            continue;
        }
        println!(
            "  {command:<9} {:.0}x the bytes: {:.2}x the time, throughput {:.2} of the smallest's \
             (1.00 = linear); peak RSS {} -> {}",
            large.bytes as f64 / small.bytes as f64,
            large.median.time.as_secs_f64() / small.median.time.as_secs_f64(),
            rate(large) / rate(small),
            rss(&small.median),
            rss(&large.median)
        );
    }
}
