//! How `Run::open` finds a run's processes and event files, and what it
//! reports instead of reading: each test names the mutants of
//! `events/src/reader/run.rs` it was seen to fail on (the run.rs mutation
//! run in `reliability/MUTANTS.md`).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use basis_events::reader::{OpenError, Problem, ReadOptions, Run, SkipReason};
use basis_events::run_dir::{LogDirectoryManager, RunOptions};
use serde_json::Value;

/// A run `abc123/7` made by the library, with an empty `positions.jsonl`.
fn new_run(root: &Path) -> std::path::PathBuf {
    let run = LogDirectoryManager::with_root(root)
        .create_run_logs(
            RunOptions::new("pure_lending_usdt", "pure_lending", 10000.0)
                .correlation_id("abc123")
                .pid(7)
                .retention(None),
        )
        .unwrap();
    fs::write(run.events_dir().join("positions.jsonl"), "").unwrap();
    run.dir().to_owned()
}

fn skipped(run: &Run) -> Vec<(String, SkipReason)> {
    run.problems()
        .iter()
        .filter_map(|problem| match problem {
            Problem::Skipped { path, reason } => Some((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                *reason,
            )),
            _ => None,
        })
        .collect()
}

/// Mutant: `Run::open_with`'s `NotFound` arm deleted (a path that does not
/// exist reported as an I/O failure instead of "not a run").
#[test]
fn a_path_that_does_not_exist_is_not_a_run() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nowhere");
    match Run::open(&missing) {
        Err(OpenError::NotARun { path, reason }) => {
            assert_eq!(path, missing);
            assert_eq!(reason, "it does not exist");
        }
        other => panic!("{other:?}"),
    }
}

/// Mutants: `Opener::processes`' pid guard as `true` or with `&&` as `||`
/// (a directory `007` read as process 7).
#[test]
fn only_a_directory_named_exactly_as_a_pid_is_a_process() {
    let root = tempfile::tempdir().unwrap();
    new_run(root.path());
    let cid = root.path().join("abc123");
    fs::create_dir(cid.join("007")).unwrap();
    fs::create_dir(cid.join("notapid")).unwrap();
    let run = Run::open(&cid).unwrap();
    let pids: Vec<u32> = run.processes().iter().map(|p| p.pid()).collect();
    assert_eq!(pids, [7]);
    let mut skipped = skipped(&run);
    skipped.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "007");
    assert_eq!(skipped[1].0, "notapid");
}

/// Mutant: the `!file_type.is_dir()` filter of `Opener::process` negated (a
/// link beside the manifest no longer reported, a directory reported).
#[test]
fn a_link_in_a_process_directory_is_reported_and_a_directory_is_not() {
    let root = tempfile::tempdir().unwrap();
    let dir = new_run(root.path());
    symlink(dir.join("metadata.json"), dir.join("link.json")).unwrap();
    fs::create_dir(dir.join("extra")).unwrap();
    let run = Run::open(&dir).unwrap();
    assert_eq!(
        skipped(&run),
        [("link.json".to_owned(), SkipReason::Symlink)]
    );
}

/// Mutants: `Opener::event_files`' `is_dir` guard as `true` (a file at
/// `events/` read as the directory: the open fails), and its `NotFound`
/// guard as `false` or with `==` as `!=` (a process without `events/`
/// fails to open instead of having no files).
#[test]
fn events_that_is_a_file_is_reported_and_no_events_dir_is_no_files() {
    let root = tempfile::tempdir().unwrap();
    new_run(root.path());
    let cid = root.path().join("abc123");
    // Process 8 beside 7: no `events/` at all.
    let other = cid.join("8");
    fs::create_dir(&other).unwrap();
    let run = Run::open(&cid).unwrap();
    assert!(run.processes()[1].files().is_empty());
    assert!(skipped(&run).is_empty(), "{:?}", run.problems());

    fs::write(other.join("events"), "not a directory").unwrap();
    let run = Run::open(&cid).unwrap();
    assert!(run.processes()[1].files().is_empty());
    assert_eq!(
        skipped(&run),
        [(
            "events".to_owned(),
            SkipReason::WrongKind("a file where the events/ directory belongs")
        )]
    );
}

/// Mutants: `Segment::is_frozen` as `true` or `false`, `Segment::number`
/// as `None`, `Some(0)` or `Some(1)`, and `ReadOptions::is_snapshot` as
/// `false` (outside the doc tests, which the mutation runs leave out).
#[test]
fn a_snapshot_holds_its_segments_and_a_plain_open_does_not() {
    let root = tempfile::tempdir().unwrap();
    let dir = new_run(root.path());
    fs::write(dir.join("events/positions.2.jsonl"), "").unwrap();
    for (options, frozen) in [
        (ReadOptions::new(), false),
        (ReadOptions::new().snapshot(), true),
    ] {
        let run = Run::open_with(&dir, options).unwrap();
        assert_eq!(run.options().is_snapshot(), frozen);
        let segments = run.processes()[0].files()[0].segments();
        let numbers: Vec<Option<u64>> = segments.iter().map(|s| s.number()).collect();
        assert_eq!(numbers, [Some(2), None]);
        for segment in segments {
            assert_eq!(segment.is_frozen(), frozen, "{}", segment.path().display());
        }
    }
}

/// A run written before catalogs existed is read with this binary's
/// catalog at the versions its manifest names. Mutants: `EventFile::version`
/// as 1; in `with_manifest_versions`, the first `!=` as `==`, `!differs`
/// negated and the second `!=` as `==`; and `Opener::process`'s
/// `!catalog_from_run` negated (the manifest's versions over the run's own
/// catalog, or never used).
#[test]
fn a_run_without_a_catalog_is_read_at_its_manifests_versions() {
    let root = tempfile::tempdir().unwrap();
    let dir = new_run(root.path());
    let manifest_path = dir.join("metadata.json");
    let mut manifest: Value =
        serde_json::from_str(&fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["schema_versions"]["PositionSnapshot"] = 2.into();
    fs::write(&manifest_path, manifest.to_string()).unwrap();

    // With its own catalog, the catalog's version is the one.
    let version = |run: &Run| {
        let files = run.processes()[0].files();
        let file = files
            .iter()
            .find(|f| f.file() == "positions.jsonl")
            .unwrap();
        file.version()
    };
    let run = Run::open(&dir).unwrap();
    assert!(run.processes()[0].catalog_from_run());
    assert_eq!(version(&run), 1);

    fs::remove_file(dir.join("catalog.json")).unwrap();
    let run = Run::open(&dir).unwrap();
    assert!(!run.processes()[0].catalog_from_run());
    assert_eq!(version(&run), 2);
    // The other events keep the binary's versions.
    let other = run.processes()[0]
        .catalog()
        .events
        .iter()
        .find(|e| e.name == "OperationExecutionEvent")
        .unwrap()
        .version;
    assert_eq!(other, 1);
}
