//! Many runs: `basis-log dataset` over N one-year demo runs against copying
//! the same Parquet files (the floor a dataset cannot beat), an update with
//! every run unchanged, and `compare` of all N runs against parsing their
//! summaries, with the peak RSS of each for N/10 and N runs (flat memory
//! means the two peaks are close).
//!
//! ```text
//! BASIS_BENCH_RUNS=100 cargo bench -p basis-log --bench many_runs
//! ```
//!
//! The runs are generated once into `target/bench-data/many-{runs}x{days}/`
//! and reused. `BASIS_BENCH_RUNS` (10 by default, so a local run is quick),
//! `BASIS_BENCH_DAYS` (365) and `BASIS_BENCH_SAMPLES` (3) set the size.
//! After divan's table the medians, the ratios and the peaks are printed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use basis_log::compare::{self, CompareOptions};
use basis_log::dataset::{self, DatasetOptions};
use basis_log::demo::{self, DemoOptions};

static TIMES: Mutex<BTreeMap<String, Vec<Duration>>> = Mutex::new(BTreeMap::new());
static PEAKS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());
/// RSS when the current sample started, in KiB: peaks are reported as the
/// growth over it, since the generated runs leave the allocator's memory
/// behind.
static START_KIB: Mutex<u64> = Mutex::new(0);

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runs() -> u32 {
    env_or("BASIS_BENCH_RUNS", 10).max(2)
}

fn days() -> u32 {
    env_or("BASIS_BENCH_DAYS", 365)
}

fn samples() -> u32 {
    env_or("BASIS_BENCH_SAMPLES", 3)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        // No `..` component: the demo refuses paths that climb.
        .unwrap_or_else(|| {
            let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
            cli.parent().unwrap_or(cli).join("target")
        })
}

fn data_dir() -> PathBuf {
    target_dir()
        .join("bench-data")
        .join(format!("many-{}x{}", runs(), days()))
}

/// `results/` with every run, and `tenth/` with links to the first tenth.
fn results_roots() -> (PathBuf, PathBuf) {
    let dir = data_dir();
    let all = dir.join("results");
    let tenth = dir.join("tenth");
    let done = dir.join(".complete");
    if done.is_file() {
        return (all, tenth);
    }
    let _ = fs::remove_dir_all(&dir);
    eprintln!(
        "generating {} demo runs of {} days into {}...",
        runs(),
        days(),
        dir.display()
    );
    let mut ids = Vec::new();
    for seed in 1..=u64::from(runs()) {
        let outcome = demo::run(
            &DemoOptions {
                seed,
                days: days(),
                capital: 10_000.0,
                out: dir.join("logs"),
                results: all.clone(),
                correlation_id: Some(format!("bench{seed:04}")),
                force: false,
                max_file_bytes: None,
            },
            &mut |_| {},
        )
        .expect("demo run");
        ids.push(outcome.correlation_id);
    }
    fs::create_dir_all(&tenth).expect("tenth dir");
    for id in ids.iter().take((ids.len() / 10).max(2)) {
        std::os::unix::fs::symlink(all.join(id), tenth.join(id)).expect("link");
    }
    fs::write(&done, "").expect("marker");
    (all, tenth)
}

/// Resets the process's peak RSS (Linux: `clear_refs` 5), so the next
/// reading of `VmHWM` is the peak of what follows.
fn reset_peak() {
    let _ = fs::write("/proc/self/clear_refs", "5");
    *START_KIB.lock().expect("start lock") = status_kib("VmRSS:");
}

/// Peak RSS growth since [`reset_peak`], in KiB.
fn peak_kib() -> u64 {
    status_kib("VmHWM:").saturating_sub(*START_KIB.lock().expect("start lock"))
}

fn status_kib(key: &str) -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn record(name: &str, started: Instant) {
    let elapsed = started.elapsed();
    TIMES
        .lock()
        .expect("timing lock")
        .entry(name.to_owned())
        .or_default()
        .push(elapsed);
    let peak = peak_kib();
    let mut peaks = PEAKS.lock().expect("peak lock");
    let entry = peaks.entry(name.to_owned()).or_default();
    *entry = (*entry).max(peak);
}

fn fresh(name: &str) -> PathBuf {
    let dir = data_dir().join("out").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.parent().expect("parent")).expect("out dir");
    dir
}

fn build(root: &Path, to: &Path) -> usize {
    dataset::build(&DatasetOptions {
        results_root: root.to_owned(),
        to: to.to_owned(),
    })
    .expect("dataset builds")
    .rows
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn dataset_all_runs(bencher: divan::Bencher) {
    let (all, _) = results_roots();
    bencher.bench(|| {
        let to = fresh("dataset");
        reset_peak();
        let started = Instant::now();
        assert_eq!(build(&all, &to), runs() as usize);
        record("dataset, all runs", started);
    });
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn dataset_tenth_of_the_runs(bencher: divan::Bencher) {
    let (_, tenth) = results_roots();
    bencher.bench(|| {
        let to = fresh("dataset-tenth");
        reset_peak();
        let started = Instant::now();
        assert!(build(&tenth, &to) >= 2);
        record("dataset, a tenth of the runs", started);
    });
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn dataset_update_unchanged(bencher: divan::Bencher) {
    let (all, _) = results_roots();
    let to = fresh("dataset-update");
    build(&all, &to);
    bencher.bench(|| {
        reset_peak();
        let started = Instant::now();
        assert_eq!(build(&all, &to), runs() as usize);
        record("dataset update, all unchanged", started);
    });
}

/// The floor: copying every run's Parquet files, nothing else.
#[divan::bench(sample_count = samples(), sample_size = 1)]
fn baseline_copy_parquet(bencher: divan::Bencher) {
    let (all, _) = results_roots();
    bencher.bench(|| {
        let to = fresh("copy");
        reset_peak();
        let started = Instant::now();
        for run in fs::read_dir(&all).expect("results") {
            let run = run.expect("entry").path();
            let dest = to.join(run.file_name().expect("name"));
            fs::create_dir_all(&dest).expect("dest");
            for file in fs::read_dir(run.join("parquet")).expect("parquet dir") {
                let file = file.expect("entry").path();
                fs::copy(&file, dest.join(file.file_name().expect("name"))).expect("copy");
            }
        }
        record("baseline: copy the Parquet files", started);
    });
}

#[divan::bench(sample_count = samples(), sample_size = 1)]
fn compare_all_runs(bencher: divan::Bencher) {
    let (all, _) = results_roots();
    let mut dirs: Vec<PathBuf> = fs::read_dir(&all)
        .expect("results")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    bencher.bench(|| {
        reset_peak();
        let started = Instant::now();
        let comparison = compare::compare(&CompareOptions {
            runs: dirs.clone(),
            baseline: None,
            keep_series: false,
        })
        .expect("compare");
        assert_eq!(comparison.deltas.len(), dirs.len() - 1);
        record("compare, all runs", started);
    });
}

/// The floor of compare: parsing every summary.json, nothing else.
#[divan::bench(sample_count = samples(), sample_size = 1)]
fn baseline_parse_summaries(bencher: divan::Bencher) {
    let (all, _) = results_roots();
    bencher.bench(|| {
        reset_peak();
        let started = Instant::now();
        for run in fs::read_dir(&all).expect("results") {
            let path = run.expect("entry").path().join("summary.json");
            let text = fs::read(&path).expect("summary");
            let value: serde_json::Value = serde_json::from_slice(&text).expect("json");
            assert!(value.is_object());
        }
        record("baseline: parse the summaries", started);
    });
}

fn median(times: &[Duration]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2].as_secs_f64()
}

fn main() {
    results_roots();
    divan::main();

    let times = TIMES.lock().expect("timing lock");
    let peaks = PEAKS.lock().expect("peak lock");
    let m = |name: &str| times.get(name).map(|t| median(t));
    println!("\n{} runs of {} days, medians:", runs(), days());
    for (name, t) in times.iter() {
        let peak = peaks.get(name).copied().unwrap_or(0) as f64 / 1024.0;
        println!(
            "  {name:<34} {:>8.3} s   peak RSS growth {peak:>7.1} MiB",
            median(t)
        );
    }
    if let (Some(ours), Some(copy)) = (
        m("dataset, all runs"),
        m("baseline: copy the Parquet files"),
    ) {
        println!(
            "  dataset / copy                  = {:.2}x (target: dataset <= 30 s for 100 runs)",
            ours / copy
        );
    }
    if let (Some(ours), Some(parse)) = (m("compare, all runs"), m("baseline: parse the summaries"))
    {
        println!(
            "  compare / parse summaries       = {:.2}x (target: compare <= 5 s for 100 runs)",
            ours / parse
        );
    }
    let peak = |name: &str| peaks.get(name).copied().unwrap_or(0) as f64;
    if peak("dataset, a tenth of the runs") > 0.0 || peak("dataset, all runs") > 0.0 {
        println!(
            "  peak RSS growth, all / a tenth  = {:.2}x (flat memory: close to 1)",
            peak("dataset, all runs") / peak("dataset, a tenth of the runs").max(1.0)
        );
    }
}
