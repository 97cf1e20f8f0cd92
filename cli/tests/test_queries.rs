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

fn cli() -> Command {
    Command::cargo_bin("basis-log").unwrap()
}

/// Runs `basis-log ARGS`, fails on an error exit, returns (stdout, stderr).
fn run_ok(args: &[&std::ffi::OsStr]) -> (String, String) {
    let out = cli()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

#[test]
fn test_failures_show_a_retried_failure_with_its_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 17, "retried");
    let run_dir = outcome.run_dir.as_os_str();

    // Independently: supply_001's attempts and the status of its last one.
    let attempts: Vec<Value> = lines(&event_path(&outcome.run_dir, "operation_executions.jsonl"))
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["operation_id"] == "supply_001")
        .collect();
    assert_eq!(attempts[0]["status"], "failed");
    let last = attempts.last().unwrap()["status"].as_str().unwrap();
    assert_eq!(last, "confirmed", "the demo retries supply_001");

    let (json, _) = run_ok(&["--json".as_ref(), "failures".as_ref(), run_dir]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let row = json["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["operation_id"] == "supply_001")
        .unwrap();
    assert_eq!(row["attempt"], 1);
    assert_eq!(row["attempts"], attempts.len());
    assert_eq!(row["outcome"], last);

    let (table, _) = run_ok(&["failures".as_ref(), run_dir]);
    let line = table.lines().find(|l| l.contains("supply_001")).unwrap();
    assert!(
        line.contains(&format!("1 of {}", attempts.len())) && line.contains("confirmed"),
        "{table}"
    );
    assert!(table.lines().next().unwrap().contains("outcome"), "{table}");
    assert!(table.contains("recovered by a retry"), "{table}");
}

#[test]
fn test_errors_resolve_a_custom_code_from_the_runs_catalog() {
    use basis_events::model::run_catalog::{
        CATALOG_FILE, CatalogComponent, CatalogErrorCode, RunCatalog,
    };

    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 31, "custom");
    let catalog_path = outcome.run_dir.join(CATALOG_FILE);
    let mut catalog = match std::fs::read(&catalog_path) {
        Ok(bytes) => RunCatalog::from_json(&bytes).unwrap(),
        Err(_) => RunCatalog::of_this_binary().unwrap(),
    };
    catalog.components.push(CatalogComponent {
        name: "FundingMonitor".into(),
        prefix: "FUND".into(),
        log_file: "funding_monitor.log".into(),
    });
    catalog.error_codes.push(CatalogErrorCode {
        code: "FUND-001".into(),
        component: "FundingMonitor".into(),
        severity: Severity::High,
        message: "Funding rate feed stale".into(),
        description: String::new(),
        action: String::new(),
        retired_by: None,
    });
    // The schema an engine writes into its catalog lists its own codes and
    // components beside the built-in ones.
    let system_error = catalog
        .events
        .iter_mut()
        .find(|event| event.name == "SystemErrorEvent")
        .unwrap();
    extend_enums(&mut system_error.schema, "POS-001", "FUND-001");
    extend_enums(
        &mut system_error.schema,
        "PositionMonitor",
        "FundingMonitor",
    );
    std::fs::write(&catalog_path, serde_json::to_vec_pretty(&catalog).unwrap()).unwrap();
    // A system error with the engine's own code, after the demo's.
    let errors_path = event_path(&outcome.run_dir, "system_errors.jsonl");
    let mut line: Value = serde_json::from_str(&lines(&errors_path)[0]).unwrap();
    line["error_code"] = "FUND-001".into();
    line["component"] = "FundingMonitor".into();
    line["severity"] = "HIGH".into();
    line["error_message"] = "funding feed 300 s old".into();
    // The next seq of the process, as its logger would have given it.
    let events_dir = errors_path.parent().unwrap();
    let highest = std::fs::read_dir(events_dir)
        .unwrap()
        .flat_map(|entry| lines(&entry.unwrap().path()))
        .filter_map(|l| serde_json::from_str::<Value>(&l).ok()?["seq"].as_u64())
        .max()
        .unwrap();
    line["seq"] = (highest + 1).into();
    let mut text = std::fs::read_to_string(&errors_path).unwrap();
    text.push_str(&format!("{line}\n"));
    std::fs::write(&errors_path, text).unwrap();
    let run_dir = outcome.run_dir.as_os_str();

    for filter in [
        ["--code", "FUND-001"],
        ["--component", "FundingMonitor"],
        ["--component", "FUND"],
    ] {
        let (json, stderr) = run_ok(&[
            "--json".as_ref(),
            "errors".as_ref(),
            filter[0].as_ref(),
            filter[1].as_ref(),
            run_dir,
        ]);
        assert!(!stderr.contains("warning"), "{filter:?}: {stderr}");
        let json: Value = serde_json::from_str(&json).unwrap();
        let rows = json["errors"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{filter:?}: {json}");
        assert_eq!(rows[0]["component"], "FundingMonitor");
        assert_eq!(rows[0]["summary"], "Funding rate feed stale");
    }
    // Every error is listed and resolved, the custom one with the rest.
    let (json, stderr) = run_ok(&["--json".as_ref(), "errors".as_ref(), run_dir]);
    assert!(!stderr.contains("warning"), "{stderr}");
    let json: Value = serde_json::from_str(&json).unwrap();
    let rows = json["errors"].as_array().unwrap();
    assert_eq!(rows.len(), lines(&errors_path).len());
    assert!(
        rows.iter()
            .all(|r| !r["summary"].as_str().unwrap().is_empty())
    );

    // A code no catalog of the run knows is an error naming it.
    let out = cli()
        .args(["errors", "--code", "NOPE-009"])
        .arg(run_dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("`NOPE-009`"));
    // Without the custom entries in the catalog, the line is a bad line.
    std::fs::remove_file(&catalog_path).unwrap();
    let (_, stderr) = run_ok(&["errors".as_ref(), run_dir]);
    assert!(stderr.contains("FUND-001"), "{stderr}");
}

/// A line no query can take as a record, holding every query's literal so
/// every prefilter selects it.
const BAD_LINE: &str = r#"{"status":"failed","operation_id":"supply_001","severity":"CRITICAL","positions":{"aave:aToken:aUSDT":1},"#;

/// Puts `n` bad lines after the first line of every event file.
fn inject_bad_lines(run_dir: &std::path::Path, n: usize) -> usize {
    let mut files = 0;
    for entry in std::fs::read_dir(run_dir.join("events")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let Some((first, rest)) = text.split_once('\n') else {
            continue;
        };
        let bad = format!("{BAD_LINE}\n").repeat(n);
        std::fs::write(&path, format!("{first}\n{bad}{rest}")).unwrap();
        files += 1;
    }
    files
}

fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

#[test]
fn test_every_query_warns_once_per_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 37, "badlines");
    let n = 3;
    let files = inject_bad_lines(&outcome.run_dir, n);
    assert_eq!(files, 12);
    let run_dir = outcome.run_dir.as_os_str();
    for (args, expected) in [
        (vec!["failures"], n),
        (vec!["errors"], n),
        (vec!["errors", "--severity", "CRITICAL"], n),
        (vec!["positions", "@", "aave:aToken:aUSDT"], n),
        (vec!["trace", "@", "supply_001"], files * n),
        (vec!["stats"], files * n),
    ] {
        let mut full: Vec<&std::ffi::OsStr> = Vec::new();
        for arg in &args {
            full.push(if *arg == "@" { run_dir } else { arg.as_ref() });
        }
        if !args.contains(&"@") {
            full.push(run_dir);
        }
        let (_, stderr) = run_ok(&full);
        let warned = warnings(&stderr);
        assert_eq!(warned.len(), expected, "{args:?}: {stderr}");
        // One per bad line: lines 2..=n+1 of each file, each once.
        for warning in &warned {
            assert!(
                (2..=n + 1).any(|line| warning.contains(&format!(".jsonl:{line}: "))),
                "{args:?}: {warning}"
            );
        }
        let mut unique = warned.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), warned.len(), "{args:?}: a line warned twice");
    }
    // `at` keeps the first 20 problems of the run and counts the rest.
    let (_, stderr) = run_ok(&["at".as_ref(), run_dir, "2030-01-01T00:00:00".as_ref()]);
    let warned = warnings(&stderr);
    assert_eq!(warned.len(), 21, "{stderr}");
    assert!(
        warned[20].contains(&format!("and {} more", files * n - 20)),
        "{stderr}"
    );
}

#[test]
fn test_a_flood_of_bad_lines_prints_twenty_then_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 41, "flood");
    inject_bad_lines(&outcome.run_dir, 25);
    let (_, stderr) = run_ok(&["failures".as_ref(), outcome.run_dir.as_os_str()]);
    let warned = warnings(&stderr);
    assert_eq!(warned.len(), 21, "{stderr}");
    assert!(
        warned[20].contains("operation_executions.jsonl: and 5 more"),
        "{stderr}"
    );
}

#[test]
fn test_a_fifo_in_the_run_is_reported_by_name_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 43, "fifo");
    let events = outcome.run_dir.join("events");
    // A FIFO named like the oldest segment of an event file, and one with a
    // name no catalog knows.
    for name in ["operation_executions.1.jsonl", "rogue.jsonl"] {
        let made = std::process::Command::new("mkfifo")
            .arg(events.join(name))
            .status()
            .unwrap();
        assert!(made.success());
    }
    let run_dir = outcome.run_dir.as_os_str();
    for args in [
        vec!["failures".as_ref(), run_dir],
        vec!["errors".as_ref(), run_dir],
        vec!["stats".as_ref(), run_dir],
        vec!["trace".as_ref(), run_dir, "supply_001".as_ref()],
    ] {
        // run_ok's timeout turns a hang into a failure.
        let (_, stderr) = run_ok(&args);
        assert!(
            stderr.contains("operation_executions.1.jsonl") && stderr.contains("FIFO"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("rogue.jsonl"), "{args:?}: {stderr}");
    }
}

/// Adds `new` to every enum (or `oneOf` of consts) of `schema` that lists
/// `known`.
fn extend_enums(schema: &mut Value, known: &str, new: &str) {
    match schema {
        Value::Array(items) => {
            if items.iter().any(|item| item == known) {
                items.push(new.into());
            } else if items.iter().any(|item| item["const"] == known) {
                items.push(serde_json::json!({"type": "string", "const": new}));
            } else {
                items
                    .iter_mut()
                    .for_each(|item| extend_enums(item, known, new));
            }
        }
        Value::Object(map) => map
            .values_mut()
            .for_each(|value| extend_enums(value, known, new)),
        _ => {}
    }
}
