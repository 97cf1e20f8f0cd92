//! What the tools never do (issue 13): overwrite what they did not write,
//! let two writers share a target, forge terminal output or spreadsheet
//! formulas, panic on a closed pipe, or repeat an OS error. Each test drives
//! the real `basis-log` binary over a real demo run.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{demo_in, event_path};

fn basis_log(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_basis-log"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("basis-log runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Mutants seen to fail (in `cli/src/target.rs`): `refuse_run_paths`
/// letting a target inside the run through; `is_our_report` answering
/// `true` for any file.
#[test]
fn report_never_writes_over_a_run_or_a_file_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let run = demo_in(dir.path(), 1, 1, "overwrite").run_dir;
    let positions = event_path(&run, "positions.jsonl");
    let manifest = run.join("metadata.json");
    let before = (
        std::fs::read(&positions).unwrap(),
        std::fs::read(&manifest).unwrap(),
    );
    for to in [&positions, &manifest, &run.join("report.html")] {
        for force in [false, true] {
            let mut args = vec!["report", arg(&run), "--to", arg(to)];
            if force {
                args.push("--force");
            }
            let out = basis_log(dir.path(), &args);
            assert!(!out.status.success(), "{args:?} was accepted");
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains("run directory") || stderr.contains("event file"),
                "{args:?}: {stderr}"
            );
        }
    }
    // Through a link to the run, too.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&run, &link).unwrap();
    let out = basis_log(
        dir.path(),
        &[
            "report",
            arg(&run),
            "--to",
            "link/events/positions.jsonl",
            "--force",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(
        (
            std::fs::read(&positions).unwrap(),
            std::fs::read(&manifest).unwrap()
        ),
        before,
        "the run is untouched"
    );

    // Someone else's file: refused with and without --force.
    let notes = dir.path().join("notes.html");
    std::fs::write(&notes, "my notes").unwrap();
    for force in [false, true] {
        let mut args = vec!["report", arg(&run), "--to", "notes.html"];
        if force {
            args.push("--force");
        }
        assert!(!basis_log(dir.path(), &args).status.success(), "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");

    // Our own report: refused without --force, replaced with it.
    let page = dir.path().join("page.html");
    assert!(
        basis_log(dir.path(), &["report", arg(&run), "--to", "page.html"])
            .status
            .success()
    );
    let out = basis_log(dir.path(), &["report", arg(&run), "--to", "page.html"]);
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    let out = basis_log(
        dir.path(),
        &["report", arg(&run), "--to", "page.html", "--force"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(page.is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn export_with_force_never_removes_a_directory_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let run = demo_in(dir.path(), 1, 2, "forceown").run_dir;
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), "years of work").unwrap();
    let out = basis_log(
        dir.path(),
        &["export", arg(&run), "--to", "mine", "--force"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(".basis-log-results"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("thesis.tex")).unwrap(),
        "years of work"
    );
}

/// Two exports of different runs into one new target, started together,
/// several rounds, with and without `--force`: exactly one wins each round
/// (or, without `--force`, the second finds the first's results), the loser
/// says why, and no staging directory or lock is left behind.
#[test]
fn two_exports_into_one_target_never_both_win() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_in(dir.path(), 1, 3, "racea").run_dir;
    let b = demo_in(dir.path(), 1, 4, "raceb").run_dir;
    for round in 0..6 {
        let force = round % 2 == 1;
        let target = if force {
            "shared-forced".to_owned()
        } else {
            format!("shared-{round}")
        };
        let spawn = |run: &PathBuf| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_basis-log"));
            command
                .current_dir(dir.path())
                .args(["export", arg(run), "--to", &target])
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            if force {
                command.arg("--force");
            }
            command.spawn().unwrap()
        };
        let (first, second) = (spawn(&a), spawn(&b));
        let outcomes = [
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        ];
        let wins = outcomes.iter().filter(|o| o.status.success()).count();
        if force {
            assert!(wins >= 1, "round {round}: nobody won");
        } else {
            assert_eq!(wins, 1, "round {round}: exactly one export wins");
        }
        for loser in outcomes.iter().filter(|o| !o.status.success()) {
            let stderr = text(&loser.stderr);
            assert!(
                stderr.contains("being written by another") || stderr.contains("already exists"),
                "round {round}: {stderr}"
            );
        }
        let results = dir.path().join(&target);
        assert!(results.join("summary.json").is_file(), "round {round}");
        assert!(results.join(".basis-log-results").is_file());
        let debris: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with('.'))
            .collect();
        assert!(debris.is_empty(), "round {round}: {debris:?}");
    }
}

/// Mutants seen to fail: `guard_formula` (`cli/src/columns.rs`) never
/// prefixing `'`; `needs_escape` (`cli/src/output.rs`) letting control
/// characters through.
#[test]
fn event_fields_never_forge_terminal_output_or_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let run = demo_in(dir.path(), 1, 5, "inject").run_dir;
    let ops = event_path(&run, "operation_executions.jsonl");
    let text_before = std::fs::read_to_string(&ops).unwrap();
    let failed = text_before
        .lines()
        .find(|line| line.contains(r#""status":"failed""#))
        .expect("the demo has a failed operation");
    let mut value: serde_json::Value = serde_json::from_str(failed).unwrap();
    value["error_message"] = "\u{1b}[2J\u{1b}[31mred\nFORGED ROW  x  y\r".into();
    value["venue"] = "=HYPERLINK(\"http://evil\")".into();
    let forged = serde_json::to_string(&value).unwrap();
    std::fs::write(&ops, text_before.replace(failed, &forged)).unwrap();

    for args in [
        vec!["failures", arg(&run)],
        vec!["trace", arg(&run), value["operation_id"].as_str().unwrap()],
        vec!["failures", arg(&run), "--full"],
        vec![
            "trace",
            arg(&run),
            value["operation_id"].as_str().unwrap(),
            "--full",
        ],
    ] {
        let out = basis_log(dir.path(), &args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            !stdout.contains('\u{1b}'),
            "{args:?}: raw escape in {stdout}"
        );
        assert!(!stdout.contains('\r'), "{args:?}");
        assert!(
            !stdout.lines().any(|l| l.starts_with("FORGED")),
            "{args:?}: a forged row in {stdout}"
        );
        if args.contains(&"--full") {
            assert!(stdout.contains("\\u{1b}[2J"), "{args:?}: {stdout}");
        }
    }

    let out = basis_log(dir.path(), &["export", arg(&run), "--to", "res"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut csv =
        csv::Reader::from_path(dir.path().join("res/csv/operation_executions.csv")).unwrap();
    let venue = csv
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "venue")
        .unwrap();
    let amount = csv
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "fee_amount")
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|r| &r[venue] == "'=HYPERLINK(\"http://evil\")")
    );
    assert!(rows.iter().all(|r| !r[venue].starts_with('=')));
    assert!(
        rows.iter().all(|r| r[amount].parse::<f64>().is_ok()),
        "numbers untouched"
    );
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let run = demo_in(dir.path(), 1, 6, "pipes").run_dir;
    // Enough bad lines that validate is still writing when head has gone.
    let bad: String = (0..20_000).map(|i| format!("not json {i}\n")).collect();
    std::fs::write(event_path(&run, "health_status.jsonl"), bad).unwrap();
    let exe = env!("CARGO_BIN_EXE_basis-log");
    for command in ["validate", "stats", "failures", "errors"] {
        let script = format!(
            "'{exe}' {command} '{}' 2>&1 | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
            run.display()
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        let status: i32 = text(&out.stdout).trim().parse().unwrap();
        assert_ne!(status, 101, "{command} panicked on a closed pipe");
        assert!(status == 0 || status == 1, "{command}: exit {status}");
    }
}

#[test]
fn an_os_error_is_printed_once_and_zeros_are_never_negative() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("loop-b", dir.path().join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", dir.path().join("loop-b")).unwrap();
    let out = basis_log(dir.path(), &["export", "loop-a/1"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.matches("(os error").count() <= 1, "{stderr}");

    let run = demo_in(dir.path(), 3, 7, "zeros").run_dir;
    for entry in std::fs::read_dir(run.join("events")).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read_to_string(&path).unwrap();
        assert!(
            !body.contains("-0.0,") && !body.contains("-0.0}"),
            "{}",
            path.display()
        );
    }
}
