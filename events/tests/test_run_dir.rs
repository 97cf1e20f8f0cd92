//! Run directories, the run manifest, id checks and retention.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use basis_events::catalog::TightLoopExecutionEvent;
use basis_events::run_dir::{
    ExecutionMode, LOG_DIR_ENV, LogDirectoryManager, RetentionOptions, RunDirError, RunOptions,
    RunStatus, SkipReason,
};
use basis_events::{DomainEvent, ShutdownReport};
use serde_json::Value;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn options() -> RunOptions {
    // These tests age runs by hand and apply retention themselves; retention
    // at creation is tested in test_retention_auto.rs.
    RunOptions::new("pure_lending_usdt", "pure_lending", 10000.0).retention(None)
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(dir.join("metadata.json")).unwrap()).unwrap()
}

#[test]
fn test_a_run_gets_its_directories_and_manifest() {
    let root = tempfile::tempdir().unwrap();
    let manager = LogDirectoryManager::with_root(root.path());
    let run = manager
        .create_run_logs(options().correlation_id("abc123").pid(4242))
        .unwrap();
    assert_eq!(run.dir(), root.path().join("abc123/4242"));
    assert!(run.events_dir().is_dir());
    let manifest = manifest(run.dir());
    for key in [
        "correlation_id",
        "pid",
        "mode",
        "strategy",
        "initial_capital",
        "start_time",
        "log_directory",
        "events_directory",
        "execution_mode",
        "host",
        "crate_version",
        "schema_versions",
        "status",
        "end_time",
        "event_counts",
    ] {
        assert!(manifest.get(key).is_some(), "missing {key}");
    }
    assert_eq!(manifest["correlation_id"], "abc123");
    assert_eq!(manifest["pid"], 4242);
    assert_eq!(manifest["mode"], "pure_lending_usdt");
    assert_eq!(manifest["initial_capital"], 10000.0);
    assert_eq!(manifest["execution_mode"], "backtest");
    assert_eq!(manifest["status"], "running");
    assert_eq!(manifest["schema_versions"]["PositionSnapshot"], 1);
    assert!(manifest["end_time"].is_null());
    let start = manifest["start_time"].as_str().unwrap();
    assert!(basis_events::RealUtcTime::parse(start).is_ok(), "{start}");
}

#[test]
fn test_a_missing_id_is_generated_as_32_hex_characters() {
    let root = tempfile::tempdir().unwrap();
    let run = LogDirectoryManager::with_root(root.path())
        .create_run_logs(options())
        .unwrap();
    let id = run.correlation_id();
    assert_eq!(id.len(), 32);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(run.pid(), std::process::id());
}

#[test]
fn test_bad_ids_are_refused_and_nothing_is_created() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("logs");
    let manager = LogDirectoryManager::with_root(&root);
    let long = "a".repeat(129);
    for id in [
        "",
        ".",
        "..",
        "../escape",
        "a/b",
        "/etc",
        "a\\b",
        "a\nb",
        "a\0b",
        "tab\there",
        &long,
    ] {
        let err = manager
            .create_run_logs(options().correlation_id(id))
            .unwrap_err();
        assert!(
            matches!(err, RunDirError::InvalidId { .. }),
            "{id:?}: {err}"
        );
        assert!(err.to_string().starts_with("invalid id"), "{err}");
    }
    assert!(!root.exists());
    assert_eq!(fs::read_dir(parent.path()).unwrap().count(), 0);
    // 128 bytes is fine.
    manager
        .create_run_logs(options().correlation_id("b".repeat(128)))
        .unwrap();
}

#[test]
fn test_processes_of_one_run_never_share_a_directory() {
    let root = tempfile::tempdir().unwrap();
    let manager = LogDirectoryManager::with_root(root.path());
    let first = manager
        .create_run_logs(options().correlation_id("run").pid(1))
        .unwrap();
    let second = manager
        .create_run_logs(options().correlation_id("run").pid(2))
        .unwrap();
    assert_ne!(first.dir(), second.dir());
    assert_eq!(manifest(first.dir())["pid"], 1);
    assert_eq!(manifest(second.dir())["pid"], 2);
    assert!(!root.path().join("run/metadata.json").exists());
    let err = manager
        .create_run_logs(options().correlation_id("run").pid(1))
        .unwrap_err();
    assert!(matches!(err, RunDirError::AlreadyExists(_)), "{err}");
}

#[test]
fn test_finish_records_end_time_status_and_counts() {
    let root = tempfile::tempdir().unwrap();
    let run = LogDirectoryManager::with_root(root.path())
        .create_run_logs(
            options()
                .correlation_id("abc")
                .execution_mode(ExecutionMode::Live),
        )
        .unwrap();
    let logger = run.event_logger().build().unwrap();
    for _ in 0..3 {
        logger
            .emit(TightLoopExecutionEvent::example().unwrap())
            .unwrap();
    }
    let report = logger.shutdown().unwrap();
    run.finish(RunStatus::Completed, &report).unwrap();
    let manifest = manifest(run.dir());
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["execution_mode"], "live");
    assert!(manifest["end_time"].is_string());
    assert_eq!(manifest["event_counts"]["tight_loop.jsonl"], 3);
    assert_eq!(manifest["event_counts"]["positions.jsonl"], 0);
}

#[test]
fn test_shutdown_through_the_run_records_completed_or_failed() {
    let root = tempfile::tempdir().unwrap();
    let manager = LogDirectoryManager::with_root(root.path());

    let run = manager
        .create_run_logs(options().correlation_id("done"))
        .unwrap();
    let logger = run.event_logger().build().unwrap();
    logger
        .emit(TightLoopExecutionEvent::example().unwrap())
        .unwrap();
    let report = run.shutdown(&logger).unwrap();
    assert_eq!(report.files["tight_loop.jsonl"].written, 1);
    let done = manifest(run.dir());
    assert_eq!(done["status"], "completed");
    assert_eq!(done["event_counts"]["tight_loop.jsonl"], 1);
    assert!(done["end_time"].is_string());

    // Every write fails: the logger reports the lost event at shutdown, and
    // the manifest says the run failed instead of claiming it completed.
    let run = manager
        .create_run_logs(options().correlation_id("full"))
        .unwrap();
    let on_dev_full: basis_events::FileOpener =
        std::sync::Arc::new(|_: &Path| OpenOptions::new().write(true).open("/dev/full"));
    let logger = run
        .event_logger()
        .config(basis_events::LoggerConfig::default().file_opener(on_dev_full))
        .build()
        .unwrap();
    logger
        .emit(TightLoopExecutionEvent::example().unwrap())
        .unwrap();
    let err = run.shutdown(&logger).unwrap_err();
    assert!(matches!(err, RunDirError::Logger(_)), "{err}");
    let failed = manifest(run.dir());
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["event_counts"]["tight_loop.jsonl"], 0);
}

/// A run that ended `age` ago: every file inside last written then.
fn old_run(manager: &LogDirectoryManager, id: &str, mode: ExecutionMode, age: Duration) -> PathBuf {
    let run = manager
        .create_run_logs(options().correlation_id(id).pid(7).execution_mode(mode))
        .unwrap();
    fs::write(run.events_dir().join("positions.jsonl"), "{}\n").unwrap();
    run.finish(RunStatus::Completed, &ShutdownReport::default())
        .unwrap();
    let path = run.dir().parent().unwrap().to_owned();
    set_mtimes(&path, SystemTime::now() - age);
    path
}

fn set_mtimes(dir: &Path, time: SystemTime) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            set_mtimes(&entry.path(), time);
        } else if kind.is_file() {
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
fn test_retention_removes_old_runs_only_and_never_follows_links() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("logs");
    let manager = LogDirectoryManager::with_root(&root);

    let old_backtest = old_run(&manager, "old_backtest", ExecutionMode::Backtest, 10 * DAY);
    let young_backtest = old_run(&manager, "young_backtest", ExecutionMode::Backtest, 2 * DAY);
    let old_live = old_run(&manager, "old_live", ExecutionMode::Live, 10 * DAY);
    let ancient_live = old_run(&manager, "ancient_live", ExecutionMode::Live, 40 * DAY);
    // Old files, but one was appended to an hour ago: the run is young.
    let appended = old_run(&manager, "appended", ExecutionMode::Backtest, 10 * DAY);
    OpenOptions::new()
        .write(true)
        .open(appended.join("7/events/positions.jsonl"))
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    // The active run: created by this manager, not finished, files old.
    let active = manager
        .create_run_logs(options().correlation_id("active").pid(8))
        .unwrap();
    set_mtimes(&root.join("active"), SystemTime::now() - 10 * DAY);
    // Kept on request.
    let kept = old_run(&manager, "kept", ExecutionMode::Backtest, 10 * DAY);
    // Outside the root: an old run reached through a link, and a file linked
    // from inside an old run.
    let outside = parent.path().join("outside");
    fs::create_dir_all(outside.join("9")).unwrap();
    fs::write(
        outside.join("9/metadata.json"),
        fs::read(old_backtest.join("7/metadata.json")).unwrap(),
    )
    .unwrap();
    set_mtimes(&outside, SystemTime::now() - 100 * DAY);
    std::os::unix::fs::symlink(&outside, root.join("linked_run")).unwrap();
    let precious = parent.path().join("precious.txt");
    fs::write(&precious, "keep me").unwrap();
    std::os::unix::fs::symlink(&precious, old_backtest.join("7/link.txt")).unwrap();
    // Not a run: no manifest.
    fs::create_dir_all(root.join("notes")).unwrap();
    set_mtimes(&root.join("notes"), SystemTime::now() - 100 * DAY);

    let dry = manager
        .apply_retention(&RetentionOptions::new().dry_run(true).keep("kept"))
        .unwrap();
    let names = |runs: &[basis_events::run_dir::RunAge]| -> Vec<String> {
        runs.iter().map(|r| r.correlation_id.clone()).collect()
    };
    assert!(dry.dry_run);
    assert_eq!(names(&dry.removed), ["ancient_live", "old_backtest"]);
    assert_eq!(names(&dry.kept), ["appended", "old_live", "young_backtest"]);
    let skipped: Vec<(String, SkipReason)> = dry
        .skipped
        .iter()
        .map(|s| {
            (
                s.path.file_name().unwrap().to_string_lossy().into_owned(),
                s.reason,
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("active".to_owned(), SkipReason::Active),
            ("kept".to_owned(), SkipReason::Active),
            ("linked_run".to_owned(), SkipReason::Symlink),
            ("notes".to_owned(), SkipReason::NotARun),
        ]
    );
    // A dry run removes nothing.
    assert!(old_backtest.exists() && ancient_live.exists());

    let report = manager
        .apply_retention(&RetentionOptions::new().keep("kept"))
        .unwrap();
    assert!(!report.dry_run);
    assert_eq!(names(&report.removed), ["ancient_live", "old_backtest"]);
    assert!(!old_backtest.exists());
    assert!(!ancient_live.exists());
    for still in [
        &young_backtest,
        &old_live,
        &appended,
        &kept,
        &root.join("active"),
        &root.join("notes"),
    ] {
        assert!(still.exists(), "{} was removed", still.display());
    }
    assert_eq!(fs::read_to_string(&precious).unwrap(), "keep me");
    assert!(outside.join("9/metadata.json").exists());
    assert!(fs::symlink_metadata(root.join("linked_run")).is_ok());

    // Once finished, the active run ages like any other.
    active
        .finish(RunStatus::Completed, &ShutdownReport::default())
        .unwrap();
    set_mtimes(&root.join("active"), SystemTime::now() - 10 * DAY);
    let report = manager.apply_retention(&RetentionOptions::new()).unwrap();
    assert_eq!(names(&report.removed), ["active", "kept"]);
}

#[test]
fn test_the_root_comes_from_basis_log_dir() {
    // Environment variables cannot be set safely in a threaded test binary;
    // the check runs in a child process of this binary with the variable set.
    if let Ok(expected) = std::env::var("BASIS_EVENTS_TEST_CHILD") {
        assert_eq!(LogDirectoryManager::new().root(), Path::new(&expected));
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "test_the_root_comes_from_basis_log_dir",
            "--quiet",
        ])
        .env(LOG_DIR_ENV, root.path())
        .env("BASIS_EVENTS_TEST_CHILD", root.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "test_the_root_comes_from_basis_log_dir",
            "--quiet",
        ])
        .env_remove(LOG_DIR_ENV)
        .env("BASIS_EVENTS_TEST_CHILD", "logs")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn test_parameters_are_recorded_and_absent_when_none() {
    let root = tempfile::tempdir().unwrap();
    let manager = LogDirectoryManager::with_root(root.path());
    let with = manager
        .create_run_logs(
            options()
                .correlation_id("withparams")
                .parameter("seed", "7")
                .parameter("days", "30"),
        )
        .unwrap();
    let manifest_with = manifest(with.dir());
    assert_eq!(manifest_with["parameters"]["seed"], "7");
    assert_eq!(manifest_with["parameters"]["days"], "30");
    let without = manager
        .create_run_logs(options().correlation_id("noparams"))
        .unwrap();
    assert!(manifest(without.dir()).get("parameters").is_none());
    // A manifest written before parameters existed still reads.
    assert!(with.manifest().parameters.contains_key("seed"));
}
