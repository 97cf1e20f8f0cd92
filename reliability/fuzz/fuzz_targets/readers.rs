//! libFuzzer target: arbitrary bytes as an event file of a run, through
//! `validate`, `stats`, `failures`, `errors`
//! and `export`. Any panic is a finding; so is a bad line that `validate`
//! does not name with `file:line`.
//!
//! ```text
//! cd reliability/fuzz && cargo +nightly fuzz run readers
//! ```

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use basis_log::export::{ExportOptions, export};
use basis_log::query::{errors, failures, stats};
use basis_events::reader::Run;
use basis_log::validate::validate_paths;
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 4] = [
    "operation_executions.jsonl",
    "positions.jsonl",
    "system_errors.jsonl",
    "tight_loop.jsonl",
];

/// One sandbox for the whole fuzzing session: `logs/fuzz/1000/events/`.
fn sandbox() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("logs/fuzz/1000/events")).expect("events/");
        dir
    })
    .path()
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, bytes)) = data.split_first() else {
        return;
    };
    let run = sandbox().join("logs/fuzz/1000");
    let events = run.join("events");
    for file in FILES {
        let _ = std::fs::remove_file(events.join(file));
    }
    let file = FILES[usize::from(*selector) % FILES.len()];
    let path = events.join(file);
    std::fs::write(&path, bytes).expect("write the case");

    let report = validate_paths(std::slice::from_ref(&run)).expect("validate");
    let info = basis_events::event_for_file(file).expect("registered");
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let last = index + 1 == bytes.split(|b| *b == b'\n').count();
        if last && line.is_empty() {
            break;
        }
        let ok = std::str::from_utf8(line).is_ok_and(|text| info.parse_line(text).is_ok());
        if !ok {
            let number = index as u64 + 1;
            assert!(
                report
                    .problems
                    .iter()
                    .any(|p| p.line == number && p.path.ends_with(file)),
                "validate missed line {number}"
            );
        }
    }

    let handle = Run::open(&run).expect("a run");
    let _ = stats::stats(&handle).expect("stats");
    let _ = failures::failures(&handle).expect("failures");
    let _ = errors::errors(&handle, &errors::ErrorFilter::default()).expect("errors");
    let out = sandbox().join("results");
    export(&ExportOptions {
        run_dir: run.clone(),
        to: Some(out.clone()),
        results_root: out,
        force: true,
        ..ExportOptions::default()
    })
    .expect("export");
});
