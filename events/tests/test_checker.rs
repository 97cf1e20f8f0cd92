//! The reader's one rule for a valid line, [`Checker`], in the library's own
//! tests: the schema the run's catalog gives, the typed parse, an error
//! code resolved in the run's catalog, and the row `export` writes.
//!
//! Mutants this catches (the reader mutation run, `reliability/MUTANTS.md`):
//! `Checker::check` as `Ok(())`, its compile-once test negated, the
//! `SystemErrorEvent` test inverted; `check_error_code` as `Ok(())` and each
//! of its three comparisons inverted; `compile`'s pid match inverted and its
//! version filter as `<`; `current_value` and `check_parsed` as a default;
//! `current_schema` as
//! a default or with its version guard as `true`, `false` or `<`;
//! `Position::segment` as `None` or a constant; `Problem::position` without
//! its `Gap`/`Repeat` arm; `Checker`'s `Debug` as nothing.

use std::fs;
use std::path::{Path, PathBuf};

use basis_events::catalog::{PositionSnapshot, ReconciliationEvent, SystemErrorEvent};
use basis_events::prelude::codes;
use basis_events::reader::{Checker, LineFault, Problem, RawRecord, Run};
use basis_events::{DomainEvent, EngineTime, Envelope};
use serde_json::{Value, json};

const CID: &str = "chk123";
const PID: u32 = 7;

fn envelope(seq: u64) -> Envelope {
    Envelope {
        timestamp: EngineTime::parse("2025-01-15T10:00:00").unwrap(),
        correlation_id: CID.to_owned(),
        pid: PID,
        seq: Some(seq),
        ..Envelope::example()
    }
}

fn line<E: DomainEvent>(event: E, seq: u64) -> String {
    serde_json::to_string(&event.stamp(envelope(seq))).unwrap()
}

/// A run of one process whose `events/` holds `files` (name, lines).
fn run_of(root: &Path, files: &[(&str, Vec<String>)]) -> Run {
    let events: PathBuf = root.join(CID).join(PID.to_string()).join("events");
    fs::create_dir_all(&events).unwrap();
    for (name, lines) in files {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        fs::write(events.join(name), text).unwrap();
    }
    Run::open(&root.join(CID)).unwrap()
}

/// Every record of `run` with the checker's verdict, in emit order.
fn verdicts(run: &Run) -> Vec<(RawRecord, Result<(), Problem>)> {
    let mut checker = Checker::new();
    run.records()
        .map(|item| {
            let record = item.unwrap();
            let verdict = checker.check(run, &record);
            (record, verdict)
        })
        .collect()
}

fn fault(verdict: &Result<(), Problem>) -> &LineFault {
    match verdict {
        Err(Problem::BadLine { reason, .. }) => reason,
        other => panic!("expected a bad line, got {other:?}"),
    }
}

#[test]
fn a_valid_line_passes_and_a_schema_break_is_named_by_path() {
    let root = tempfile::tempdir().unwrap();
    let good = line(PositionSnapshot::example().unwrap(), 1);
    let bad = line(PositionSnapshot::example().unwrap(), 2).replace(
        r#""position_type":"simulated""#,
        r#""position_type":"imaginary""#,
    );
    assert!(bad.contains("imaginary"));
    let run = run_of(root.path(), &[("positions.jsonl", vec![good, bad])]);
    let checked = verdicts(&run);
    assert!(checked[0].1.is_ok(), "{:?}", checked[0].1);
    match fault(&checked[1].1) {
        LineFault::Schema {
            event,
            version,
            path,
            ..
        } => {
            assert_eq!((event.as_str(), *version), ("PositionSnapshot", 1));
            assert_eq!(path, "/position_type");
        }
        other => panic!("{other:?}"),
    }
    // Checked again by the same checker, with its schema compiled once.
    let mut checker = Checker::new();
    for (record, _) in &checked {
        let _ = checker.check(&run, record);
    }
    assert!(checker.check(&run, &checked[0].0).is_ok());
    assert!(format!("{checker:?}").contains("Checker"));
}

/// What the schema lets through and the typed event does not: a count
/// beyond `u32` (the schema's `uint32` is a format, and formats are not
/// checked).
#[test]
fn a_line_the_schema_accepts_and_the_typed_parse_refuses_is_a_typed_fault() {
    let root = tempfile::tempdir().unwrap();
    let event = ReconciliationEvent::example().unwrap();
    let count = event.expected_deltas_count;
    let text = line(event, 1).replacen(
        &format!(r#""expected_deltas_count":{count}"#),
        r#""expected_deltas_count":5000000000"#,
        1,
    );
    assert!(text.contains("5000000000"));
    let run = run_of(root.path(), &[("reconciliation.jsonl", vec![text])]);
    let checked = verdicts(&run);
    assert!(
        matches!(fault(&checked[0].1), LineFault::Typed { event, .. } if *event == "ReconciliationEvent"),
        "{:?}",
        checked[0].1
    );
}

/// A `SystemErrorEvent`'s code must be in the run's catalog, with its
/// registered component and severity.
#[test]
fn an_error_code_is_resolved_with_its_component_and_severity() {
    let root = tempfile::tempdir().unwrap();
    let good = line(SystemErrorEvent::from_code(codes::EXEC_001, "failed"), 1);
    let component = good.replace(
        r#""component":"ExecutionManager""#,
        r#""component":"PositionMonitor""#,
    );
    let severity = good.replace(r#""severity":"HIGH""#, r#""severity":"LOW""#);
    let unknown = good.replace(r#""error_code":"EXEC-001""#, r#""error_code":"EXEC-999""#);
    for (changed, what) in [
        (&component, "component"),
        (&severity, "severity"),
        (&unknown, "code"),
    ] {
        assert_ne!(changed, &good, "{what} was not changed in {good}");
    }
    let run = run_of(
        root.path(),
        &[(
            "system_errors.jsonl",
            [good.clone(), component, severity, unknown]
                .into_iter()
                .enumerate()
                .map(|(i, l)| l.replacen(r#""seq":1"#, &format!(r#""seq":{}"#, i + 1), 1))
                .collect(),
        )],
    );
    let checked = verdicts(&run);
    assert_eq!(checked.len(), 4);
    assert!(checked[0].1.is_ok(), "{:?}", checked[0].1);
    let messages: Vec<String> = checked[1..]
        .iter()
        .map(|(_, verdict)| match fault(verdict) {
            LineFault::Schema { path, message, .. } => {
                assert_eq!(path, "/error_code");
                message.clone()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(messages[0].contains("belongs to"), "{}", messages[0]);
    assert!(messages[1].contains("registered as"), "{}", messages[1]);
    // An unknown code is refused by the schema's list of codes first.
    assert!(messages[2].contains("EXEC-999"), "{}", messages[2]);
}

/// The row `export` writes for a line of the current version is the line
/// as written; the schema of the rows is the binary's when it links the
/// event at the run's version or later, the run's own otherwise.
#[test]
fn current_value_and_schema_of_a_line_of_the_current_version() {
    let root = tempfile::tempdir().unwrap();
    let text = line(PositionSnapshot::example().unwrap(), 1);
    let run = run_of(root.path(), &[("positions.jsonl", vec![text.clone()])]);
    let record = run.records().next().unwrap().unwrap();
    let value = Checker::new().current_value(&record).unwrap();
    assert_eq!(value, serde_json::from_str::<Value>(&text).unwrap());
    // The check's own parse is the same value, and a line of the current
    // version needs no other.
    let mut checker = Checker::new();
    let parsed = checker.check_parsed(&run, &record).unwrap();
    assert_eq!(parsed, value);
    assert_eq!(checker.current_from(&record, parsed).unwrap(), value);

    let given = json!({"type": "object", "title": "as the run wrote it"});
    let linked = basis_events::event_named("PositionSnapshot")
        .unwrap()
        .schema();
    assert_eq!(
        Checker::current_schema("PositionSnapshot", 1, &given),
        linked
    );
    // A newer version than this binary has: the run's own schema.
    assert_eq!(
        Checker::current_schema("PositionSnapshot", 9, &given),
        given
    );
    assert_eq!(Checker::current_schema("NotLinked", 1, &given), given);
}

/// Where a record and a gap were read: the segment number of a rotated
/// file, none for the active one; a gap located at the line after it.
#[test]
fn positions_name_their_segment_and_gaps_have_one() {
    let root = tempfile::tempdir().unwrap();
    let run = run_of(
        root.path(),
        &[
            (
                "positions.3.jsonl",
                vec![line(PositionSnapshot::example().unwrap(), 1)],
            ),
            (
                "positions.jsonl",
                vec![line(PositionSnapshot::example().unwrap(), 3)],
            ),
        ],
    );
    let items: Vec<_> = run.records().collect();
    let segments: Vec<Option<u64>> = items
        .iter()
        .filter_map(|item| item.as_ref().ok())
        .map(|record| record.position().segment())
        .collect();
    assert_eq!(segments, [Some(3), None]);
    let gap = items
        .iter()
        .find_map(|item| item.as_ref().err())
        .expect("a gap before seq 3");
    assert!(matches!(gap, Problem::Gap { .. }), "{gap:?}");
    let at = gap.position().expect("a gap is located");
    assert_eq!(
        (at.file(), at.line(), at.segment()),
        ("positions.jsonl", 1, None)
    );
}
