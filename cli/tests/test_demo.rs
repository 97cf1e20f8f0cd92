//! The demo backtest: every event type and severity, component logs, and the
//! same files for the same seed.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use basis_events::registered_events;
use common::{demo_in, event_path, lines};
use serde_json::Value;

/// Every event file's lines with the fields that may differ between two runs
/// of one seed removed: the wall clock and the process id.
fn normalized(run_dir: &Path) -> BTreeMap<String, Vec<Value>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(run_dir.join("events")).unwrap() {
        let path = entry.unwrap().path();
        let records = lines(&path)
            .iter()
            .map(|line| {
                let mut value: Value = serde_json::from_str(line).unwrap();
                let object = value.as_object_mut().unwrap();
                object.remove("real_utc_time").unwrap();
                object.remove("pid").unwrap();
                value
            })
            .collect();
        files.insert(
            path.file_name().unwrap().to_string_lossy().into_owned(),
            records,
        );
    }
    files
}

#[test]
fn test_same_seed_same_events_other_seed_other_events() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_in(&dir.path().join("a"), 3, 99, "samerun");
    let b = demo_in(&dir.path().join("b"), 3, 99, "samerun");
    let c = demo_in(&dir.path().join("c"), 3, 100, "samerun");
    let (a, b, c) = (
        normalized(&a.run_dir),
        normalized(&b.run_dir),
        normalized(&c.run_dir),
    );
    assert_eq!(a.len(), 12);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn test_demo_exercises_every_event_and_severity() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 42, "everything");
    for event in registered_events().unwrap() {
        let path = event_path(&outcome.run_dir, event.file());
        assert!(!lines(&path).is_empty(), "{} is empty", event.file());
    }
    let parse = |file: &str| -> Vec<Value> {
        lines(&event_path(&outcome.run_dir, file))
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let ops = parse("operation_executions.jsonl");
    let supply_001: Vec<&str> = ops
        .iter()
        .filter(|o| o["operation_id"] == "supply_001")
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        supply_001,
        ["failed", "confirmed"],
        "a transient failure, retried"
    );
    assert!(ops.iter().any(|o| o["status"] == "rolled_back"));
    assert!(
        ops.iter()
            .any(|o| o["execution_duration_ms"].as_f64().unwrap() > 1000.0)
    );
    assert!(
        parse("tight_loop.jsonl")
            .iter()
            .any(|t| t["retry_count"].as_u64().unwrap() > 0)
    );
    assert!(
        parse("tight_loop.jsonl")
            .iter()
            .any(|t| t["reconciliation_success"] == false)
    );
    let groups = parse("atomic_groups.jsonl");
    assert!(groups.iter().any(|g| g["all_succeeded"] == true
        && g["operation_types"] == serde_json::json!(["supply", "borrow"])));
    assert!(groups.iter().any(|g| g["rollback_occurred"] == true));
    assert!(
        parse("positions.jsonl")
            .iter()
            .any(|p| p["timestamp"] == "2025-01-15T10:30:00")
    );
    let errors = parse("system_errors.jsonl");
    for severity in ["CRITICAL", "HIGH", "MEDIUM", "LOW"] {
        let error = errors
            .iter()
            .find(|e| e["severity"] == severity)
            .unwrap_or_else(|| panic!("no {severity} error"));
        // Each error is also a line of its component's log.
        let component: basis_events::Component =
            error["component"].as_str().unwrap().parse().unwrap();
        let log = lines(&outcome.run_dir.join(component.log_file()));
        let code = error["error_code"].as_str().unwrap();
        assert!(
            log.iter()
                .any(|l| l.contains(&format!("\"severity\":\"{severity}\""))
                    && l.contains(&format!("\"error_code\":\"{code}\""))),
            "{code} not in {}",
            component.log_file()
        );
    }
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(outcome.run_dir.join("metadata.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["correlation_id"], "everything");
    assert_eq!(manifest["mode"], "pure_lending_usdt");
}

#[test]
fn test_demo_command_prints_where_everything_is() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("basis-log")
        .unwrap()
        .current_dir(dir.path())
        .args(["demo", "--days", "1", "--seed", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("results/"), "{stdout}");
    assert!(stdout.contains("total P&L"), "{stdout}");
    // No progress bar when stderr is not a terminal.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("simulating"));
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .collect();
    assert_eq!(runs.len(), 1);
    let results: Vec<_> = std::fs::read_dir(dir.path().join("results"))
        .unwrap()
        .collect();
    assert_eq!(results.len(), 1);

    // Bad input is refused with a clear message, and nothing is created.
    for (args, message) in [
        (vec!["demo", "--days", "0"], "--days"),
        (vec!["demo", "--capital", "NaN"], "--capital"),
        (
            vec!["demo", "--correlation-id", "../evil"],
            "correlation id",
        ),
        (vec!["demo", "--out", "logs/../../x"], ".."),
    ] {
        let out = Command::cargo_bin("basis-log")
            .unwrap()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(!dir.path().join("evil").exists());
}

#[test]
fn test_demo_writes_under_basis_log_dir_when_no_out_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("from-env");
    let out = Command::cargo_bin("basis-log")
        .unwrap()
        .current_dir(dir.path())
        .env("BASIS_LOG_DIR", &root)
        .args(["demo", "--days", "1", "--correlation-id", "envrun"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        root.join("envrun").is_dir(),
        "the run is under BASIS_LOG_DIR"
    );
    assert!(!dir.path().join("logs").exists());
}
