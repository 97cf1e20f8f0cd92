//! Shared helpers of the integration tests: a small demo run in a temp dir.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use basis_log::demo::{self, DemoOptions, DemoOutcome};

/// Runs the demo for `days` into `dir/logs` and `dir/results`.
pub fn demo_in(dir: &Path, days: u32, seed: u64, correlation_id: &str) -> DemoOutcome {
    demo_rotating(dir, days, seed, correlation_id, None)
}

/// Runs the demo with event files rotated at `max_file_bytes`.
pub fn demo_rotating(
    dir: &Path,
    days: u32,
    seed: u64,
    correlation_id: &str,
    max_file_bytes: Option<u64>,
) -> DemoOutcome {
    demo::run(
        &DemoOptions {
            seed,
            days,
            capital: 10_000.0,
            out: dir.join("logs"),
            results: dir.join("results"),
            correlation_id: Some(correlation_id.to_owned()),
            force: false,
            max_file_bytes,
        },
        &mut |_| {},
    )
    .expect("demo runs")
}

/// The lines of a file.
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `run_dir/events/file`.
pub fn event_path(run_dir: &Path, file: &str) -> PathBuf {
    run_dir.join("events").join(file)
}
