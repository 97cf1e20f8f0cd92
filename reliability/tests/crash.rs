//! Crash: a child process emits at full speed and is killed with SIGKILL at a
//! random moment, for several seeds and every durability mode.
//!
//! Whatever the moment: every complete line parses, at most the last line of
//! a file is torn, each file holds a prefix of its events (nothing missing in
//! the middle), every event whose `flush()` returned is present, and the
//! readers (`basis_events::read`, `basis-log validate`, the queries) report a
//! torn tail as such, not as corruption.
//!
//! A kill lands inside a `write` only rarely, so the second test also tears
//! the last line on purpose (what such a kill leaves) and checks the readers
//! again. Half the runs rotate every 16 KiB, so kills also land mid-rotation.
//! A logger restarted on a crashed directory never glues its first event
//! onto a torn tail. `BASIS_LONG_TESTS=1` runs 60 seeds per test instead of 6.
//!
//! Mutants seen to fail these tests: in `events/src/runtime/logger/rotate.rs`,
//! `FileState::write_lines` cutting a batch at a rotation before the newline
//! (`last + 1` as `last`, so a line is split across two segments) fails the
//! first two; `FileState::reopen` never ending a torn line (`ends_mid_line` taken
//! as `false`) fails the restart test.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use basis_events::reader::Run;
use basis_log::query::{errors, failures, stats, trace};
use basis_log::validate::{ProblemKind, validate_paths};
use basis_reliability::{Emitter, Rng, SpawnOptions, check_emitter_output, long_tests};

const EMITTER: &str = env!("CARGO_BIN_EXE_emitter");
const MODES: [&str; 3] = ["buffered", "line", "durable"];

fn seeds() -> u64 {
    if long_tests() { 60 } else { 6 }
}

/// Runs the emitter in crash mode under `root/crash/{pid}` and kills it at a
/// moment chosen by `seed`; returns the run directory and the flushed count.
fn crash_once(root: &Path, seed: u64, wait_for_flush: bool) -> (PathBuf, u64) {
    let mut rng = Rng::new(seed);
    let mode = MODES[(seed % 3) as usize];
    let dir = root.join(format!("crash-{seed}")).join("1000");
    let seed_text = seed.to_string();
    let dir_text = dir.to_str().unwrap().to_owned();
    let child = Emitter::spawn(
        Path::new(EMITTER),
        ["crash", mode, &seed_text, "0", &dir_text],
        &SpawnOptions::default(),
    )
    .unwrap();
    // Some kills land while the logger may still be starting; the others
    // once it is writing.
    if wait_for_flush {
        child.wait_for_first_flush(Duration::from_secs(30));
    }
    std::thread::sleep(Duration::from_micros(rng.range(0..200_000)));
    let ended = child.kill();
    assert_eq!(
        ended.signal(),
        Some(9),
        "seed {seed}: the emitter ended by itself: {:?} {}",
        ended.status,
        ended.stderr
    );
    let flushed = ended.flushed();
    eprintln!("seed {seed} ({mode}): killed after {flushed} flushed events");
    (dir, flushed)
}

/// What validate and the queries say about a crashed run: no bad line; a
/// torn tail exactly where `torn` says. Gaps in `seq` are expected: the
/// events a crash takes from the buffers were accepted, so their numbers
/// are missing, which is how a reader sees the loss.
fn check_readers(dir: &Path, torn: &[(PathBuf, u64)]) {
    let mut report = validate_paths(&[dir.to_owned()]).unwrap();
    report.problems.retain(|p| p.kind != ProblemKind::Gap);
    // Beyond the first 20 per file only counts are kept: after the
    // removal above, what is left to count is gaps.
    report.more.clear();
    let problems: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind != ProblemKind::TornTail)
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let mut reported: Vec<(PathBuf, u64)> = report
        .problems
        .iter()
        .map(|p| (p.path.clone(), p.line))
        .collect();
    reported.sort();
    let mut expected = torn.to_vec();
    expected.sort();
    // Validate reports the canonical path of a run directory.
    let canonical: Vec<(PathBuf, u64)> = expected
        .iter()
        .map(|(p, l)| (p.canonicalize().unwrap(), *l))
        .collect();
    assert_eq!(reported, canonical, "torn tails reported by validate");
    assert!(!report.failed(false), "a torn tail fails validate");
    assert_eq!(report.failed(true), !torn.is_empty(), "--strict");
    // The queries read past it: `stats` counts it as a torn tail, not as
    // an event, and no query skips a complete line.
    let run = Run::open(dir).unwrap();
    let stats = stats::stats(&run).unwrap();
    let torn_counted: u64 = stats.event_files.iter().map(|f| f.torn_tails).sum();
    assert_eq!(torn_counted, torn.len() as u64, "stats torn tails");
    let lines: u64 = report.files.iter().map(|f| f.lines).sum();
    assert_eq!(
        stats.total_events,
        lines - torn.len() as u64,
        "stats events"
    );
    let found = failures::failures(&run).unwrap();
    let listed = errors::errors(&run, &errors::ErrorFilter::default()).unwrap();
    let traced = match trace::trace(&run, "0:0") {
        Ok(trace) => trace.warnings.to_vec(),
        Err(basis_log::Error::NotFound(_)) => Vec::new(),
        Err(err) => panic!("trace: {err}"),
    };
    for warning in found
        .warnings
        .iter()
        .chain(listed.warnings.iter())
        .chain(&traced)
    {
        assert!(
            warning.contains("torn"),
            "a query skipped a good line: {warning}"
        );
    }
}

#[test]
fn sigkill_at_a_random_moment_loses_nothing_flushed_and_tears_at_most_the_last_line() {
    let root = tempfile::tempdir().unwrap();
    for seed in 0..seeds() {
        let (dir, flushed) = crash_once(root.path(), seed, seed % 2 == 1);
        let back = check_emitter_output(&dir.join("events"), flushed);
        assert!(back.len() as u64 >= flushed);
        if dir.join("events").exists() {
            let torn: Vec<(PathBuf, u64)> =
                back.torn.iter().map(|t| (t.path.clone(), t.line)).collect();
            check_readers(&dir, &torn);
        }
    }
}

#[test]
fn a_line_torn_by_a_kill_mid_write_is_a_torn_tail_for_every_reader() {
    let root = tempfile::tempdir().unwrap();
    for seed in 100..100 + seeds() {
        let (dir, flushed) = crash_once(root.path(), seed, true);
        let events = dir.join("events");
        let back = check_emitter_output(&events, flushed);
        let mut rng = Rng::new(seed);
        // Tear the last line of one live file that has none torn yet: append
        // a prefix of its last complete line, as a write cut short leaves.
        let mut torn: Vec<(PathBuf, u64)> =
            back.torn.iter().map(|t| (t.path.clone(), t.line)).collect();
        let candidates: Vec<PathBuf> = basis_reliability::TAGGED_FILES
            .iter()
            .map(|f| events.join(f))
            .filter(|p| {
                let text = fs::read(p).unwrap_or_default();
                !text.is_empty() && text.ends_with(b"\n")
            })
            .collect();
        if let Some(path) = candidates.get(rng.range(0..candidates.len().max(1) as u64) as usize) {
            let text = fs::read(path).unwrap();
            let lines: Vec<&[u8]> = text[..text.len() - 1].split(|b| *b == b'\n').collect();
            let last = lines.last().unwrap();
            let cut = rng.range(1..last.len() as u64) as usize;
            OpenOptions::new()
                .append(true)
                .open(path)
                .unwrap()
                .write_all(&last[..cut])
                .unwrap();
            torn.push((path.clone(), lines.len() as u64 + 1));
        }
        let after = check_emitter_output(&events, flushed);
        assert_eq!(after.torn.len(), torn.len());
        check_readers(&dir, &torn);
    }
}

#[test]
fn a_restart_in_the_same_directory_never_glues_a_new_event_onto_a_torn_tail() {
    // A crashed run leaves a torn tail; a logger started again on the same
    // directory (a restarted engine) must not append its first event to the
    // torn bytes, which would make that event unreadable as well.
    let root = tempfile::tempdir().unwrap();
    let (dir, flushed) = crash_once(root.path(), 7, true);
    let events = dir.join("events");
    check_emitter_output(&events, flushed);
    let file = basis_reliability::TAGGED_FILES[0];
    let path = events.join(file);
    let mut tail = fs::read(&path).unwrap();
    if tail.ends_with(b"\n") || tail.is_empty() {
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(br#"{"timestamp":"2024-01-01T00:0"#)
            .unwrap();
        tail = fs::read(&path).unwrap();
    }
    assert!(!tail.ends_with(b"\n"));
    let lines_before = basis_events::read::LineReader::open(&path).unwrap().count();
    let logger = basis_events::DomainEventLogger::new(&dir, "crash-7", 1000).unwrap();
    let templates = basis_reliability::Templates::new();
    templates.emit_kind(&logger, 0, "restart:0").unwrap();
    logger.shutdown().unwrap();

    let lines: Vec<basis_events::read::Line> = basis_events::read::LineReader::open(&path)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let last = lines.last().unwrap();
    assert!(last.complete, "the new event is torn");
    let info = basis_events::event_for_file(file).unwrap();
    info.parse_line(last.text().unwrap()).unwrap_or_else(|err| {
        panic!(
            "the new event was glued onto the torn tail: {err}: {}",
            last.text().unwrap()
        )
    });
    assert!(last.text().unwrap().contains("restart:0"));
    // Everything before is still there, and the old torn bytes are kept as
    // one line of their own (evidence, reported by validate), not lost.
    assert_eq!(lines.len(), lines_before + 1);
}
