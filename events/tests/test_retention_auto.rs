//! Retention that runs by itself: at run creation, configurable, and never
//! removing a run a forwarder has not finished shipping.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use basis_events::ShutdownReport;
use basis_events::run_dir::{
    FORWARD_CURSOR_FILE, LogDirectoryManager, RetentionOptions, RunOptions, RunStatus, SkipReason,
};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn options(id: &str) -> RunOptions {
    RunOptions::new("pure_lending_usdt", "pure_lending", 10000.0)
        .correlation_id(id)
        .pid(7)
}

/// A finished backtest run whose files were all last written `age` ago.
fn aged_run(root: &Path, id: &str, age: Duration) -> PathBuf {
    aged_run_with_cursor(root, id, age, None)
}

/// The same, with a forward cursor holding `cursor`, written as long ago.
fn aged_run_with_cursor(root: &Path, id: &str, age: Duration, cursor: Option<&str>) -> PathBuf {
    let manager = LogDirectoryManager::with_root(root).auto_retention(None);
    let run = manager.create_run_logs(options(id)).unwrap();
    fs::write(run.events_dir().join("positions.jsonl"), "{}\n").unwrap();
    run.finish(RunStatus::Completed, &ShutdownReport::default())
        .unwrap();
    if let Some(cursor) = cursor {
        fs::write(run.dir().join(FORWARD_CURSOR_FILE), cursor).unwrap();
    }
    age_files(run.dir(), SystemTime::now() - age);
    run.dir().parent().unwrap().to_owned()
}

fn age_files(dir: &Path, time: SystemTime) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            age_files(&entry.path(), time);
        } else {
            OpenOptions::new()
                .write(true)
                .open(entry.path())
                .unwrap()
                .set_modified(time)
                .unwrap();
        }
    }
}

#[test]
fn test_creating_a_run_removes_old_runs_by_default() {
    let root = tempfile::tempdir().unwrap();
    let old = aged_run(root.path(), "old", 10 * DAY);
    let young = aged_run(root.path(), "young", 2 * DAY);

    let run = LogDirectoryManager::with_root(root.path())
        .create_run_logs(options("new"))
        .unwrap();
    assert!(
        !old.exists(),
        "the 10-day-old backtest survived run creation"
    );
    assert!(young.exists());
    assert!(run.dir().is_dir());
    let report = run.retention().expect("retention ran").unwrap();
    let removed: Vec<&str> = report
        .removed
        .iter()
        .map(|r| r.correlation_id.as_str())
        .collect();
    assert_eq!(removed, ["old"]);
    // The new run is never a candidate, however its clock is set.
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.path.ends_with("new") && s.reason == SkipReason::Active)
    );
}

#[test]
fn test_retention_at_creation_is_configurable() {
    let root = tempfile::tempdir().unwrap();
    let old = aged_run(root.path(), "old", 10 * DAY);

    // Off for the manager.
    let run = LogDirectoryManager::with_root(root.path())
        .auto_retention(None)
        .create_run_logs(options("a"))
        .unwrap();
    assert!(run.retention().is_none());
    assert!(old.exists());
    // Off for one run.
    LogDirectoryManager::with_root(root.path())
        .create_run_logs(options("b").retention(None))
        .unwrap();
    assert!(old.exists());
    // A dry run for one run lists it and removes nothing.
    let run = LogDirectoryManager::with_root(root.path())
        .create_run_logs(options("c").retention(Some(RetentionOptions::new().dry_run(true))))
        .unwrap();
    let report = run.retention().unwrap().unwrap();
    assert!(report.dry_run);
    assert_eq!(report.removed.len(), 1);
    assert!(old.exists());
    // A longer retention on the manager keeps it.
    LogDirectoryManager::with_root(root.path())
        .auto_retention(Some(RetentionOptions::new().backtest_retention(20 * DAY)))
        .create_run_logs(options("d"))
        .unwrap();
    assert!(old.exists());
}

#[test]
fn test_a_run_still_being_forwarded_is_never_removed() {
    let root = tempfile::tempdir().unwrap();
    let pending = aged_run_with_cursor(
        root.path(),
        "pending",
        40 * DAY,
        Some(r#"{"done":false,"files":{}}"#),
    );
    let torn = aged_run_with_cursor(root.path(), "torn", 40 * DAY, Some(r#"{"done":tr"#));
    let shipped = aged_run_with_cursor(
        root.path(),
        "shipped",
        40 * DAY,
        Some(r#"{"done":true,"files":{}}"#),
    );

    let report = LogDirectoryManager::with_root(root.path())
        .apply_retention(&RetentionOptions::new())
        .unwrap();
    assert!(pending.exists(), "a run not yet acknowledged was removed");
    assert!(torn.exists(), "an unreadable cursor must keep the run");
    assert!(
        !shipped.exists(),
        "a fully acknowledged run ages like any other"
    );
    let skipped: Vec<(String, SkipReason)> = report
        .skipped
        .iter()
        .map(|s| {
            let name = s.path.file_name().unwrap().to_string_lossy().into_owned();
            (name, s.reason)
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("pending".to_owned(), SkipReason::NotAcknowledged),
            ("torn".to_owned(), SkipReason::NotAcknowledged),
        ]
    );
}
