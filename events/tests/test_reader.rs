//! The run reader: order across files, processes and threads; lines without
//! `seq`; strict and lenient; every kind of problem; hostile entries.
//!
//! Part of the test set of the `cargo mutants` reader run
//! (`reliability/MUTANTS.md`). Mutants it failed on there, for instance:
//! `skip_long_line`'s `len += nl` as `-=` (`events/src/reader/bounded.rs`,
//! by the 64 MiB line test), and `check`'s correlation-id test `!=` as `==`
//! (`events/src/reader/file_stream.rs`, by the gap test and four others).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use basis_events::catalog::{
    HealthStatusEvent, OperationExecutionEvent, OperationStatus, PositionSnapshot,
};
use basis_events::model::run_catalog::RunCatalog;
use basis_events::reader::{
    LineFault, Notice, Problem, ReadOptions, Replay, Run, SkipReason, StateAt, state_at,
    state_at_on,
};
use basis_events::{DomainEvent, DomainEventLogger, EngineTime, Envelope};
use proptest::prelude::*;

const CID: &str = "abc123";

fn envelope(pid: u32, seq: Option<u64>, time: &str) -> Envelope {
    Envelope {
        timestamp: EngineTime::parse(time).unwrap(),
        correlation_id: CID.to_owned(),
        pid,
        seq,
        ..Envelope::example()
    }
}

fn line<E: DomainEvent>(event: E, envelope: Envelope) -> String {
    serde_json::to_string(&event.stamp(envelope)).unwrap() + "\n"
}

fn position(pid: u32, seq: Option<u64>, time: &str) -> String {
    line(
        PositionSnapshot::example().unwrap(),
        envelope(pid, seq, time),
    )
}

fn health(pid: u32, seq: Option<u64>, time: &str) -> String {
    line(
        HealthStatusEvent::example().unwrap(),
        envelope(pid, seq, time),
    )
}

/// `root/abc123/{pid}/events`, created.
fn events_dir(root: &Path, pid: u32) -> PathBuf {
    let dir = root.join(CID).join(pid.to_string()).join("events");
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, lines: &[String]) {
    fs::write(dir.join(name), lines.concat()).unwrap();
}

/// `(pid, seq)` of every record, and the problems, of a lenient read.
fn read(run: &Run) -> (Vec<(u32, Option<u64>)>, Vec<Problem>) {
    let (mut records, mut problems) = (Vec::new(), Vec::new());
    for item in run.records() {
        match item {
            Ok(record) => records.push((record.envelope().pid, record.envelope().seq)),
            Err(problem) => problems.push(problem),
        }
    }
    (records, problems)
}

fn open(root: &Path) -> Run {
    Run::open(&root.join(CID)).unwrap()
}

const T0: &str = "2025-01-15T10:00:00";
const T1: &str = "2025-01-15T11:00:00";
const T2: &str = "2025-01-15T12:00:00";

#[test]
fn test_files_of_a_process_merge_by_seq_across_segments() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(
        &events,
        "positions.1.jsonl",
        &[position(7, Some(1), T0), position(7, Some(3), T0)],
    );
    write(&events, "positions.jsonl", &[position(7, Some(6), T0)]);
    write(
        &events,
        "health_status.jsonl",
        &[
            health(7, Some(2), T0),
            health(7, Some(4), T0),
            health(7, Some(5), T0),
        ],
    );
    let (records, problems) = read(&open(root.path()));
    assert!(problems.is_empty(), "{problems:?}");
    let seqs: Vec<_> = records.iter().map(|(_, seq)| seq.unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn test_processes_merge_by_engine_time_then_pid_then_seq() {
    let root = tempfile::tempdir().unwrap();
    let a = events_dir(root.path(), 20);
    let b = events_dir(root.path(), 3);
    write(
        &a,
        "positions.jsonl",
        &[position(20, Some(1), T0), position(20, Some(2), T1)],
    );
    write(
        &b,
        "positions.jsonl",
        &[position(3, Some(1), T1), position(3, Some(2), T2)],
    );
    let (records, problems) = read(&open(root.path()));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        records,
        [(20, Some(1)), (3, Some(1)), (20, Some(2)), (3, Some(2))]
    );
    // One process alone, opened by its directory.
    let one = Run::open(&root.path().join(CID).join("3")).unwrap();
    assert_eq!(read(&one).0, [(3, Some(1)), (3, Some(2))]);
}

#[test]
fn test_lines_without_seq_merge_by_time_and_say_the_order_is_approximate() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(
        &events,
        "positions.jsonl",
        &[position(7, None, T0), position(7, None, T2)],
    );
    write(&events, "health_status.jsonl", &[health(7, None, T1)]);
    let run = open(root.path());
    let mut records = run.records();
    let events: Vec<String> = records
        .by_ref()
        .map(|r| r.unwrap().event().to_owned())
        .collect();
    assert_eq!(
        events,
        ["PositionSnapshot", "HealthStatusEvent", "PositionSnapshot"]
    );
    assert!(records.approximate());

    let sequenced = tempfile::tempdir().unwrap();
    write(
        &events_dir(sequenced.path(), 7),
        "positions.jsonl",
        &[position(7, Some(1), T0)],
    );
    let run = open(sequenced.path());
    let mut records = run.records();
    assert_eq!(records.by_ref().count(), 1);
    assert!(!records.approximate());
}

#[test]
fn test_strict_stops_at_the_first_problem_and_lenient_goes_on() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(
        &events,
        "positions.jsonl",
        &[
            position(7, Some(1), T0),
            "not json\n".into(),
            position(7, Some(2), T0),
        ],
    );
    let (records, problems) = read(&open(root.path()));
    assert_eq!(records.len(), 2);
    assert_eq!(problems.len(), 1);

    let strict = Run::open_with(&root.path().join(CID), ReadOptions::new().strict()).unwrap();
    let items: Vec<_> = strict.records().collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    let err = items[1].as_ref().unwrap_err();
    assert!(err.to_string().contains("positions.jsonl:2"), "{err}");
}

#[test]
fn test_a_torn_tail_and_a_bad_line_are_different_problems() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    let torn = position(7, Some(3), T0);
    let text = [
        position(7, Some(1), T0),
        "{\"timestamp\":1}\n".into(),
        torn[..20].to_owned(),
    ]
    .concat();
    fs::write(events.join("positions.jsonl"), text).unwrap();
    let (_, problems) = read(&open(root.path()));
    assert!(
        matches!(&problems[0], Problem::BadLine { position, reason: LineFault::NotJson(_) } if position.line() == 2),
        "{problems:?}"
    );
    assert!(
        matches!(&problems[1], Problem::TornTail { position, len: 20 } if position.line() == 3),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 2);
}

#[test]
fn test_a_64_mib_line_with_a_1_mib_limit_is_measured_and_the_next_line_read() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    let mut text = vec![b'x'; 64 << 20];
    text.push(b'\n');
    text.extend_from_slice(position(7, Some(1), T0).as_bytes());
    fs::write(events.join("positions.jsonl"), text).unwrap();
    let run = Run::open_with(
        &root.path().join(CID),
        ReadOptions::new().line_limit(1 << 20),
    )
    .unwrap();
    let items: Vec<_> = run.records().collect();
    assert!(
        matches!(&items[0], Err(Problem::TooLong { len, limit, position }) if *len == 64 << 20 && *limit == 1 << 20 && position.line() == 1),
        "{:?}",
        items[0]
    );
    assert_eq!(items[1].as_ref().unwrap().position().line(), 2);
    assert_eq!(items.len(), 2);
}

#[test]
fn test_a_flood_of_bad_lines_is_yielded_one_by_one() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    fs::write(events.join("positions.jsonl"), "garbage\n".repeat(100_000)).unwrap();
    let run = open(root.path());
    let mut records = run.records();
    // The first problem comes before the file is read through.
    assert!(matches!(records.next(), Some(Err(Problem::BadLine { .. }))));
    assert_eq!(records.count(), 99_999);
}

/// Runs `f` in a thread; fails if it takes more than 10 s (it would block
/// forever on a FIFO opened for reading).
fn within_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || send.send(f()).unwrap());
    receive
        .recv_timeout(Duration::from_secs(10))
        .expect("the reader blocked")
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn test_fifos_named_like_a_segment_or_the_manifest_are_refused_without_blocking() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(&events, "positions.jsonl", &[position(7, Some(1), T0)]);
    mkfifo(&events.join("positions.1.jsonl"));
    mkfifo(&root.path().join(CID).join("7").join("metadata.json"));
    let dir = root.path().join(CID);
    let (records, problems) = within_timeout(move || {
        let run = Run::open(&dir).unwrap();
        let (records, problems) = read(&run);
        (
            records.len(),
            problems
                .into_iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>(),
        )
    });
    assert_eq!(records, 1);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("metadata.json") && p.contains("FIFO")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("positions.1.jsonl") && p.contains("FIFO")),
        "{problems:?}"
    );
}

#[test]
fn test_symlinks_are_never_followed_a_device_link_or_a_process_dir_link() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(&events, "positions.jsonl", &[position(7, Some(1), T0)]);
    std::os::unix::fs::symlink("/dev/null", events.join("positions.2.jsonl")).unwrap();
    std::os::unix::fs::symlink(
        root.path().join(CID).join("7"),
        root.path().join(CID).join("8"),
    )
    .unwrap();
    let run = open(root.path());
    assert_eq!(run.processes().len(), 1);
    let skipped: Vec<&Path> = run
        .problems()
        .iter()
        .filter_map(|p| match p {
            Problem::Skipped {
                path,
                reason: SkipReason::Symlink,
            } => Some(path.as_path()),
            _ => None,
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{:?}", run.problems());
    assert!(skipped.iter().any(|p| p.ends_with("abc123/8")));
    assert!(skipped.iter().any(|p| p.ends_with("positions.2.jsonl")));
    assert_eq!(read(&run).0.len(), 1);
}

#[test]
fn test_a_name_that_is_not_utf8_is_reported() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    fs::write(
        events.join(OsStr::from_bytes(b"positions.\xff.jsonl")),
        "x\n",
    )
    .unwrap();
    let run = open(root.path());
    assert!(
        matches!(
            run.problems(),
            [Problem::Skipped {
                reason: SkipReason::NotUtf8Name,
                ..
            }]
        ),
        "{:?}",
        run.problems()
    );
}

#[test]
fn test_an_unknown_file_is_reported_once_not_per_segment() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    for name in ["notes.1.jsonl", "notes.2.jsonl", "notes.jsonl"] {
        fs::write(events.join(name), "x\n").unwrap();
    }
    let run = open(root.path());
    assert!(
        matches!(run.problems(), [Problem::UnknownFile { file, .. }] if file == "notes.jsonl"),
        "{:?}",
        run.problems()
    );
    assert!(run.processes()[0].files().is_empty());
}

#[test]
fn test_a_deleted_middle_line_is_a_gap_where_it_starts() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(
        &events,
        "positions.jsonl",
        &[
            position(7, Some(1), T0),
            position(7, Some(2), T0),
            position(7, Some(4), T0),
        ],
    );
    let (records, problems) = read(&open(root.path()));
    assert_eq!(records.len(), 3);
    match &problems[..] {
        [
            Problem::Gap {
                pid: 7,
                first: 3,
                last: 3,
                at,
                after: Some(after),
            },
        ] => {
            assert_eq!((at.line(), after.line()), (3, 2));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn test_a_deleted_rotated_segment_is_a_gap() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(
        &events,
        "positions.1.jsonl",
        &[position(7, Some(1), T0), position(7, Some(2), T0)],
    );
    // positions.2.jsonl, holding 3..=5, was deleted.
    write(&events, "positions.jsonl", &[position(7, Some(6), T0)]);
    write(&events, "health_status.jsonl", &[health(7, Some(7), T0)]);
    let (_, problems) = read(&open(root.path()));
    match &problems[..] {
        [
            Problem::Gap {
                first: 3,
                last: 5,
                at,
                ..
            },
        ] => assert!(at.path().ends_with("positions.jsonl")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn test_a_repeated_seq_is_reported_and_not_yielded() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(
        &events,
        "positions.jsonl",
        &[
            position(7, Some(1), T0),
            position(7, Some(2), T0),
            position(7, Some(2), T0),
        ],
    );
    let (records, problems) = read(&open(root.path()));
    assert_eq!(records.len(), 2);
    assert!(
        matches!(&problems[..], [Problem::Repeat { seq: 2, previous: 2, at, .. }] if at.line() == 3),
        "{problems:?}"
    );
    // Also when only that event is read, where gaps are not checked.
    let run = open(root.path());
    assert_eq!(
        run.events::<PositionSnapshot>()
            .filter(Result::is_err)
            .count(),
        1
    );
}

#[test]
fn test_a_line_of_another_run_or_process_is_a_bad_line() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    let mut other_run = envelope(7, Some(1), T0);
    other_run.correlation_id = "other".into();
    let lines = [
        line(PositionSnapshot::example().unwrap(), other_run),
        position(8, Some(2), T0),
    ];
    write(&events, "positions.jsonl", &lines);
    let (records, problems) = read(&open(root.path()));
    assert!(records.is_empty());
    assert!(
        matches!(&problems[0], Problem::BadLine { reason: LineFault::WrongCorrelationId { found, .. }, .. } if found == "other")
    );
    assert!(matches!(
        &problems[1],
        Problem::BadLine {
            reason: LineFault::WrongPid {
                found: 8,
                expected: 7
            },
            ..
        }
    ));
}

#[test]
fn test_a_corrupt_manifest_is_a_problem_and_a_missing_one_a_notice() {
    let root = tempfile::tempdir().unwrap();
    events_dir(root.path(), 7);
    events_dir(root.path(), 8);
    fs::write(
        root.path().join(CID).join("7/metadata.json"),
        "{\"correlation_id\": 3",
    )
    .unwrap();
    // A manifest that names another pid is not this directory's.
    let mut other = serde_json::to_value(sample_manifest(root.path())).unwrap();
    other["pid"] = 99.into();
    fs::write(
        root.path().join(CID).join("8/metadata.json"),
        other.to_string(),
    )
    .unwrap();
    events_dir(root.path(), 9);
    let run = open(root.path());
    assert!(run.processes().iter().all(|p| p.manifest().is_none()));
    assert!(
        matches!(&run.problems()[1], Problem::BadManifest { reason, .. } if reason.contains("pid 99")),
        "{:?}",
        run.problems()
    );
    fs::remove_file(root.path().join(CID).join("8/metadata.json")).unwrap();
    let run = open(root.path());
    assert!(
        matches!(run.problems(), [Problem::BadManifest { path, .. }] if path.ends_with("7/metadata.json")),
        "{:?}",
        run.problems()
    );
    assert!(
        run.notices()
            .iter()
            .any(|n| matches!(n, Notice::NoManifest { dir } if dir.ends_with("abc123/8")))
    );
    assert!(
        !run.notices()
            .iter()
            .any(|n| matches!(n, Notice::NoManifest { dir } if dir.ends_with("abc123/7")))
    );
}

/// A manifest as the runtime writes it, for a run under a scratch root.
fn sample_manifest(scratch: &Path) -> basis_events::run_dir::RunManifest {
    let root = scratch.join("scratch");
    let logs = basis_events::LogDirectoryManager::with_root(&root)
        .create_run_logs(
            basis_events::RunOptions::new("m", "s", 1.0)
                .correlation_id(CID)
                .pid(8),
        )
        .unwrap();
    logs.manifest()
}

#[test]
fn test_a_corrupt_catalog_is_a_problem_and_the_binarys_is_used() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(&events, "positions.jsonl", &[position(7, Some(1), T0)]);
    fs::write(
        root.path().join(CID).join("7/catalog.json"),
        "{\"format\": 99}",
    )
    .unwrap();
    let run = open(root.path());
    assert!(
        matches!(run.problems(), [Problem::BadCatalog { reason, .. }] if reason.contains("newer")),
        "{:?}",
        run.problems()
    );
    assert!(!run.processes()[0].catalog_from_run());
    assert_eq!(read(&run).0.len(), 1);
}

#[test]
fn test_a_manifest_written_by_the_runtime_is_read_typed() {
    let root = tempfile::tempdir().unwrap();
    let manager = basis_events::LogDirectoryManager::with_root(root.path());
    let logs = manager
        .create_run_logs(
            basis_events::RunOptions::new("pure_lending_usdt", "lending", 1000.0)
                .correlation_id(CID)
                .pid(7),
        )
        .unwrap();
    drop(logs);
    let run = open(root.path());
    assert_eq!(
        run.processes()[0].manifest().unwrap().initial_capital,
        1000.0
    );
    assert!(run.problems().is_empty(), "{:?}", run.problems());
}

#[test]
fn test_the_runs_own_catalog_names_its_files_and_without_one_the_binarys_is_used() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(&events, "book.jsonl", &[position(7, Some(1), T0)]);
    write(&events, "positions.jsonl", &[position(7, Some(2), T0)]);
    let mut catalog = RunCatalog::of_this_binary().unwrap();
    for event in &mut catalog.events {
        if event.name == "PositionSnapshot" {
            event.file = "book.jsonl".into();
        }
    }
    fs::write(
        root.path().join(CID).join("7/catalog.json"),
        serde_json::to_vec(&catalog).unwrap(),
    )
    .unwrap();
    let run = open(root.path());
    assert!(run.processes()[0].catalog_from_run());
    assert!(
        !run.notices()
            .iter()
            .any(|n| matches!(n, Notice::CatalogFallback { .. }))
    );
    assert!(
        matches!(run.problems(), [Problem::UnknownFile { file, .. }] if file == "positions.jsonl")
    );
    let read: Vec<_> = run
        .events::<PositionSnapshot>()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(read.len(), 1);
    assert!(read[0].position.path().ends_with("book.jsonl"));

    fs::remove_file(root.path().join(CID).join("7/catalog.json")).unwrap();
    let run = open(root.path());
    assert!(!run.processes()[0].catalog_from_run());
    assert!(
        run.notices()
            .iter()
            .any(|n| matches!(n, Notice::CatalogFallback { .. }))
    );
    assert!(matches!(run.problems(), [Problem::UnknownFile { file, .. }] if file == "book.jsonl"));
}

#[test]
fn test_a_run_written_by_the_logger_from_many_threads_reads_back_in_full() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join(CID).join("7");
    let logger = DomainEventLogger::new(&dir, CID, 7).unwrap();
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..250 {
                    logger.emit(PositionSnapshot::example().unwrap()).unwrap();
                    logger.emit(HealthStatusEvent::example().unwrap()).unwrap();
                }
            });
        }
    });
    logger.shutdown().unwrap();
    let (records, problems) = read(&open(root.path()));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(records.len(), 2000);
    // Once the logger assigns `seq`, the merge must give 1, 2, 3, … exactly.
    let seqs: Vec<u64> = records.iter().filter_map(|(_, seq)| *seq).collect();
    if !seqs.is_empty() {
        assert_eq!(seqs, (1..=2000).collect::<Vec<u64>>());
    }
}

#[test]
fn test_replay_dispatches_typed_records_and_reports_bad_ones() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    let bad = position(7, Some(3), T0).replace("\"trigger_source\"", "\"unknown_key\"");
    write(&events, "positions.jsonl", &[position(7, Some(1), T0), bad]);
    write(&events, "health_status.jsonl", &[health(7, Some(2), T0)]);
    let run = open(root.path());
    let (mut positions, mut healths, mut problems) = (Vec::new(), 0, Vec::new());
    let mut second = 0;
    let replay = Replay::new(&run)
        .on::<PositionSnapshot>(|record| positions.push(record.envelope.seq))
        .on::<HealthStatusEvent>(|_| healths += 1)
        .on::<PositionSnapshot>(|_| second += 1)
        .on_problem(|problem| problems.push(problem.to_string()));
    // What it will dispatch, for a debugger (mutant: `Debug` writing nothing).
    let debug = format!("{replay:?}");
    assert!(debug.contains("HealthStatusEvent"), "{debug}");
    let report = replay.run().unwrap();
    assert_eq!(positions, [Some(1)]);
    assert_eq!((healths, second), (1, 1));
    assert_eq!(
        (report.records, report.dispatched, report.problems),
        (3, 2, 1)
    );
    assert!(
        problems[0].contains("not a valid PositionSnapshot"),
        "{problems:?}"
    );
}

fn operation(id: &str, status: OperationStatus) -> OperationExecutionEvent {
    let mut operation = OperationExecutionEvent::example().unwrap();
    operation.operation_id = id.into();
    operation.status = status;
    operation
}

#[test]
fn test_state_at_a_time_keeps_the_last_snapshots_and_the_open_operations() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    let op = |id, status, seq, time| line(operation(id, status), envelope(7, Some(seq), time));
    write(
        &events,
        "positions.jsonl",
        &[position(7, Some(1), T0), position(7, Some(5), T2)],
    );
    write(
        &events,
        "operation_executions.jsonl",
        &[
            op("a", OperationStatus::Pending, 2, T0),
            op("b", OperationStatus::Pending, 3, T0),
            op("a", OperationStatus::Confirmed, 4, T1),
            op("b", OperationStatus::Failed, 6, T2),
        ],
    );
    let run = open(root.path());
    let state = state_at(&run, EngineTime::parse(T1).unwrap()).unwrap();
    assert_eq!(state.snapshots["PositionSnapshot"].envelope().seq, Some(1));
    assert!(!state.snapshots.contains_key("RiskAssessment"));
    let open: Vec<u64> = state
        .open_operations
        .iter()
        .map(|r| r.envelope().seq.unwrap())
        .collect();
    assert_eq!(open, [3]);
    let state = state_at(&run, EngineTime::parse(T0).unwrap()).unwrap();
    assert_eq!(state.open_operations.len(), 2);
    let state = state_at(&run, EngineTime::parse(T2).unwrap()).unwrap();
    assert!(state.open_operations.is_empty());
    assert_eq!(state.snapshots["PositionSnapshot"].envelope().seq, Some(5));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any split of a process's lines over its files, and of a run over two
    /// processes, merges back to `seq` order with no problem.
    #[test]
    fn random_interleavings_merge_back_to_seq_order(files in proptest::collection::vec(0usize..3, 1..60), pids in proptest::collection::vec(0usize..2, 1..60)) {
        let root = tempfile::tempdir().unwrap();
        let names = ["positions.jsonl", "health_status.jsonl", "positions.1.jsonl"];
        for pid in [1u32, 2] {
            let events = events_dir(root.path(), pid);
            let mut texts = vec![String::new(); 3];
            let mut seq = 0;
            for (i, file) in files.iter().enumerate() {
                if pids[i % pids.len()] + 1 != pid as usize { continue; }
                seq += 1;
                texts[*file] += &if *file == 1 { health(pid, Some(seq), T0) } else { position(pid, Some(seq), T0) };
            }
            // The active file must come after its segment: swap so the
            // rotated segment holds the lower seqs.
            let (first, last) = (texts[2].clone(), texts[0].clone());
            let mut lines: Vec<&str> = first.lines().chain(last.lines()).collect();
            lines.sort_by_key(|l| serde_json::from_str::<Envelope>(l).unwrap().seq);
            let cut = first.lines().count();
            fs::write(events.join(names[2]), lines[..cut].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
            fs::write(events.join(names[0]), lines[cut..].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
            fs::write(events.join(names[1]), &texts[1]).unwrap();
        }
        let (records, problems) = read(&open(root.path()));
        prop_assert!(problems.is_empty(), "{:?}", problems);
        for pid in [1u32, 2] {
            let seqs: Vec<u64> = records.iter().filter(|(p, _)| *p == pid).map(|(_, s)| s.unwrap()).collect();
            prop_assert_eq!(seqs.clone(), (1..=seqs.len() as u64).collect::<Vec<_>>());
        }
        // Same engine time everywhere: the processes come by pid, then seq.
        let pids_read: Vec<u32> = records.iter().map(|(p, _)| *p).collect();
        let mut sorted = pids_read.clone();
        sorted.sort();
        prop_assert_eq!(pids_read, sorted);
    }
}

#[test]
fn test_a_socket_or_a_device_named_like_a_segment_is_refused_by_name() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(&events, "positions.jsonl", &[position(7, Some(1), T0)]);
    let _socket = std::os::unix::net::UnixListener::bind(events.join("positions.1.jsonl")).unwrap();
    // A character device needs privileges; where mknod is refused, the
    // socket alone is checked.
    let device = events.join("positions.2.jsonl");
    let made_device = std::process::Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let dir = root.path().join(CID);
    let (records, problems) = within_timeout(move || {
        let run = Run::open(&dir).unwrap();
        let (records, problems) = read(&run);
        (
            records.len(),
            problems
                .into_iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>(),
        )
    });
    assert_eq!(records, 1);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("positions.1.jsonl") && p.contains("a socket")),
        "{problems:?}"
    );
    if made_device {
        assert!(
            problems
                .iter()
                .any(|p| p.contains("positions.2.jsonl") && p.contains("character device")),
            "{problems:?}"
        );
    }
    assert_eq!(problems.len(), 1 + usize::from(made_device), "{problems:?}");
}

#[test]
fn test_counts_per_file_and_an_events_dir_opens_its_process() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    write(
        &events,
        "positions.jsonl",
        &[
            position(7, Some(1), T0),
            "{}\n".into(),
            position(7, Some(2), T0),
        ],
    );
    write(&events, "health_status.jsonl", &[health(7, Some(3), T0)]);
    let run = Run::open(&events).unwrap();
    assert_eq!(run.processes()[0].pid(), 7);
    assert_eq!(run.correlation_id(), CID);
    let mut records = run.records();
    records.by_ref().for_each(drop);
    let counts = &records.counts()[&7];
    assert_eq!(
        (
            counts["positions.jsonl"].records,
            counts["positions.jsonl"].problems
        ),
        (2, 1)
    );
    assert_eq!(
        (
            counts["health_status.jsonl"].records,
            counts["health_status.jsonl"].problems
        ),
        (1, 0)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Lines without `seq`, each file in time order, merge by engine time
    /// with the file order breaking ties.
    #[test]
    fn lines_without_seq_merge_by_time(steps in proptest::collection::vec((0usize..2, 0u32..3), 1..40)) {
        let root = tempfile::tempdir().unwrap();
        let events = events_dir(root.path(), 7);
        let mut texts = [String::new(), String::new()];
        let mut minute = 0;
        for (file, advance) in &steps {
            minute += advance;
            let time = format!("2025-01-15T10:{minute:02}:00");
            texts[*file] += &if *file == 0 { position(7, None, &time) } else { health(7, None, &time) };
        }
        fs::write(events.join("positions.jsonl"), &texts[0]).unwrap();
        fs::write(events.join("health_status.jsonl"), &texts[1]).unwrap();
        let run = open(root.path());
        let mut records = run.records();
        let read: Vec<_> = records.by_ref().map(|r| r.unwrap()).collect();
        prop_assert_eq!(read.len(), steps.len());
        prop_assert!(records.approximate());
        for pair in read.windows(2) {
            let (a, b) = (pair[0].envelope(), pair[1].envelope());
            prop_assert!(a.timestamp <= b.timestamp);
            // On a tie, health_status.jsonl (first by name) comes first.
            if a.timestamp == b.timestamp {
                prop_assert!(!(pair[0].is::<PositionSnapshot>() && pair[1].is::<HealthStatusEvent>()));
            }
        }
    }
}

/// A line that lost its `seq` in a process with a catalog is a bad line,
/// for `records` and `ScanLine::record` alike, and takes no place in the
/// merge (ordered by time against lines ordered by seq, such a line could
/// make a line of an untouched file a repeat: the reader fuzz found it);
/// without a catalog, the run was written before `seq` and the line is
/// read. Mutant seen to fail:
/// `check`'s `sequenced && envelope.seq.is_none()` as `false`
/// (`events/src/reader/file_stream.rs`).
#[test]
fn test_a_line_without_seq_in_a_process_with_a_catalog_is_a_bad_line() {
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    // The second health line lost its seq.
    write(
        &events,
        "health_status.jsonl",
        &[health(7, Some(1), T0), health(7, None, T2)],
    );
    write(
        &events,
        "positions.jsonl",
        &[position(7, Some(2), T1), position(7, Some(3), T1)],
    );
    fs::write(
        root.path().join(CID).join("7/catalog.json"),
        serde_json::to_vec(&RunCatalog::of_this_binary().unwrap()).unwrap(),
    )
    .unwrap();
    let run = open(root.path());
    let (records, problems) = read(&run);
    assert_eq!(records, [(7, Some(1)), (7, Some(2)), (7, Some(3))]);
    assert!(
        matches!(
            problems.as_slice(),
            [Problem::BadLine { position, reason: LineFault::NoSeq }]
                if position.line() == 2 && position.file() == "health_status.jsonl"
        ),
        "{problems:?}"
    );
    assert!(
        problems[0].to_string().contains("no `seq`"),
        "{}",
        problems[0]
    );
    let mut scanned = Vec::new();
    run.scan(None, None, |line| {
        scanned.push(line.unwrap().record().map(|r| r.envelope().seq));
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(scanned.iter().filter(|r| r.is_ok()).count(), 3);
    assert!(scanned.iter().any(|r| matches!(
        r,
        Err(Problem::BadLine {
            reason: LineFault::NoSeq,
            ..
        })
    )));

    fs::remove_file(root.path().join(CID).join("7/catalog.json")).unwrap();
    let (records, _) = read(&open(root.path()));
    assert_eq!(records.len(), 4);
}

/// What a [`StateAt`] says, comparable: each snapshot's and open
/// operation's `(pid, seq)`, the problems as printed, the count of the rest.
type StateFigures = (
    Vec<(String, u32, Option<u64>)>,
    Vec<(u32, Option<u64>)>,
    Vec<String>,
    u64,
);

fn state_figures(state: &StateAt) -> StateFigures {
    let at =
        |record: &basis_events::reader::RawRecord| (record.envelope().pid, record.envelope().seq);
    (
        state
            .snapshots
            .iter()
            .map(|(name, record)| {
                let (pid, seq) = at(record);
                ((*name).to_owned(), pid, seq)
            })
            .collect(),
        state.open_operations.iter().map(at).collect(),
        state.problems.iter().map(ToString::to_string).collect(),
        state.more_problems,
    )
}

/// `state_at` on any number of threads gives the state a single thread
/// gives: the same snapshots, open operations in the same order, the same
/// problems in the same order, over a run long enough to spread over the
/// workers (two processes, thousands of operations, bad lines of both
/// kinds: not JSON, and JSON that is not an operation).
#[test]
fn test_state_at_is_the_same_on_any_number_of_threads() {
    let root = tempfile::tempdir().unwrap();
    let time = |i: usize| {
        format!(
            "2025-01-15T{:02}:{:02}:{:02}",
            10 + i / 3600,
            i / 60 % 60,
            i % 60
        )
    };
    for pid in [7u32, 8] {
        let events = events_dir(root.path(), pid);
        let (mut operations, mut positions) = (Vec::new(), Vec::new());
        let mut seq = 0;
        for i in 0..3_000usize {
            seq += 1;
            let status = match (i + pid as usize) % 3 {
                0 => OperationStatus::Pending,
                1 => OperationStatus::Confirmed,
                _ => OperationStatus::Failed,
            };
            let id = format!("op{}", i % 97);
            let mut text = line(operation(&id, status), envelope(pid, Some(seq), &time(i)));
            if i % 211 == 5 {
                text = text.replace("\"status\":\"", "\"status\":\"bogus_");
            }
            if i % 149 == 3 {
                text = "{ not JSON\n".to_owned();
            }
            operations.push(text);
            if i % 100 == 0 {
                seq += 1;
                positions.push(position(pid, Some(seq), &time(i)));
            }
        }
        write(&events, "operation_executions.jsonl", &operations);
        write(&events, "positions.jsonl", &positions);
    }
    let run = open(root.path());
    for at in ["2025-01-15T10:20:00", "2025-01-15T10:49:59"] {
        let at = EngineTime::parse(at).unwrap();
        let one = state_figures(&state_at_on(&run, at, 1).unwrap());
        assert!(
            one.1.len() > 10 && one.2.len() == basis_events::reader::KEPT_PROBLEMS,
            "{one:?}"
        );
        assert!(one.3 > 0 && !one.0.is_empty(), "{one:?}");
        assert!(one.2.iter().any(|p| p.contains("bogus_")), "{:?}", one.2);
        for threads in [0, 2, 3] {
            assert_eq!(
                state_figures(&state_at_on(&run, at, threads).unwrap()),
                one,
                "{threads} threads"
            );
        }
        assert_eq!(state_figures(&state_at(&run, at).unwrap()), one);
    }
}

/// `state_at` keeps the first `KEPT_PROBLEMS` problems and counts the rest,
/// reading on past them, and a strict run stops at the first (mutants from
/// the reader mutation run: the strict test inverted, the keep test as `>`
/// or `<=`, the count's `+=` as `-=` or `*=`).
#[test]
fn test_state_at_keeps_the_first_problems_counts_the_rest_and_strict_stops() {
    use basis_events::reader::KEPT_PROBLEMS;
    let root = tempfile::tempdir().unwrap();
    let events = events_dir(root.path(), 7);
    let mut lines: Vec<String> = (0..KEPT_PROBLEMS + 5)
        .map(|_| "{ not JSON\n".to_owned())
        .collect();
    lines.push(position(7, None, T1));
    write(&events, "positions.jsonl", &lines);
    let at = EngineTime::parse(T2).unwrap();
    let state = state_at(&open(root.path()), at).unwrap();
    assert_eq!(state.problems.len(), KEPT_PROBLEMS);
    assert_eq!(state.more_problems, 5);
    assert!(state.snapshots.contains_key("PositionSnapshot"));
    let strict = Run::open_with(&root.path().join(CID), ReadOptions::new().strict()).unwrap();
    assert!(matches!(
        state_at(&strict, at),
        Err(Problem::BadLine { .. })
    ));
}
