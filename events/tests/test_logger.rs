//! The domain event logger: lines, order, counts, buffering, rotation, errors.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use basis_events::catalog::{PositionSnapshot, TightLoopExecutionEvent};
use basis_events::read::{LineReader, read_all, segments_of};
use basis_events::{
    DomainEvent, DomainEventLogger, Durability, EngineClock, EngineTime, ErrorKind, EventRecord,
    LogError, LoggerConfig,
};

fn tight_loop(operation_id: String, retry_count: u32) -> TightLoopExecutionEvent {
    TightLoopExecutionEvent {
        operation_id,
        retry_count,
        ..TightLoopExecutionEvent::example().unwrap()
    }
}

fn lines(path: &Path) -> Vec<String> {
    LineReader::open(path)
        .unwrap()
        .map(|line| {
            let line = line.unwrap();
            assert!(line.complete, "torn line in {}", path.display());
            line.text().unwrap().to_owned()
        })
        .collect()
}

fn records<E: DomainEvent>(events_dir: &Path) -> Vec<EventRecord<E>> {
    read_all(events_dir, E::FILE)
        .unwrap()
        .into_iter()
        .map(|(path, line)| {
            assert!(line.complete, "torn line in {}", path.display());
            serde_json::from_slice(&line.bytes)
                .unwrap_or_else(|err| panic!("{}:{}: {err}", path.display(), line.number))
        })
        .collect()
}

/// Waits until `done` holds, at most `limit`: the bound the test asserts.
fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        thread::sleep(Duration::from_millis(5));
    }
    done()
}

#[test]
fn test_events_are_readable_in_order_right_after_flush() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 12345).unwrap();
    for i in 0..3 {
        logger.emit(tight_loop(format!("op_{i}"), i)).unwrap();
    }
    logger.flush().unwrap();
    let read = records::<TightLoopExecutionEvent>(&dir.path().join("events"));
    let ids: Vec<&str> = read.iter().map(|r| r.operation_id.as_str()).collect();
    assert_eq!(ids, ["op_0", "op_1", "op_2"]);
    assert_eq!(read[0].envelope.correlation_id, "abc123");
    assert_eq!(read[0].envelope.pid, 12345);
}

#[test]
fn test_a_line_is_exactly_the_stamped_record() {
    let dir = tempfile::tempdir().unwrap();
    let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T10:30:00").unwrap());
    let logger = DomainEventLogger::builder(dir.path(), "abc\"123", 7)
        .clock(clock)
        .build()
        .unwrap();
    let event = PositionSnapshot::example().unwrap();
    logger.emit(event.clone()).unwrap();
    logger.flush().unwrap();
    let text = lines(&dir.path().join("events/positions.jsonl"));
    assert_eq!(text.len(), 1);
    let record: EventRecord<PositionSnapshot> = serde_json::from_str(&text[0]).unwrap();
    assert_eq!(record.envelope.timestamp.to_string(), "2025-01-15T10:30:00");
    assert_eq!(record.envelope.correlation_id, "abc\"123");
    assert_eq!(record.event, event);
    // Byte for byte what serializing the stamped record gives.
    let expected = serde_json::to_string(&event.stamp(record.envelope.clone())).unwrap();
    assert_eq!(text[0], expected);
}

#[test]
fn test_every_registered_file_exists_from_the_start_with_mode_0640() {
    let dir = tempfile::tempdir().unwrap();
    let _logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    for event in basis_events::registered_events().unwrap() {
        let path = dir.path().join("events").join(event.file());
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(
            meta.permissions().mode() & 0o777,
            0o640,
            "{}",
            path.display()
        );
    }
}

#[test]
fn test_many_threads_exact_counts_and_per_thread_order() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    const THREADS: u32 = 4;
    const EACH: u32 = 5_000;
    thread::scope(|scope| {
        for t in 0..THREADS {
            let logger = logger.clone();
            scope.spawn(move || {
                for i in 0..EACH {
                    logger.emit(tight_loop(format!("t{t}"), i)).unwrap();
                    if i % 7 == 0 {
                        logger.emit(PositionSnapshot::example().unwrap()).unwrap();
                    }
                }
            });
        }
    });
    let report = logger.shutdown().unwrap();
    let read = records::<TightLoopExecutionEvent>(&dir.path().join("events"));
    assert_eq!(read.len(), (THREADS * EACH) as usize);
    let mut next = vec![0u32; THREADS as usize];
    for record in &read {
        let t: usize = record.operation_id[1..].parse().unwrap();
        assert_eq!(record.retry_count, next[t], "thread {t} out of order");
        next[t] += 1;
    }
    assert!(next.iter().all(|&n| n == EACH));
    let positions = records::<PositionSnapshot>(&dir.path().join("events"));
    let expected = THREADS as usize * EACH.div_ceil(7) as usize;
    assert_eq!(positions.len(), expected);
    assert_eq!(
        report.files["tight_loop.jsonl"].written,
        u64::from(THREADS * EACH)
    );
    assert_eq!(report.files["positions.jsonl"].written, expected as u64);
    assert_eq!(report.errors.total(), 0);
}

#[test]
fn test_a_tiny_queue_mixes_caller_and_writer_serialization_in_order() {
    // With 8 places in the queue the writer is nearly always "behind", so
    // callers serialize most lines themselves; some still go as events.
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().queue_events(8))
        .build()
        .unwrap();
    thread::scope(|scope| {
        for t in 0..3u32 {
            let logger = logger.clone();
            scope.spawn(move || {
                for i in 0..4_000 {
                    logger.emit(tight_loop(format!("t{t}"), i)).unwrap();
                }
            });
        }
    });
    logger.shutdown().unwrap();
    let read = records::<TightLoopExecutionEvent>(&dir.path().join("events"));
    assert_eq!(read.len(), 12_000);
    let mut next = [0u32; 3];
    for record in &read {
        let t: usize = record.operation_id[1..].parse().unwrap();
        assert_eq!(record.retry_count, next[t], "thread {t} out of order");
        next[t] += 1;
    }
}

#[test]
fn test_rotation_under_load_keeps_every_line_once_and_whole() {
    let dir = tempfile::tempdir().unwrap();
    let max = 64 * 1024;
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().max_file_bytes(max))
        .build()
        .unwrap();
    const THREADS: u32 = 4;
    const EACH: u32 = 3_000;
    thread::scope(|scope| {
        for t in 0..THREADS {
            let logger = logger.clone();
            scope.spawn(move || {
                for i in 0..EACH {
                    logger.emit(tight_loop(format!("t{t}"), i)).unwrap();
                }
            });
        }
    });
    logger.shutdown().unwrap();
    let events_dir = dir.path().join("events");
    let segments = segments_of(&events_dir, "tight_loop.jsonl").unwrap();
    assert!(segments.len() > 5, "only {} segments", segments.len());
    assert_eq!(
        segments.last().unwrap(),
        &events_dir.join("tight_loop.jsonl")
    );
    for segment in &segments {
        let bytes = fs::read(segment).unwrap();
        assert!(bytes.len() as u64 <= max, "{} too big", segment.display());
        assert!(bytes.is_empty() || bytes.ends_with(b"\n"));
    }
    let read = records::<TightLoopExecutionEvent>(&events_dir);
    assert_eq!(read.len(), (THREADS * EACH) as usize);
    let mut next = vec![0u32; THREADS as usize];
    for record in &read {
        let t: usize = record.operation_id[1..].parse().unwrap();
        assert_eq!(record.retry_count, next[t]);
        next[t] += 1;
    }
}

#[test]
fn test_the_flush_interval_is_enforced_while_idle() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().flush_interval(Duration::from_millis(50)))
        .build()
        .unwrap();
    logger.emit(tight_loop("idle".to_owned(), 0)).unwrap();
    let path = dir.path().join("events/tight_loop.jsonl");
    // No flush, no more events: only the writer thread's timer can write it,
    // within the interval (plus a margin for a loaded machine).
    assert!(within(Duration::from_millis(50 + 1000), || {
        fs::metadata(&path).unwrap().len() > 0
    }));
    assert_eq!(lines(&path).len(), 1);
}

/// The timer writes a lone event within the flush interval, and not long
/// before: queued, a line waits at most half the interval in the queue and
/// its batch at most half in memory, so with a 1 s interval it is written
/// after at least half a second (the batch's age limit) and by 1 s; the
/// bounds leave half a second for a loaded machine on either side. Mutants
/// seen to fail: `Writer::batch_age_limit` as `Default::default()` (written
/// at once) and its `/ 2` as `* 2` (written after 2 s)
/// (`events/src/runtime/logger/worker.rs`).
#[test]
fn test_the_timer_writes_a_batch_within_the_interval_and_not_long_before() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().flush_interval(Duration::from_secs(1)))
        .build()
        .unwrap();
    let path = dir.path().join("events/tight_loop.jsonl");
    let written = || fs::metadata(&path).is_ok_and(|m| m.len() > 0);
    let emitted = Instant::now();
    logger.emit(tight_loop("timer".to_owned(), 0)).unwrap();
    thread::sleep(Duration::from_millis(250));
    assert!(!written(), "written {:?} after emit", emitted.elapsed());
    assert!(
        within(
            Duration::from_millis(1500).saturating_sub(emitted.elapsed()),
            written
        ),
        "not written {:?} after emit",
        emitted.elapsed()
    );
    assert_eq!(lines(&path).len(), 1);
}

/// With no timer for an hour and a queue of one (every push wakes the
/// writer), a batch of 10 is written when it is full. See also
/// `test_batch_trigger.rs`, alone in its binary.
#[test]
fn test_a_full_batch_is_written_without_flush() {
    let dir = tempfile::tempdir().unwrap();
    let config = LoggerConfig::default()
        .batch_events(10)
        .queue_events(1)
        .flush_interval(Duration::from_secs(3600));
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(config)
        .build()
        .unwrap();
    for i in 0..10 {
        logger.emit(tight_loop("batch".to_owned(), i)).unwrap();
    }
    let path = dir.path().join("events/tight_loop.jsonl");
    assert!(within(Duration::from_secs(2), || lines(&path).len() == 10));
}

#[test]
fn test_line_mode_writes_before_emit_returns() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().durability(Durability::Line))
        .build()
        .unwrap();
    logger.emit(tight_loop("line".to_owned(), 0)).unwrap();
    assert_eq!(lines(&dir.path().join("events/tight_loop.jsonl")).len(), 1);
    logger.emit(tight_loop("line".to_owned(), 1)).unwrap();
    assert_eq!(lines(&dir.path().join("events/tight_loop.jsonl")).len(), 2);
}

#[test]
fn test_durable_mode_has_everything_after_flush() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(
            LoggerConfig::default()
                .durability(Durability::Durable)
                .max_file_bytes(4096),
        )
        .build()
        .unwrap();
    for i in 0..200 {
        logger.emit(tight_loop("durable".to_owned(), i)).unwrap();
    }
    logger.flush().unwrap();
    assert_eq!(
        records::<TightLoopExecutionEvent>(&dir.path().join("events")).len(),
        200
    );
}

/// What a logger was made with, it says: its correlation id, pid, clock,
/// configuration and directory (the demo and the engine stamp manifests
/// from these), and what it wrote per file when it shuts down, as the run
/// manifest records it (mutants, from the logger mutation run: each
/// accessor returning a default, `written_per_file` returning a constant
/// map, `Debug` writing nothing).
#[test]
fn test_a_logger_says_what_it_was_made_with_and_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let start = EngineTime::parse("2025-01-15T10:30:00").unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "run-42", 4242)
        .clock(EngineClock::backtest(start))
        .config(LoggerConfig::default().batch_events(7))
        .build()
        .unwrap();
    assert_eq!(logger.correlation_id(), "run-42");
    assert_eq!(logger.pid(), 4242);
    assert!(logger.clock().is_backtest());
    assert_eq!(logger.clock().now(), start);
    assert_eq!(logger.config().get_batch_events(), 7);
    assert_eq!(logger.events_dir(), dir.path().join("events"));
    let debug = format!("{logger:?}");
    assert!(
        debug.contains("run-42") && debug.contains("4242"),
        "{debug}"
    );
    for retry in 0..3 {
        logger
            .emit(tight_loop(format!("op{retry}"), retry))
            .unwrap();
    }
    logger.emit(PositionSnapshot::example().unwrap()).unwrap();
    let written = logger.shutdown().unwrap().written_per_file();
    assert_eq!(written["tight_loop.jsonl"], 3);
    assert_eq!(written["positions.jsonl"], 1);
    assert_eq!(written.values().sum::<u64>(), 4, "{written:?}");
}

#[test]
fn test_emit_after_shutdown_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    logger.emit(tight_loop("before".to_owned(), 0)).unwrap();
    let report = logger.shutdown().unwrap();
    assert_eq!(report.files["tight_loop.jsonl"].written, 1);
    let err = logger.emit(tight_loop("after".to_owned(), 1)).unwrap_err();
    assert!(matches!(err, LogError::Shutdown), "{err}");
    assert_eq!(logger.report().errors.get(ErrorKind::Shutdown), 1);
    assert_eq!(lines(&dir.path().join("events/tight_loop.jsonl")).len(), 1);
    // A second shutdown is harmless.
    logger.shutdown().unwrap();
}

#[test]
fn test_shutdown_while_threads_emit_loses_nothing_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    let accepted: Vec<u64> = thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|t| {
                let logger = logger.clone();
                scope.spawn(move || {
                    let mut ok = 0u64;
                    for i in 0.. {
                        match logger.emit(tight_loop(format!("t{t}"), i)) {
                            Ok(()) => ok += 1,
                            Err(LogError::Shutdown) => break,
                            Err(err) => panic!("{err}"),
                        }
                    }
                    ok
                })
            })
            .collect();
        // Let them get going, then shut down under them.
        let path = dir.path().join("events/tight_loop.jsonl");
        assert!(within(Duration::from_secs(10), || {
            fs::metadata(&path).unwrap().len() > 0
        }));
        logger.shutdown().unwrap();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let written = records::<TightLoopExecutionEvent>(&dir.path().join("events")).len();
    assert_eq!(written as u64, accepted.iter().sum::<u64>());
}

#[test]
fn test_flush_racing_shutdown_returns() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        for t in 0..2 {
            let logger = logger.clone();
            let stop = &stop;
            scope.spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let _ = logger.emit(tight_loop(format!("t{t}"), i));
                    // Either flushed, or refused after shutdown; never stuck.
                    let _ = logger.flush();
                    i += 1;
                }
            });
        }
        thread::sleep(Duration::from_millis(20));
        logger.shutdown().unwrap();
        stop.store(true, Ordering::SeqCst);
    });
    assert!(logger.flush().is_ok());
}

#[test]
fn test_non_finite_floats_are_refused_and_the_rest_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    let good = PositionSnapshot::example().unwrap();
    let mut bad = good.clone();
    bad.positions
        .insert("aave:aToken:aUSDT".to_owned(), f64::NAN);
    let mut infinite = good.clone();
    infinite.total_value_usd = f64::INFINITY;

    logger.emit(good.clone()).unwrap();
    let err = logger.emit(bad).unwrap_err();
    match &err {
        LogError::NonFinite {
            event,
            field,
            value,
        } => {
            assert_eq!(*event, "PositionSnapshot");
            assert_eq!(field, "positions.aave:aToken:aUSDT");
            assert!(value.is_nan());
        }
        other => panic!("unexpected {other}"),
    }
    assert!(
        err.to_string().contains("positions.aave:aToken:aUSDT"),
        "{err}"
    );
    let err = logger.emit(infinite).unwrap_err();
    assert!(matches!(err, LogError::NonFinite { ref field, .. } if field == "total_value_usd"));
    logger.emit(good.clone()).unwrap();
    logger.flush().unwrap();

    let text = lines(&dir.path().join("events/positions.jsonl"));
    assert_eq!(text.len(), 2);
    assert!(text.iter().all(|line| !line.contains("null")));
    assert_eq!(logger.report().errors.get(ErrorKind::NonFinite), 2);
}

#[test]
fn test_a_symlink_planted_in_place_of_a_log_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    fs::create_dir_all(&events).unwrap();
    let target = dir.path().join("elsewhere.txt");
    fs::write(&target, "untouched").unwrap();
    std::os::unix::fs::symlink(&target, events.join("positions.jsonl")).unwrap();
    let err = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap_err();
    assert!(matches!(err, LogError::Symlink { .. }), "{err}");
    assert!(err.to_string().contains("positions.jsonl"), "{err}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "untouched");
}

#[test]
fn test_a_symlink_planted_at_rotation_is_refused_without_writing_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().batch_events(1))
        .build()
        .unwrap();
    logger.emit(tight_loop("a".to_owned(), 0)).unwrap();
    logger.flush().unwrap();
    // Replace the active file with a link to somewhere else.
    let path = dir.path().join("events/tight_loop.jsonl");
    let target = dir.path().join("elsewhere.txt");
    fs::write(&target, "untouched").unwrap();
    fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&target, &path).unwrap();
    logger.emit(tight_loop("b".to_owned(), 1)).unwrap();
    let err = logger.flush().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Symlink, "{err}");
    assert_eq!(err.lost_events(), 1);
    assert_eq!(fs::read_to_string(&target).unwrap(), "untouched");
}

/// Opens every log file on `/dev/full` while `full` is set.
fn dev_full_opener(full: Arc<AtomicBool>) -> basis_events::FileOpener {
    Arc::new(move |path: &Path| {
        if full.load(Ordering::SeqCst) {
            OpenOptions::new().write(true).open("/dev/full")
        } else {
            basis_events::open_log_file(path)
        }
    })
}

#[test]
fn test_a_full_disk_is_an_error_and_writing_resumes_when_space_is_back() {
    let dir = tempfile::tempdir().unwrap();
    // Every file starts out on /dev/full, where each write fails with ENOSPC.
    let full = Arc::new(AtomicBool::new(true));
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().file_opener(dev_full_opener(full.clone())))
        .build()
        .unwrap();
    logger.emit(tight_loop("lost".to_owned(), 0)).unwrap();
    logger.emit(tight_loop("lost".to_owned(), 1)).unwrap();
    let err = logger.flush().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StorageFull, "{err}");
    assert_eq!(err.lost_events(), 2);
    assert!(err.to_string().contains("2 buffered event(s)"), "{err}");

    // Space is back: the writer reopens the file, and later events are
    // written; nothing partial is left behind.
    full.store(false, Ordering::SeqCst);
    logger.emit(tight_loop("after".to_owned(), 2)).unwrap();
    logger.flush().unwrap();
    let text = lines(&dir.path().join("events/tight_loop.jsonl"));
    assert_eq!(text.len(), 1);
    assert!(text[0].contains("\"after\""));
    let report = logger.shutdown().unwrap();
    assert_eq!(report.files["tight_loop.jsonl"].lost, 2);
    assert_eq!(report.files["tight_loop.jsonl"].written, 1);
    assert_eq!(report.errors.get(ErrorKind::StorageFull), 1);
}

#[test]
fn test_a_removed_run_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let logger = DomainEventLogger::new(&run, "abc123", 1).unwrap();
    logger.emit(tight_loop("a".to_owned(), 0)).unwrap();
    logger.flush().unwrap();
    fs::remove_dir_all(&run).unwrap();
    logger.emit(tight_loop("b".to_owned(), 1)).unwrap();
    let err = logger.flush().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.lost_events(), 1);
    assert!(err.to_string().contains("tight_loop.jsonl"), "{err}");
    // The logger still works as a value; shutdown reports the same loss.
    let _ = logger.shutdown();
}

#[test]
fn test_a_panicking_thread_flushes_its_logger_on_unwind() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().to_owned();
    let result = thread::spawn(move || {
        let logger = DomainEventLogger::new(&path, "abc123", 1).unwrap();
        logger
            .emit(tight_loop("before_panic".to_owned(), 0))
            .unwrap();
        panic!("engine failure");
    })
    .join();
    assert!(result.is_err());
    let text = lines(&dir.path().join("events/tight_loop.jsonl"));
    assert_eq!(text.len(), 1);
    assert!(text[0].contains("before_panic"));
}

#[test]
fn test_a_slow_writer_makes_callers_wait_and_drops_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A tiny memory bound forces callers to wait for the writer constantly.
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().max_buffered_bytes(2048))
        .build()
        .unwrap();
    thread::scope(|scope| {
        for t in 0..2 {
            let logger = logger.clone();
            scope.spawn(move || {
                for i in 0..3_000 {
                    logger.emit(tight_loop(format!("t{t}"), i)).unwrap();
                }
            });
        }
    });
    logger.shutdown().unwrap();
    assert_eq!(
        records::<TightLoopExecutionEvent>(&dir.path().join("events")).len(),
        6_000
    );
}
