//! `seq`, as the logger writes it: per logger run from 1, across all event
//! files, strictly increasing in each file, in emit order, with no gap for a
//! refused event; continued by a second logger on the same directory.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use basis_events::catalog::{PositionSnapshot, SystemErrorEvent, TightLoopExecutionEvent};
use basis_events::read::read_all;
use basis_events::{DomainEvent, DomainEventLogger, Durability, LoggerConfig};

/// The seqs of `file`'s lines in `events_dir`, in file order (all segments).
fn seqs(events_dir: &Path, file: &str) -> Vec<u64> {
    read_all(events_dir, file)
        .unwrap()
        .into_iter()
        .map(|(path, line)| {
            assert!(line.complete, "torn line in {}", path.display());
            let value: serde_json::Value = serde_json::from_slice(&line.bytes).unwrap();
            value["seq"]
                .as_u64()
                .unwrap_or_else(|| panic!("{}:{} has no seq", path.display(), line.number))
        })
        .collect()
}

fn tight_loop(retry_count: u32) -> TightLoopExecutionEvent {
    TightLoopExecutionEvent {
        retry_count,
        ..TightLoopExecutionEvent::example().unwrap()
    }
}

fn position() -> PositionSnapshot {
    PositionSnapshot::example().unwrap()
}

fn assert_increasing(file: &str, seqs: &[u64]) {
    for pair in seqs.windows(2) {
        assert!(
            pair[0] < pair[1],
            "{file}: seq {} before {}",
            pair[0],
            pair[1]
        );
    }
}

/// N threads × M events over two files: each file's seqs strictly increase
/// line by line, and together they are exactly 1..=N*M.
///
/// Meant for: the seq taken before the queue's lock (an atomic `fetch_add`
/// in `emit`, then the push), which lets a racing thread queue 6 before 5;
/// and the seq incremented for flush messages too (a gap). Caught by
/// cargo-mutants (see MUTANTS.md): `write_seq` and `insert_seq` as `()`.
fn threads_give_every_seq_once_in_file_order(config: LoggerConfig, threads: u32, each: u32) {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "seq", 1)
        .config(config)
        .build()
        .unwrap();
    let logger = Arc::new(logger);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let logger = logger.clone();
            thread::spawn(move || {
                for i in 0..each {
                    if (i + t) % 2 == 0 {
                        logger.emit(tight_loop(i)).unwrap();
                    } else {
                        logger.emit(position()).unwrap();
                    }
                    if i % 500 == 0 {
                        logger.flush().unwrap();
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    logger.shutdown().unwrap();
    let events = logger.events_dir().to_owned();
    let mut all = BTreeSet::new();
    let mut total = 0;
    for file in [TightLoopExecutionEvent::FILE, PositionSnapshot::FILE] {
        let seqs = seqs(&events, file);
        assert_increasing(file, &seqs);
        total += seqs.len();
        all.extend(seqs);
    }
    let expected = u64::from(threads * each);
    assert_eq!(total as u64, expected, "lines written");
    assert_eq!(all, (1..=expected).collect(), "every seq exactly once");
}

#[test]
fn buffered_threads_get_every_seq_once_in_file_order() {
    threads_give_every_seq_once_in_file_order(LoggerConfig::default(), 8, 4000);
}

/// A tiny queue keeps the writer "behind", so callers serialize their own
/// lines and the seq is put in on the writer thread.
///
/// Mutant caught (cargo-mutants): `insert_seq` replaced by `()` (lines
/// without seq). Meant for: a second counter on the writer thread (repeats
/// with the queued lines').
#[test]
fn caller_serialized_lines_get_their_seq_in_queue_order() {
    threads_give_every_seq_once_in_file_order(LoggerConfig::default().queue_events(8), 4, 4000);
}

/// Meant for: line mode taking the seq outside the lock it writes under
/// (two files' writers interleave, a file sees 6 before 5).
#[test]
fn line_mode_threads_get_every_seq_once_in_file_order() {
    threads_give_every_seq_once_in_file_order(
        LoggerConfig::default().durability(Durability::Line),
        4,
        1500,
    );
}

#[test]
fn durable_threads_get_every_seq_once_in_file_order() {
    threads_give_every_seq_once_in_file_order(
        LoggerConfig::default().durability(Durability::Durable),
        4,
        500,
    );
}

/// One thread alternating files: seq is the emit order across files (the
/// k-th event emitted has seq k), and the first is 1.
///
/// Mutant caught (applied): `resume::next_seq` answering 0 for a new
/// directory (every test here fails). `Queue::new`'s own `next_seq: 1` is
/// equivalent: the logger always sets the start it computed.
#[test]
fn across_files_seq_is_the_emit_order() {
    for durability in [Durability::Buffered, Durability::Line] {
        let dir = tempfile::tempdir().unwrap();
        let logger = DomainEventLogger::builder(dir.path(), "seq", 1)
            .config(LoggerConfig::default().durability(durability))
            .build()
            .unwrap();
        let mut expected_tight = Vec::new();
        let mut expected_positions = Vec::new();
        for k in 1..=300u64 {
            if k % 3 == 0 {
                logger.emit(position()).unwrap();
                expected_positions.push(k);
            } else {
                logger.emit(tight_loop(0)).unwrap();
                expected_tight.push(k);
            }
        }
        logger.shutdown().unwrap();
        let events = logger.events_dir();
        assert_eq!(seqs(events, TightLoopExecutionEvent::FILE), expected_tight);
        assert_eq!(seqs(events, PositionSnapshot::FILE), expected_positions);
    }
}

/// `seq` sits right after `pid`, as the envelope is declared.
#[test]
fn seq_is_written_right_after_pid() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 12345).unwrap();
    logger.emit(tight_loop(0)).unwrap();
    logger.shutdown().unwrap();
    let text = fs::read_to_string(logger.events_dir().join("tight_loop.jsonl")).unwrap();
    assert!(
        text.contains(r#""correlation_id":"abc123","pid":12345,"seq":1,"operation_id":"#),
        "{text}"
    );
}

/// An event `emit` refuses (a NaN; after shutdown there is nothing left to
/// number) takes no seq: the next accepted event gets the next number.
///
/// Meant for: the seq taken before the non-finite check (a gap at 2).
#[test]
fn a_refused_event_leaves_no_gap() {
    for durability in [Durability::Buffered, Durability::Line] {
        let dir = tempfile::tempdir().unwrap();
        let logger = DomainEventLogger::builder(dir.path(), "seq", 1)
            .config(LoggerConfig::default().durability(durability))
            .build()
            .unwrap();
        logger.emit(position()).unwrap();
        let mut bad = position();
        bad.total_value_usd = f64::NAN;
        assert!(logger.emit(bad).is_err());
        logger.emit(position()).unwrap();
        logger.shutdown().unwrap();
        assert_eq!(seqs(logger.events_dir(), PositionSnapshot::FILE), [1, 2]);
    }
}

/// A write refused in line mode (a full disk) gives its seq back.
///
/// Mutant caught (applied): `Writer::with_next_seq` in line mode advancing
/// the counter on failure too.
#[test]
fn a_line_mode_write_refused_by_a_full_disk_leaves_no_gap() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        panic!("/dev/full is needed for this test");
    }
    let dir = tempfile::tempdir().unwrap();
    let opener: basis_events::FileOpener = Arc::new(|path: &Path| {
        if path.ends_with(PositionSnapshot::FILE) {
            fs::OpenOptions::new().append(true).open("/dev/full")
        } else {
            basis_events::open_log_file(path)
        }
    });
    let logger = DomainEventLogger::builder(dir.path(), "seq", 1)
        .config(
            LoggerConfig::default()
                .durability(Durability::Line)
                .file_opener(opener),
        )
        .build()
        .unwrap();
    logger.emit(tight_loop(1)).unwrap();
    assert!(logger.emit(position()).is_err());
    logger.emit(tight_loop(2)).unwrap();
    let _ = logger.shutdown();
    assert_eq!(
        seqs(logger.events_dir(), TightLoopExecutionEvent::FILE),
        [1, 2]
    );
}

/// A second logger on the same directory (same process id) continues after
/// the highest seq any file holds, so the directory never repeats a seq.
///
/// Mutants caught (applied): `set_next_seq` not called (the second run
/// starts at 1 and repeats 1..), and `next_seq` answering `highest` instead
/// of `highest + 1`.
#[test]
fn a_second_logger_on_the_same_directory_continues_the_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let first = DomainEventLogger::new(dir.path(), "seq", 7).unwrap();
    for _ in 0..4 {
        first.emit(tight_loop(0)).unwrap();
    }
    first.emit(position()).unwrap();
    first.shutdown().unwrap();
    drop(first);
    let second = DomainEventLogger::new(dir.path(), "seq", 7).unwrap();
    second.emit(tight_loop(0)).unwrap();
    second.emit(position()).unwrap();
    second.shutdown().unwrap();
    let events = second.events_dir();
    assert_eq!(seqs(events, TightLoopExecutionEvent::FILE), [1, 2, 3, 4, 6]);
    assert_eq!(seqs(events, PositionSnapshot::FILE), [5, 7]);
}

/// Under the default buffered mode, with batches that would wait an hour, a
/// `SystemErrorEvent` is in its file when `emit` returns; its seq still
/// follows the events queued before it.
///
/// Meant for: `writes_immediately` ignoring the configured types (applied
/// against `crash_bound.rs::an_error_emitted_before_a_sigkill_…`, which
/// failed); `Queue::with_next_seq`'s `+= 1` as `-=` or `*=`
/// (`events/src/runtime/logger/queue.rs`, missed by cargo mutants before
/// the second and third errors were added).
#[test]
fn system_errors_are_written_before_emit_returns() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "seq", 1)
        .config(LoggerConfig::default().flush_interval(Duration::from_secs(3600)))
        .build()
        .unwrap();
    logger.emit(position()).unwrap();
    logger.emit(position()).unwrap();
    logger.emit(SystemErrorEvent::example().unwrap()).unwrap();
    let events = logger.events_dir().to_owned();
    assert_eq!(seqs(&events, SystemErrorEvent::FILE), [3]);
    assert_eq!(seqs(&events, PositionSnapshot::FILE), Vec::<u64>::new());
    // Queued and immediate events share one numbering, in emit order.
    logger.emit(position()).unwrap();
    logger.emit(SystemErrorEvent::example().unwrap()).unwrap();
    logger.emit(SystemErrorEvent::example().unwrap()).unwrap();
    assert_eq!(seqs(&events, SystemErrorEvent::FILE), [3, 5, 6]);
    logger.shutdown().unwrap();
    assert_eq!(seqs(&events, PositionSnapshot::FILE), [1, 2, 4]);
}

/// The choice is per event type: errors can be buffered, snapshots written
/// at once.
///
/// Meant for: `write_immediately` ignoring its argument.
#[test]
fn writing_immediately_is_configured_per_event_type() {
    let dir = tempfile::tempdir().unwrap();
    let config = LoggerConfig::default()
        .flush_interval(Duration::from_secs(3600))
        .write_immediately::<SystemErrorEvent>(false)
        .write_immediately::<PositionSnapshot>(true);
    let logger = DomainEventLogger::builder(dir.path(), "seq", 1)
        .config(config)
        .build()
        .unwrap();
    logger.emit(SystemErrorEvent::example().unwrap()).unwrap();
    logger.emit(position()).unwrap();
    let events = logger.events_dir().to_owned();
    assert_eq!(seqs(&events, PositionSnapshot::FILE), [2]);
    assert_eq!(seqs(&events, SystemErrorEvent::FILE), Vec::<u64>::new());
    logger.shutdown().unwrap();
    assert_eq!(seqs(&events, SystemErrorEvent::FILE), [1]);
}
