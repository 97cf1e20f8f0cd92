//! `basis-log at RUN_DIR TIMESTAMP` on a real demo run, checked against the
//! state computed independently from the JSONL files with serde_json.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{demo_in, event_path, lines};
use serde_json::Value;

/// The snapshot-like events and their files, as the guide names them.
const SNAPSHOTS: [(&str, &str); 5] = [
    ("PositionSnapshot", "positions.jsonl"),
    ("ExposureSnapshot", "exposures.jsonl"),
    ("RiskAssessment", "risk_assessments.jsonl"),
    ("PnLCalculation", "pnl_calculations.jsonl"),
    ("HealthStatusEvent", "health_status.jsonl"),
];

fn records(run_dir: &Path, file: &str) -> Vec<Value> {
    let path = event_path(run_dir, file);
    if !path.exists() {
        return Vec::new();
    }
    lines(&path)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn at(run_dir: &Path, timestamp: &str, json: bool) -> std::process::Output {
    let mut cmd = Command::cargo_bin("basis-log").unwrap();
    if json {
        cmd.arg("--json");
    }
    cmd.arg("at").arg(run_dir).arg(timestamp).output().unwrap()
}

#[test]
fn test_at_prints_the_last_snapshots_and_the_open_operations() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 2, 23, "attime");
    let run_dir = &outcome.run_dir;

    // An operation started and never finished, appended (with a seq above
    // every other when the run has them).
    let max_seq = SNAPSHOTS
        .iter()
        .map(|(_, file)| *file)
        .chain(["operation_executions.jsonl", "system_errors.jsonl"])
        .flat_map(|file| records(run_dir, file))
        .filter_map(|record| record["seq"].as_u64())
        .max();
    let operations = records(run_dir, "operation_executions.jsonl");
    let mut probe = operations[0].clone();
    probe["operation_id"] = "probe_001".into();
    probe["status"] = "pending".into();
    match max_seq {
        Some(seq) => probe["seq"] = (seq + 1).into(),
        None => drop(probe.as_object_mut().unwrap().remove("seq")),
    }
    let path = event_path(run_dir, "operation_executions.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!("{probe}\n"));
    std::fs::write(&path, text).unwrap();

    // A time in the middle of the run: the timestamp of the middle snapshot.
    let positions = records(run_dir, "positions.jsonl");
    let time = positions[positions.len() / 2]["timestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = at(run_dir, &time, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Each snapshot: the last line (file order is emit order in one process)
    // whose timestamp is at or before the time, exactly as written.
    let mut found = 0;
    for (event, file) in SNAPSHOTS {
        let expected = records(run_dir, file)
            .into_iter()
            .rev()
            .find(|r| r["timestamp"].as_str().unwrap() <= time.as_str());
        assert_eq!(state.get(event), expected.as_ref(), "{event} at {time}");
        found += usize::from(expected.is_some());
    }
    assert!(found >= 3, "the demo writes most snapshots by mid-run");
    assert!(
        state["PositionSnapshot"]["timestamp"].as_str().unwrap() <= time.as_str()
            && state["PositionSnapshot"]["correlation_id"] == "attime",
        "the envelope is included"
    );

    // Open operations: pending and not finished by the time.
    let mut open: Vec<String> = Vec::new();
    for record in records(run_dir, "operation_executions.jsonl")
        .iter()
        .filter(|r| r["timestamp"].as_str().unwrap() <= time.as_str())
    {
        let id = record["operation_id"].as_str().unwrap().to_owned();
        open.retain(|o| *o != id);
        if record["status"] == "pending" {
            open.push(id);
        }
    }
    assert_eq!(open, ["probe_001"]);
    let listed: Vec<&str> = state["open_operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["operation_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, open);

    // Before the run began: nothing yet, and the probe is not open.
    let before = at(run_dir, "2000-01-01T00:00:00", true);
    let empty: Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(empty, serde_json::json!({ "open_operations": [] }));

    // The table for people names each event and the open operation.
    let table = at(run_dir, &time, false);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("PositionSnapshot") && text.contains("probe_001"),
        "{text}"
    );
    assert!(text.contains("1 open operation(s)"), "{text}");

    // One thread or several: the same state, byte for byte.
    for threads in ["1", "2"] {
        let out = Command::cargo_bin("basis-log")
            .unwrap()
            .args(["--json", "at", "--threads", threads])
            .arg(run_dir)
            .arg(&time)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
            state,
            "--threads {threads}"
        );
    }
}

#[test]
fn test_at_refuses_a_bad_timestamp_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 29, "badtime");
    let out = at(&outcome.run_dir, "yesterday-ish", false);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`yesterday-ish`") && stderr.contains("TIMESTAMP"),
        "{stderr}"
    );
}
