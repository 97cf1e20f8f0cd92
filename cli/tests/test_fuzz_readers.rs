//! Arbitrary bytes in event files never make a reader panic, and every line
//! that is not a valid event is reported with its file and line number.
//!
//! Deterministic: the mutations come from the demo's SplitMix64, so a failure
//! reproduces with the iteration number it prints.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use basis_events::reader::Run;
use basis_log::demo::rng::SplitMix64;
use basis_log::export::{ExportOptions, export};
use basis_log::query::{errors, failures, positions, stats, trace};
use basis_log::validate::{ProblemKind, validate_paths};
use common::demo_in;

const NASTY: &[&[u8]] = &[
    b"\0",
    b"\xff\xfe",
    b"\n",
    b"\"",
    b"{",
    b"}",
    b"\\",
    b"\\u0000",
    b"\xe2\x80\xa8",
    b"\"failed\"",
    b"null",
    b"1e999",
    b"-",
    b"[",
    b"\r\n",
];

fn mutate(rng: &mut SplitMix64, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        bytes.extend_from_slice(b"{");
        return;
    }
    let at = (rng.next_u64() % bytes.len() as u64) as usize;
    match rng.next_u64() % 5 {
        0 => bytes[at] ^= 1 << (rng.next_u64() % 8),
        1 => {
            let piece = NASTY[(rng.next_u64() % NASTY.len() as u64) as usize];
            bytes.splice(at..at, piece.iter().copied());
        }
        2 => bytes.truncate(at),
        3 => {
            let end = (at + 1 + (rng.next_u64() % 40) as usize).min(bytes.len());
            bytes.drain(at..end);
        }
        _ => {
            let garbage: Vec<u8> = (0..rng.next_u64() % 64)
                .map(|_| rng.next_u64() as u8)
                .collect();
            bytes.splice(at..at, garbage);
        }
    }
}

fn event_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn test_mutated_event_files_never_panic_and_every_bad_line_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 4, "fuzz");
    let events_dir = outcome.run_dir.join("events");
    let files = event_files(&events_dir);
    let originals: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let mut rng = SplitMix64::new(0x5eed);
    for iteration in 0..16 {
        // Start from the clean run each time; mutate one or two files.
        for (file, original) in files.iter().zip(&originals) {
            std::fs::write(file, original).unwrap();
        }
        for _ in 0..1 + rng.next_u64() % 2 {
            let which = (rng.next_u64() % files.len() as u64) as usize;
            let mut bytes = std::fs::read(&files[which]).unwrap();
            for _ in 0..1 + rng.next_u64() % 4 {
                mutate(&mut rng, &mut bytes);
            }
            std::fs::write(&files[which], bytes).unwrap();
        }

        // Every reader returns, with results or an error; none panics.
        let report = validate_paths(std::slice::from_ref(&outcome.run_dir))
            .unwrap_or_else(|err| panic!("iteration {iteration}: validate failed: {err}"));
        let run = Run::open(&outcome.run_dir).unwrap();
        let _ = failures::failures(&run);
        let _ = trace::trace(&run, "supply_001");
        let _ = positions::positions(&run, "aave:aToken:aUSDT");
        let _ = errors::errors(&run, &errors::ErrorFilter::default());
        let _ = stats::stats(&run);
        let _ = export(&ExportOptions {
            run_dir: outcome.run_dir.clone(),
            to: Some(dir.path().join(format!("out{iteration}"))),
            results_root: dir.path().join("results"),
            force: false,
            ..ExportOptions::default()
        });

        // Every line the typed parse refuses is reported at its file:line.
        let reported: HashSet<(PathBuf, u64)> = report
            .problems
            .iter()
            .filter(|p| p.kind != ProblemKind::UnknownFile)
            .map(|p| (p.path.clone(), p.line))
            .collect();
        for file in &files {
            let info =
                basis_events::event_for_file(file.file_name().unwrap().to_str().unwrap()).unwrap();
            let bytes = std::fs::read(file).unwrap();
            let ends_with_newline = bytes.last() == Some(&b'\n');
            let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
            let count = if ends_with_newline {
                lines.len() - 1
            } else {
                lines.len()
            };
            for (i, line) in lines.iter().take(count).enumerate() {
                let valid = std::str::from_utf8(line)
                    .ok()
                    .is_some_and(|text| info.parse_line(text).is_ok());
                if !valid {
                    assert!(
                        reported.contains(&(file.clone(), i as u64 + 1)),
                        "iteration {iteration}: {}:{} is invalid but not reported",
                        file.display(),
                        i + 1
                    );
                }
            }
        }
    }
}
