//! `basis-log forward`, `collect`, `watch` and `prune` end to end, against a
//! real nats-server on 127.0.0.1 (skipped with a message when it is not
//! installed and BASIS_REQUIRE_NATS is unset).

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use basis_events::ShutdownReport;
use basis_events::run_dir::{FORWARD_CURSOR_FILE, LogDirectoryManager, RunOptions, RunStatus};
use basis_live::testing::NatsServer;
use basis_live::{StreamSettings, create_stream};

const BIN: &str = env!("CARGO_BIN_EXE_basis-log");

fn basis_log(args: &[&str]) -> String {
    let output = Command::new(BIN).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "basis-log {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A finished run with errors of two severities and a failed operation.
fn write_run(root: &Path, id: &str) -> std::path::PathBuf {
    let run = LogDirectoryManager::with_root(root)
        .auto_retention(None)
        .create_run_logs(RunOptions::new("m", "s", 1.0).correlation_id(id))
        .unwrap();
    let events = run.events_dir();
    let envelope = format!(
        r#""timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"{id}","pid":{}"#,
        run.pid()
    );
    fs::write(
        events.join("system_errors.jsonl"),
        format!(
            "{{{envelope},\"error_code\":\"EXEC-001\",\"component\":\"ExecutionManager\",\"severity\":\"CRITICAL\",\"error_message\":\"venue down\"}}\n\
             {{{envelope},\"error_code\":\"EXEC-002\",\"component\":\"ExecutionManager\",\"severity\":\"LOW\",\"error_message\":\"slow\"}}\n"
        ),
    )
    .unwrap();
    fs::write(
        events.join("operation_executions.jsonl"),
        format!(
            "{{{envelope},\"operation_id\":\"supply_001\",\"status\":\"confirmed\"}}\n\
             {{{envelope},\"operation_id\":\"supply_002\",\"status\":\"failed\",\"error_code\":\"EXEC-003\",\"error_message\":\"reverted\"}}\n"
        ),
    )
    .unwrap();
    fs::write(
        run.dir().join("execution_manager.log"),
        "{\"message\":\"a\"}\n{\"message\":\"b\"}\n",
    )
    .unwrap();
    run.finish(RunStatus::Completed, &ShutdownReport::default())
        .unwrap();
    run.dir().to_owned()
}

fn age(dir: &Path, days: u64) {
    let when = SystemTime::now() - Duration::from_secs(days * 86_400);
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            age(&entry.path(), days);
        } else {
            File::options()
                .write(true)
                .open(entry.path())
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
    }
}

#[test]
fn test_forward_collect_watch_and_prune_through_the_cli() {
    if !NatsServer::available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = NatsServer::start(&tmp.path().join("nats")).unwrap();
    let url = server.url();
    create_stream(&url, &StreamSettings::new("BASIS")).unwrap();
    let logs = tmp.path().join("logs");
    let out = tmp.path().join("out");
    let dir = write_run(&logs, "cli_run");

    // The watcher first: it sees what is published after it subscribed.
    let mut watch = Command::new(BIN)
        .args(["watch", "--nats", &url, "--count", "2", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(watch.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("watching") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "watch exited");
    }

    let forwarded: serde_json::Value = serde_json::from_str(&basis_log(&[
        "forward",
        dir.to_str().unwrap(),
        "--nats",
        &url,
        "--json",
    ]))
    .unwrap();
    assert_eq!(forwarded["lines"], 6);
    assert_eq!(forwarded["done"], 1);

    let collected: serde_json::Value = serde_json::from_str(&basis_log(&[
        "collect",
        "--nats",
        &url,
        "--out",
        out.to_str().unwrap(),
        "--idle-exit",
        "1.5",
        "--json",
    ]))
    .unwrap();
    assert_eq!(collected["lines"], 6, "{collected}");
    let pid = dir.file_name().unwrap();
    for file in [
        "events/system_errors.jsonl",
        "events/operation_executions.jsonl",
        "execution_manager.log",
        "metadata.json",
    ] {
        assert_eq!(
            fs::read(dir.join(file)).unwrap(),
            fs::read(out.join("cli_run").join(pid).join(file)).unwrap(),
            "{file}"
        );
    }

    let output = watch.wait_with_output().unwrap();
    assert!(output.status.success());
    let alerts: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let codes: Vec<&str> = alerts.iter().map(|a| a["code"].as_str().unwrap()).collect();
    // Files are shipped in path order: operations, then errors.
    assert_eq!(codes, ["EXEC-003", "EXEC-001"]);
    assert!(alerts.iter().all(|a| a["severity"] != "LOW"), "{alerts:?}");

    // Prune: the shipped run is old and done; another is old but its
    // forwarder has not finished.
    let pending = write_run(&logs, "pending_run");
    fs::write(
        pending.join(FORWARD_CURSOR_FILE),
        r#"{"done":false,"stream":"BASIS","files":{}}"#,
    )
    .unwrap();
    age(&logs, 10);
    let dry = basis_log(&["prune", logs.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("would remove  cli_run"), "{dry}");
    assert!(dry.contains("not yet acknowledged"), "{dry}");
    assert!(dir.exists());
    let kept = basis_log(&["prune", logs.to_str().unwrap(), "--older-than", "30"]);
    assert!(kept.contains("0 runs removed"), "{kept}");
    basis_log(&["prune", logs.to_str().unwrap()]);
    assert!(!dir.exists(), "the old, shipped run was kept");
    assert!(pending.exists(), "a run not yet acknowledged was removed");
}
