//! `basis-log validate` and the readers over real demo output: rotated
//! segments, a torn last line, a corrupted middle line.

mod common;

use std::io::Write;

use assert_cmd::Command;
use basis_events::reader::Run;
use basis_log::export::{ExportOptions, export};
use basis_log::query::positions;
use basis_log::validate::{ProblemKind, validate_paths};
use common::{demo_in, demo_rotating, event_path, lines};
use serde_json::Value;

#[test]
fn test_validate_demo_output_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 11, "cleanrun");
    let report = validate_paths(std::slice::from_ref(&outcome.run_dir)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.files.len(), 12);
    assert!(report.lines() > 100);
    assert!(!report.failed(true));
    // The correlation directory and single files validate too.
    let cid_dir = outcome.run_dir.parent().unwrap().to_path_buf();
    assert!(!validate_paths(&[cid_dir]).unwrap().failed(true));
    let file = event_path(&outcome.run_dir, "positions.jsonl");
    let report = validate_paths(&[file]).unwrap();
    assert_eq!(report.files.len(), 1);
    assert!(report.problems.is_empty());
}

#[test]
fn test_rotated_segments_and_torn_tail_are_read_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 2, 5, "rotated");
    let live = event_path(&outcome.run_dir, "positions.jsonl");
    let all = lines(&live);
    // Rotate into two numbered segments plus the live file, as the logger does.
    let (a, rest) = all.split_at(10);
    let (b, c) = rest.split_at(20);
    let write = |name: &str, part: &[String]| {
        let text: String = part.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(event_path(&outcome.run_dir, name), text).unwrap();
    };
    write("positions.1.jsonl", a);
    write("positions.2.jsonl", b);
    write("positions.jsonl", c);
    // A crash mid-write: half of a line, no newline.
    let torn = &all[0][..all[0].len() / 2];
    std::fs::OpenOptions::new()
        .append(true)
        .open(&live)
        .unwrap()
        .write_all(torn.as_bytes())
        .unwrap();

    let report = validate_paths(std::slice::from_ref(&outcome.run_dir)).unwrap();
    let torn_tails: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::TornTail)
        .collect();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(torn_tails.len(), 1);
    assert_eq!(torn_tails[0].path, live);
    assert_eq!(torn_tails[0].line, c.len() as u64 + 1);
    assert!(torn_tails[0].to_string().contains("torn last line"));
    assert!(!report.failed(false), "a torn tail alone does not fail");
    assert!(report.failed(true), "--strict fails on a torn tail");

    // The queries read the segments in order and skip the torn tail.
    let run = Run::open(&outcome.run_dir).unwrap();
    let history = positions::positions(&run, "aave:aToken:aUSDT").unwrap();
    assert_eq!(history.history.len(), all.len());
    assert_eq!(history.warnings.len(), 1);
    let timestamps: Vec<&str> = history
        .history
        .iter()
        .map(|r| r.timestamp.as_str())
        .collect();
    let mut sorted = timestamps.clone();
    sorted.sort();
    assert_eq!(timestamps, sorted, "segments are read oldest first");

    // The export holds every complete line exactly once and copies every segment.
    let exported = export(&ExportOptions {
        run_dir: outcome.run_dir.clone(),
        to: Some(dir.path().join("out")),
        results_root: dir.path().join("results"),
        force: false,
        ..ExportOptions::default()
    })
    .unwrap();
    let rows = csv::Reader::from_path(exported.results_dir.join("csv/positions.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, all.len());
    let pid = outcome.run_dir.file_name().unwrap();
    for name in ["positions.1.jsonl", "positions.2.jsonl", "positions.jsonl"] {
        assert!(
            exported
                .results_dir
                .join("logs")
                .join(pid)
                .join("events")
                .join(name)
                .is_file()
        );
    }
    assert_eq!(
        exported
            .summary
            .files
            .iter()
            .map(|f| f.torn_tails)
            .sum::<u64>(),
        1
    );

    // The command line agrees: exit 0, the torn tail on stderr; --strict fails.
    let out = Command::cargo_bin("basis-log")
        .unwrap()
        .arg("validate")
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("torn last line"));
    let strict = Command::cargo_bin("basis-log")
        .unwrap()
        .args(["validate", "--strict"])
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    assert!(!strict.status.success());
}

#[test]
fn test_corrupted_lines_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 9, "corrupt");
    let risk = event_path(&outcome.run_dir, "risk_assessments.jsonl");
    let mut all = lines(&risk);
    all[4] = "{\"timestamp\":\"2025-01-15T14:30:00\", this is not JSON".to_owned();
    all[6] = all[6].replace("\"risk_level\":\"low\"", "\"risk_level\":\"apocalyptic\"");
    all[8] = all[8].replace(
        "\"breach_detected\":false",
        "\"breach_detected\":false,\"extra\":1",
    );
    std::fs::write(
        &risk,
        all.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    // A rotated segment that ends mid-line is corruption, not a torn tail.
    let ops = event_path(&outcome.run_dir, "operation_executions.jsonl");
    let op_lines = lines(&ops);
    std::fs::write(
        event_path(&outcome.run_dir, "operation_executions.1.jsonl"),
        format!("{}\n{}", op_lines[0], &op_lines[1][..20]),
    )
    .unwrap();

    let report = validate_paths(std::slice::from_ref(&outcome.run_dir)).unwrap();
    // The lost lines also leave gaps in seq; those are checked apart.
    assert!(report.problems.iter().any(|p| p.kind == ProblemKind::Gap));
    let mut report = report;
    // The segment's copy of the first line is also a repeat of its seq.
    report
        .problems
        .retain(|p| !matches!(p.kind, ProblemKind::Gap | ProblemKind::Repeat));
    let located: Vec<String> = report
        .problems
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p.path.file_name().unwrap().to_string_lossy(),
                p.line
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            "operation_executions.1.jsonl:2",
            "risk_assessments.jsonl:5",
            "risk_assessments.jsonl:7",
            "risk_assessments.jsonl:9",
        ]
    );
    assert!(
        report
            .problems
            .iter()
            .all(|p| p.kind == ProblemKind::BadLine),
        "{:#?}",
        report.problems
    );
    assert!(
        report.problems[0]
            .reason
            .contains("rotated segment ends mid-line")
    );
    assert!(
        report.problems[1].reason.contains("not an event line"),
        "{}",
        report.problems[1].reason
    );
    assert!(
        report.problems[2].reason.contains("risk_level"),
        "{}",
        report.problems[2].reason
    );
    assert!(
        report.problems[3].reason.contains("extra"),
        "{}",
        report.problems[3].reason
    );
    assert!(report.failed(false));

    let out = Command::cargo_bin("basis-log")
        .unwrap()
        .arg("validate")
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:5: not an event line", risk.display())),
        "{stderr}"
    );

    let json = Command::cargo_bin("basis-log")
        .unwrap()
        .args(["validate", "--json"])
        .arg(&outcome.run_dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let lines: Vec<&Value> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] != "gap" && p["kind"] != "repeat")
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1]["line"], 5);
}

#[test]
fn test_unknown_event_files_and_missing_paths() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 1, 2, "unknown");
    std::fs::write(event_path(&outcome.run_dir, "mystery.jsonl"), "{}\n").unwrap();
    let report = validate_paths(std::slice::from_ref(&outcome.run_dir)).unwrap();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].kind, ProblemKind::UnknownFile);
    assert!(validate_paths(&[dir.path().join("nope")]).is_err());
}

#[test]
fn test_logger_rotation_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    // Small segments: the runtime's logger rotates every event file often.
    let outcome = demo_rotating(dir.path(), 2, 21, "rotating", Some(4096));
    let events_dir = outcome.run_dir.join("events");
    let segments: Vec<String> = std::fs::read_dir(&events_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("positions."))
        .collect();
    assert!(
        segments.contains(&"positions.1.jsonl".to_owned()),
        "{segments:?}"
    );
    assert!(segments.len() > 3, "{segments:?}");
    let in_segments: usize = segments
        .iter()
        .map(|n| lines(&events_dir.join(n)).len())
        .sum();

    let report = validate_paths(std::slice::from_ref(&outcome.run_dir)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let run = Run::open(&outcome.run_dir).unwrap();
    let history = positions::positions(&run, "aave:aToken:aUSDT").unwrap();
    assert_eq!(history.history.len(), in_segments);
    let rows = csv::Reader::from_path(outcome.export.results_dir.join("csv/positions.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, in_segments);
    assert_eq!(
        outcome.export.summary.events_per_type["PositionSnapshot"] as usize,
        in_segments
    );
    // The same run without rotation holds the same events.
    let plain = demo_in(&dir.path().join("plain"), 2, 21, "rotating");
    assert_eq!(
        lines(&event_path(&plain.run_dir, "positions.jsonl")).len(),
        in_segments
    );
}

/// A line lost in the middle of a file, and a whole rotated segment
/// deleted, are gaps in `seq`: validate names where each starts and fails
/// (mutant: `Report::failed` in `cli/src/validate.rs` not failing on a gap).
#[test]
fn test_a_lost_line_and_a_deleted_segment_are_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_rotating(dir.path(), 3, 21, "gaps", Some(16 * 1024));
    let run = &outcome.run_dir;
    assert!(
        validate_paths(std::slice::from_ref(run))
            .unwrap()
            .problems
            .is_empty()
    );

    // A line lost in the middle of the active risk file.
    let risk = event_path(run, "risk_assessments.jsonl");
    let original = std::fs::read_to_string(&risk).unwrap();
    let mut risk_lines = lines(&risk);
    assert!(risk_lines.len() > 4);
    risk_lines.remove(2);
    std::fs::write(
        &risk,
        risk_lines
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let report = validate_paths(std::slice::from_ref(run)).unwrap();
    let gaps: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Gap)
        .collect();
    // The gap is named where the next seq appears, in whichever file
    // holds it: seq cannot say which file the lost line was in.
    assert_eq!(gaps.len(), 1, "{:?}", report.problems);
    assert!(gaps[0].line > 0);
    assert!(gaps[0].reason.contains("missing"), "{}", gaps[0].reason);
    assert!(report.failed(false));

    // A rotated segment deleted whole.
    std::fs::write(&risk, &original).unwrap();
    assert!(
        validate_paths(std::slice::from_ref(run))
            .unwrap()
            .problems
            .is_empty()
    );
    let segment = event_path(run, "positions.1.jsonl");
    assert!(segment.is_file(), "the demo rotated positions.jsonl");
    std::fs::remove_file(&segment).unwrap();
    let report = validate_paths(std::slice::from_ref(run)).unwrap();
    assert!(
        report
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::Gap)
            .count()
            >= 1,
        "{:?}",
        report.problems
    );
    let out = Command::cargo_bin("basis-log")
        .unwrap()
        .arg("validate")
        .arg(run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing before this line"));
}

/// Lines checked on several threads give the very report one thread gives:
/// the same problems in the same order, the same counts, the same "and K
/// more" (mutants: `map_in_order` handing results over as they finish, or
/// dropping the reorder buffer's leftovers).
#[test]
fn test_the_report_is_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = demo_in(dir.path(), 40, 5, "threads");
    // Bad lines of every kind spread through the files, so that problems
    // fall in many batches of every worker.
    for file in [
        "positions.jsonl",
        "risk_assessments.jsonl",
        "pnl_calculations.jsonl",
    ] {
        let path = event_path(&outcome.run_dir, file);
        let mut all = lines(&path);
        for (index, line) in all.iter_mut().enumerate() {
            match index % 97 {
                3 => *line = "{\"timestamp\": not JSON".to_owned(),
                11 => *line = line.replacen("\"timestamp\":\"", "\"timestamp\":\"X", 1),
                29 => *line = line.replacen('{', "{\"extra\":1,", 1),
                _ => {}
            }
        }
        // A lost line: a gap.
        all.remove(all.len() / 2);
        std::fs::write(
            &path,
            all.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .unwrap();
    }
    let reports: Vec<String> = [1, 2, 5]
        .into_iter()
        .map(|threads| {
            let report = basis_log::validate::validate_paths_on(
                std::slice::from_ref(&outcome.run_dir),
                threads,
            )
            .unwrap();
            serde_json::to_string_pretty(&report).unwrap()
        })
        .collect();
    let one: Value = serde_json::from_str(&reports[0]).unwrap();
    let lines_checked: u64 = one["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["lines"].as_u64().unwrap())
        .sum();
    // Enough lines for many batches, and enough problems to be cut short.
    assert!(lines_checked > 4 * 1024, "{lines_checked} lines");
    assert!(!one["more"].as_object().unwrap().is_empty(), "{one:#}");
    assert!(one["problems"].as_array().unwrap().len() > 40);
    // Compared whole, reported short: the reports are long.
    assert!(reports[0] == reports[1], "2 threads: another report than 1");
    assert!(reports[0] == reports[2], "5 threads: another report than 1");
}
