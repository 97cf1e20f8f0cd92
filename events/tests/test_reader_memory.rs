//! The reader's memory is bounded by the line limit, not by the input: a
//! 64 MiB line and a flood of a million bad lines are read with the peak
//! resident size of the process barely moving.
//!
//! One test per binary, run one after the other, so no other test's
//! allocations move the peak this file measures.
//!
//! Mutants seen to fail: `ReadOptions::line_limit` ignoring its argument
//! (`events/src/reader/run.rs`: the 64 MiB line then fills a 16 MiB buffer,
//! "grew the peak by 17 MiB"); `Records::next` holding the stream's problems
//! back to yield them after the records (`events/src/reader/records.rs`: "a
//! flood of bad lines grew the peak by 211 MiB").

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use basis_events::reader::{Problem, ReadOptions, Run};

/// The peak resident set size of this process so far, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn events_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("abc123/7/events");
    fs::create_dir_all(&dir).unwrap();
    dir
}

const MIB: u64 = 1 << 20;

fn a_64_mib_line_under_a_1_mib_limit() {
    let root = tempfile::tempdir().unwrap();
    let mut out =
        BufWriter::new(File::create(events_dir(root.path()).join("positions.jsonl")).unwrap());
    let block = vec![b'x'; MIB as usize];
    for _ in 0..64 {
        out.write_all(&block).unwrap();
    }
    out.write_all(b"\nnot json either\n").unwrap();
    out.flush().unwrap();
    drop((out, block));

    let before = peak_rss();
    let run = Run::open_with(
        &root.path().join("abc123"),
        ReadOptions::new().line_limit(MIB as usize),
    )
    .unwrap();
    let items: Vec<_> = run.records().collect();
    let grown = peak_rss().saturating_sub(before);
    assert!(
        matches!(&items[0], Err(Problem::TooLong { len, .. }) if *len == 64 * MIB),
        "{:?}",
        items[0]
    );
    assert!(matches!(&items[1], Err(Problem::BadLine { position, .. }) if position.line() == 2));
    assert!(
        grown < 16 * MIB,
        "reading a 64 MiB line grew the peak by {} MiB",
        grown / MIB
    );
}

fn a_flood_of_a_million_bad_lines() {
    let root = tempfile::tempdir().unwrap();
    let mut out =
        BufWriter::new(File::create(events_dir(root.path()).join("positions.jsonl")).unwrap());
    for _ in 0..1_000_000 {
        out.write_all(b"{\"pid\":7}\n").unwrap();
    }
    out.flush().unwrap();
    drop(out);

    let before = peak_rss();
    let run = Run::open(&root.path().join("abc123")).unwrap();
    let problems = run.records().filter(Result::is_err).count();
    let grown = peak_rss().saturating_sub(before);
    assert_eq!(problems, 1_000_000);
    // Queued, a million problems would hold well over 100 MiB.
    assert!(
        grown < 16 * MIB,
        "a flood of bad lines grew the peak by {} MiB",
        grown / MIB
    );
}

#[test]
fn test_memory_stays_bounded_by_the_line_limit_not_the_input() {
    a_64_mib_line_under_a_1_mib_limit();
    a_flood_of_a_million_bad_lines();
}
