//! Disk full without mounting anything: the emitter runs under a file-size
//! limit (`ulimit -f`, `RLIMIT_FSIZE`) with `SIGXFSZ` ignored, so the write
//! that crosses the limit is cut short by the kernel (a real short write,
//! which `/dev/full` never gives) and the next one fails with `EFBIG`.
//!
//! No partial line is left in any file (the short write is cut back to the
//! last whole line); buffered `emit` keeps accepting (only the errors,
//! written before `emit` returns, are refused); in line mode nothing accepted
//! is lost; and every error names the exact file it concerns.

use std::collections::BTreeSet;
use std::path::Path;

use basis_reliability::{Emitter, SpawnOptions, TAGGED_FILES, read_back};

const EMITTER: &str = env!("CARGO_BIN_EXE_emitter");
/// 512-byte blocks: 32 KiB per file, about 100 lines.
const LIMIT_BLOCKS: u64 = 64;
const COUNT: u64 = 3_000;

struct Filled {
    accepted: u64,
    refused: u64,
    lost: u64,
    /// `X kind message` lines, one per error the emitter met.
    errors: Vec<String>,
}

fn fill(durability: &str, dir: &Path) -> Filled {
    let count = COUNT.to_string();
    let ended = Emitter::spawn(
        Path::new(EMITTER),
        ["fill", durability, "1", &count, dir.to_str().unwrap()],
        &SpawnOptions {
            file_size_blocks: Some(LIMIT_BLOCKS),
            ..SpawnOptions::default()
        },
    )
    .unwrap()
    .wait();
    assert!(
        ended.status.success(),
        "{durability}: {:?} {}",
        ended.status,
        ended.stderr
    );
    let summary = ended
        .stdout
        .iter()
        .find_map(|line| line.strip_prefix("R "))
        .unwrap_or_else(|| panic!("{durability}: no summary: {:?}", ended.stdout));
    let numbers: Vec<u64> = summary.split(' ').map(|n| n.parse().unwrap()).collect();
    Filled {
        accepted: numbers[0],
        refused: numbers[1],
        lost: numbers[2],
        errors: ended
            .stdout
            .iter()
            .filter(|line| line.starts_with("X "))
            .cloned()
            .collect(),
    }
}

/// The tagged files an error message names, by their exact paths.
fn files_named(message: &str, events: &Path) -> BTreeSet<&'static str> {
    TAGGED_FILES
        .iter()
        .copied()
        .filter(|file| message.contains(&format!("`{}`", events.join(file).display())))
        .collect()
}

/// Checks the files: no torn or bad line, none over the limit; returns the
/// number of events present.
fn check_files(events: &Path, what: &str) -> u64 {
    let back = read_back(events);
    assert!(
        back.torn.is_empty(),
        "{what}: partial lines left: {:?}",
        back.torn
    );
    assert!(back.bad.is_empty(), "{what}: bad lines: {:?}", back.bad);
    for (path, size) in &back.files {
        assert!(
            *size <= LIMIT_BLOCKS * 512,
            "{what}: {} is {size} bytes",
            path.display()
        );
    }
    back.len() as u64
}

/// Mutant caught (applied): `FileState::append` not cutting the file back
/// after a short write (`set_len` removed: a partial line is left at the
/// limit, which the `/dev/full` fallback of `disk_full.rs` never shows).
#[test]
fn line_mode_refuses_by_name_loses_nothing_accepted_and_leaves_no_partial_line() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("line").join("1");
    let filled = fill("line", &dir);
    let events = dir.join("events");
    let present = check_files(&events, "line");
    assert!(filled.refused > 0, "the limit was never met");
    assert_eq!(filled.accepted + filled.refused, COUNT);
    assert_eq!(present, filled.accepted, "an accepted event was lost");
    let mut named = BTreeSet::new();
    for error in &filled.errors {
        assert!(error.starts_with("X StorageFull "), "{error}");
        let files = files_named(error, &events);
        assert_eq!(files.len(), 1, "one exact file per refused event: {error}");
        named.extend(files);
    }
    assert_eq!(
        named,
        TAGGED_FILES.into_iter().collect(),
        "every full file is named"
    );
}

/// Mutant caught (applied): as above (`FileState::append` not cutting the
/// file back: a partial line in each of the six files).
#[test]
fn buffered_emit_keeps_accepting_and_flush_names_each_full_file_and_every_lost_event() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("buffered").join("1");
    let filled = fill("buffered", &dir);
    let events = dir.join("events");
    let present = check_files(&events, "buffered");
    // Only the errors, written before `emit` returns, can be refused.
    let errors = (0..COUNT)
        .filter(|seq| basis_reliability::kind_of(0, *seq) == 5)
        .count() as u64;
    assert!(filled.refused <= errors, "{} refused", filled.refused);
    assert_eq!(filled.accepted + filled.refused, COUNT);
    assert!(filled.lost > 0, "the limit was never met");
    assert_eq!(
        present + filled.lost,
        filled.accepted,
        "every accepted event written or counted lost"
    );
    let mut named = BTreeSet::new();
    for error in &filled.errors {
        assert!(error.starts_with("X StorageFull "), "{error}");
        named.extend(files_named(error, &events));
    }
    assert_eq!(
        named,
        TAGGED_FILES.into_iter().collect(),
        "every full file is named"
    );
}
