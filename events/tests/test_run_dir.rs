//! Run directories, the run manifest, id checks and retention.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use basis_events::catalog::TightLoopExecutionEvent;
use basis_events::model::run_catalog::RunCatalog;
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

/// A link or a file planted where a run directory goes is refused by name,
/// never followed or written through, and left as it was. Mutants seen to
/// fail: `create_run_logs`'s link guard as `false` (the run written
/// through the link) and, before the two cases had their own errors, its
/// `||` as `&&` (a file taken for a directory).
#[test]
fn test_a_link_or_a_file_where_the_run_directory_goes_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let manager = LogDirectoryManager::with_root(root.path().join("logs"));
    fs::create_dir_all(root.path().join("logs")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), root.path().join("logs/linked")).unwrap();
    let err = manager
        .create_run_logs(options().correlation_id("linked"))
        .unwrap_err();
    assert!(
        matches!(&err, RunDirError::Symlink(path) if path.ends_with("logs/linked")),
        "{err}"
    );
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    fs::write(root.path().join("logs/plain"), "not a directory").unwrap();
    let err = manager
        .create_run_logs(options().correlation_id("plain"))
        .unwrap_err();
    assert!(
        matches!(&err, RunDirError::NotADirectory(path) if path.ends_with("logs/plain")),
        "{err}"
    );
    assert!(err.to_string().contains("not a directory"), "{err}");
    assert_eq!(
        fs::read_to_string(root.path().join("logs/plain")).unwrap(),
        "not a directory"
    );
}

/// Retention over a root that does not exist yet has nothing to do; over a
/// root it cannot list it fails, naming the root, instead of reporting
/// nothing removed. Mutants seen to fail: `apply_retention`'s `NotFound`
/// guard as `true`, as `false`, and its `==` as `!=`.
#[test]
fn test_retention_over_a_missing_root_does_nothing_and_over_a_file_fails() {
    let root = tempfile::tempdir().unwrap();
    let missing = LogDirectoryManager::with_root(root.path().join("not_yet"));
    let report = missing.apply_retention(&RetentionOptions::new()).unwrap();
    assert!(report.removed.is_empty() && report.kept.is_empty() && report.skipped.is_empty());

    fs::write(root.path().join("a_file"), "").unwrap();
    let file = LogDirectoryManager::with_root(root.path().join("a_file"));
    let err = file.apply_retention(&RetentionOptions::new()).unwrap_err();
    assert!(
        matches!(&err, RunDirError::Io { path, .. } if path.ends_with("a_file")),
        "{err}"
    );
    assert!(err.to_string().contains("list the log root"), "{err}");
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

/// Age is judged as of the retention's `now`, and each mode's period can
/// be overridden. Mutants seen to fail: `RetentionOptions::now` and
/// `RetentionOptions::live_retention` replaced by `Default::default()` (the
/// setting ignored).
#[test]
fn test_retention_judges_age_as_of_its_now_with_the_periods_it_is_given() {
    let parent = tempfile::tempdir().unwrap();
    let manager = LogDirectoryManager::with_root(parent.path().join("logs"));
    old_run(&manager, "backtest", ExecutionMode::Backtest, 2 * DAY);
    old_run(&manager, "live", ExecutionMode::Live, 10 * DAY);
    let removed = |options: RetentionOptions| {
        let report = manager.apply_retention(&options.dry_run(true)).unwrap();
        let mut ids: Vec<String> = report
            .removed
            .into_iter()
            .map(|run| run.correlation_id)
            .collect();
        ids.sort();
        ids
    };
    assert!(removed(RetentionOptions::new()).is_empty());
    // Six days on, the backtest is eight days old.
    let later = SystemTime::now() + 6 * DAY;
    assert_eq!(removed(RetentionOptions::new().now(later)), ["backtest"]);
    assert_eq!(
        removed(RetentionOptions::new().live_retention(5 * DAY)),
        ["live"]
    );
    assert_eq!(
        removed(RetentionOptions::new().backtest_retention(DAY)),
        ["backtest"]
    );
}

/// The sizes of every file under `dir`.
fn bytes_under(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                bytes_under(&entry.path())
            } else {
                entry.metadata().unwrap().len()
            }
        })
        .sum()
}

/// A run is active, and never removed, while its `RunLogs` lives or while
/// its manifest says running and its process is alive; it carries its mode
/// and the binary's catalog; retention reports its size. Mutants seen to
/// fail (`events/src/runtime/run_dir.rs`): `Drop for RunLogs` as `()`,
/// `process_alive` as `true` and as `false`, `RunLogs::execution_mode` as
/// `Default::default()`, `write_catalog` as `Ok(())`, `last_write`'s
/// `bytes +=` as `*=`.
#[test]
fn test_a_run_is_active_while_held_or_its_process_lives_and_carries_its_catalog() {
    let parent = tempfile::tempdir().unwrap();
    let manager = LogDirectoryManager::with_root(parent.path().join("logs"));
    // No process has this pid; this test's process is alive.
    let dead = manager
        .create_run_logs(
            options()
                .correlation_id("dead")
                .pid(u32::MAX - 1)
                .execution_mode(ExecutionMode::Live),
        )
        .unwrap();
    let alive = manager
        .create_run_logs(options().correlation_id("alive"))
        .unwrap();
    assert_eq!(dead.execution_mode(), ExecutionMode::Live);
    assert_eq!(alive.execution_mode(), ExecutionMode::Backtest);
    let catalog: RunCatalog =
        serde_json::from_slice(&fs::read(dead.dir().join("catalog.json")).unwrap()).unwrap();
    assert_eq!(catalog, RunCatalog::of_this_binary().unwrap());

    let a_year_on = RetentionOptions::new()
        .now(SystemTime::now() + 365 * DAY)
        .dry_run(true);
    let outcome = |report: &basis_events::run_dir::RetentionReport, id: &str| {
        if report.removed.iter().any(|r| r.correlation_id == id) {
            "removed"
        } else if report
            .skipped
            .iter()
            .any(|s| s.path.ends_with(id) && s.reason == SkipReason::Active)
        {
            "active"
        } else {
            "other"
        }
    };
    let report = manager.apply_retention(&a_year_on).unwrap();
    assert_eq!(outcome(&report, "dead"), "active");
    assert_eq!(outcome(&report, "alive"), "active");
    drop((dead, alive));
    let report = manager.apply_retention(&a_year_on).unwrap();
    assert_eq!(outcome(&report, "dead"), "removed");
    assert_eq!(outcome(&report, "alive"), "active");
    let removed = &report.removed[0];
    assert_eq!(removed.bytes, bytes_under(&removed.path));
    assert!(removed.bytes > 0);
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
