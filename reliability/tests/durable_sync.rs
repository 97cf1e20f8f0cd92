//! Durable mode's syncs, observed from outside: the emitter runs under
//! `strace -f -e trace=fdatasync,fsync` and the parent counts the calls.
//!
//! Durable: every batch write is followed by `fdatasync` (so is every
//! immediate error line), and the first durable write of each newly created
//! file also `fsync`s its directory. Buffered and line: no sync at all.
//!
//! Needs Debian's `strace`; `.ci/run` installs it and sets
//! `BASIS_REQUIRE_STRACE=1`, so in CI a missing `strace` fails the test
//! instead of skipping it.

use std::path::Path;
use std::process::Command;

use basis_reliability::{Emitter, SpawnOptions, kind_of};

const EMITTER: &str = env!("CARGO_BIN_EXE_emitter");
const COUNT: u64 = 1_234;

fn strace_available() -> bool {
    let found = Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var_os("BASIS_REQUIRE_STRACE").is_none(),
            "BASIS_REQUIRE_STRACE is set but `strace` cannot run"
        );
        eprintln!("durable_sync: `strace` not found; skipped (CI requires it)");
    }
    found
}

/// `(fdatasync calls, fsync calls)` of one emitter run in `exit` mode
/// (COUNT events, then `shutdown`).
fn syncs(durability: &str, root: &Path) -> (usize, usize) {
    let dir = root.join(durability).join("1");
    let trace = root.join(format!("{durability}.strace"));
    let count = COUNT.to_string();
    let ended = Emitter::spawn(
        Path::new(EMITTER),
        ["exit", durability, "1", &count, dir.to_str().unwrap()],
        &SpawnOptions {
            strace_to: Some(trace.clone()),
            ..SpawnOptions::default()
        },
    )
    .unwrap()
    .wait();
    assert!(ended.status.success(), "{durability}: {}", ended.stderr);
    let text = std::fs::read_to_string(&trace).unwrap();
    let calls = |name: &str| {
        text.lines()
            .filter(|line| line.contains(&format!("{name}(")) && !line.contains("= -1"))
            .count()
    };
    (calls("fdatasync"), calls("fsync"))
}

/// Mutant caught (applied): the `Durability::Durable` check in
/// `Writer::drain_locked` negated (durable syncs only its error lines, and
/// buffered syncs every batch).
#[test]
fn durable_mode_syncs_every_write_and_each_new_files_directory_and_the_others_never_sync() {
    if !strace_available() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let errors = (0..COUNT).filter(|seq| kind_of(0, *seq) == 5).count();
    let (fdatasync, fsync) = syncs("durable", root.path());
    // Each error line is synced as it is written, and every other file's
    // batches at least once each (two full batches and the last one).
    let other_batches = 5 * 3;
    assert!(
        fdatasync >= errors + other_batches,
        "durable: {fdatasync} fdatasync calls for {errors} error lines and {other_batches} batches"
    );
    // The directory of the six newly created files, at least once.
    assert!(fsync >= 1, "durable: the directory was never synced");
    for durability in ["buffered", "line"] {
        assert_eq!(
            syncs(durability, root.path()),
            (0, 0),
            "{durability} must not sync"
        );
    }
}
