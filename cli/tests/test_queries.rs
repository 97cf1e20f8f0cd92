//! The guide's debugging workflows as commands, over a real demo run.

mod common;

use assert_cmd::Command;
use basis_events::Severity;
use basis_events::reader::Run;
use basis_log::query::{errors, failures, positions, stats, trace};
use common::{demo_in, event_path, lines};
use serde_json::Value;

#[test]
fn test_queries_answer_the_guide_questions() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 2, 13, "queries");
    let run = Run::open(&outcome.run_dir).unwrap();

    // Failed operations: what `jq 'select(.status == "failed")'` finds.
    let found = failures::failures(&run).unwrap();
    let expected: Vec<Value> = lines(&event_path(&outcome.run_dir, "operation_executions.jsonl"))
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["status"] == "failed")
        .collect();
    assert_eq!(found.failures.len(), expected.len());
    assert_eq!(found.failures.len(), 2);
    let codes: Vec<_> = found
        .failures
        .iter()
        .map(|f| f.error_code.clone().unwrap())
        .collect();
    assert!(codes.contains(&"EXEC-001".to_owned()));
    assert!(
        found.failures[0]
            .location
            .ends_with("operation_executions.jsonl:1")
    );
    assert!(found.warnings.is_empty());

    // One operation across files: the failed attempt, the retry, the tight
    // loop with its retry, the error and the log lines, in time order.
    let traced = trace::trace(&run, "supply_001").unwrap();
    let files: Vec<&str> = traced.events.iter().map(|e| e.file.as_str()).collect();
    for file in [
        "operation_executions.jsonl",
        "tight_loop.jsonl",
        "system_errors.jsonl",
        "execution_deltas.jsonl",
        "reconciliation.jsonl",
        "execution_manager.log",
    ] {
        assert!(files.contains(&file), "{file} missing from {files:?}");
    }
    let statuses: Vec<&str> = traced
        .events
        .iter()
        .filter(|e| e.file == "operation_executions.jsonl")
        .map(|e| e.record["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "confirmed"]);
    let tight: Vec<&Value> = traced
        .events
        .iter()
        .filter(|e| e.file == "tight_loop.jsonl")
        .map(|e| &e.record)
        .collect();
    assert_eq!(tight[0]["retry_count"], 1);
    // An id that is a prefix of another must not match it.
    assert!(traced.events.iter().all(|e| !e.location.is_empty()));
    let group = trace::trace(&run, "group_002").unwrap();
    assert!(
        group
            .events
            .iter()
            .any(|e| e.record["rollback_occurred"] == true)
    );
    assert!(trace::trace(&run, "supply_00").is_err());

    // A position's history.
    let history = positions::positions(&run, "aave:aToken:aUSDT").unwrap();
    let snapshots = lines(&event_path(&outcome.run_dir, "positions.jsonl")).len();
    assert_eq!(history.history.len(), snapshots);
    assert!(history.history.iter().all(|r| r.amount > 0.0));
    let err = positions::positions(&run, "binance:Perp:ETH").unwrap_err();
    assert!(err.to_string().contains("wallet:BaseToken:USDT"), "{err}");

    // Errors, filtered by severity.
    let all = errors::errors(&run, &errors::ErrorFilter::default()).unwrap();
    assert_eq!(all.errors.len(), 5);
    let critical = errors::errors(
        &run,
        &errors::ErrorFilter {
            severity: Some(Severity::Critical),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(critical.errors.len(), 1);
    assert_eq!(critical.errors[0].severity, "CRITICAL");

    // Stats count every line.
    let stats = stats::stats(&run).unwrap();
    let total: usize = stats
        .event_files
        .iter()
        .map(|f| lines(&event_path(&outcome.run_dir, &f.file)).len())
        .sum();
    assert_eq!(stats.total_events as usize, total);
    assert_eq!(stats.event_files.len(), 12);
    assert_eq!(
        stats.first_timestamp.as_deref(),
        Some("2025-01-15T10:30:00")
    );
}

#[test]
fn test_query_commands_print_tables_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 17, "cmds");
    let cli = || Command::cargo_bin("basis-log").unwrap();

    let out = cli()
        .arg("failures")
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("supply_001") && text.contains("VEN-002"),
        "{text}"
    );

    let out = cli()
        .args(["failures", "--json"])
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["failures"].as_array().unwrap().len(), 2);

    let cid_dir = outcome.run_dir.parent().unwrap();
    let out = cli()
        .args(["errors", "--severity", "critical", "--json"])
        .arg(cid_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"][0]["error_code"], "POS-005");

    let out = cli()
        .args(["trace", "--json"])
        .arg(&outcome.run_dir)
        .arg("borrow_001")
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!json["events"].as_array().unwrap().is_empty());

    let out = cli()
        .args(["positions"])
        .arg(&outcome.run_dir)
        .arg("wallet:BaseToken:USDT")
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = cli()
        .args(["stats", "--json"])
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["total_events"].as_u64().unwrap() > 0);

    // Errors name the path and the problem.
    let out = cli().arg("failures").arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The library reader's words (issue 12): one opener, one message.
    assert!(stderr.contains("is not a run"), "{stderr}");
    let out = cli()
        .args(["errors", "--severity", "SEVERE"])
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap rejects an unknown severity"
    );
}

#[test]
fn test_report_command_writes_the_page_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 19, "reportcmd");
    let page = dir.path().join("pages").join("run.html");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    let out = Command::cargo_bin("basis-log")
        .unwrap()
        .args([
            "report",
            "--json",
            "--error-docs",
            "https://docs.example/errors.html",
        ])
        .arg(&outcome.run_dir)
        .arg("--to")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["report"], page.display().to_string());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(r#"href="https://docs.example/errors.html#VEN-002""#));

    let missing = Command::cargo_bin("basis-log")
        .unwrap()
        .args(["report"])
        .arg(dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nowhere"));
}
