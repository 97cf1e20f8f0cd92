//! The batch trigger on its own: a file's batch is written when it holds
//! `batch_events` events, with no timer and no flush to help.
//!
//! A test binary of its own, whose tests never flush: no other test of the
//! process can write these loggers' batches through `flush_live_loggers` or
//! the panic hook, which let a mutant ignoring `batch_events` pass before.

use std::time::{Duration, Instant};

use basis_events::catalog::TightLoopExecutionEvent;
use basis_events::read::read_all;
use basis_events::structured::{ComponentLogs, Fields};
use basis_events::{Component, DomainEvent, DomainEventLogger, LoggerConfig};

fn lines(logger: &DomainEventLogger) -> usize {
    read_all(logger.events_dir(), TightLoopExecutionEvent::FILE)
        .unwrap()
        .len()
}

/// With a one-hour flush interval, 1 050 events make 10 full batches of 100:
/// exactly 1 000 lines are written within 2 s (no timer could have written
/// them), and the open batch of 50 waits for `shutdown`.
///
/// Mutant caught (applied): `Pending::push` closing a batch only at 1 MiB,
/// never at `batch_events` (nothing is written before shutdown).
#[test]
fn a_full_batch_is_written_without_a_timer_or_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    // A queue of one: every push wakes the writer thread, so all 1 050
    // events reach their batches whatever the scheduling (a longer queue
    // wakes it only once 512 wait, which could leave the last ones queued).
    let config = LoggerConfig::default()
        .batch_events(100)
        .queue_events(1)
        .flush_interval(Duration::from_secs(3600));
    let logger = DomainEventLogger::builder(dir.path(), "batch", 1)
        .config(config)
        .build()
        .unwrap();
    let event = TightLoopExecutionEvent::example().unwrap();
    for _ in 0..1_050 {
        logger.emit(event.clone()).unwrap();
    }
    let start = Instant::now();
    while lines(&logger) < 1_000 && start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(lines(&logger), 1_000, "after {:?}", start.elapsed());
    // The open batch is not written early either.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(lines(&logger), 1_000);
    logger.shutdown().unwrap();
    assert_eq!(lines(&logger), 1_050);
}

/// The same for a component's `.log` file, whose lines the caller
/// serializes into the file's batch itself: the caller that fills a batch
/// wakes the writer thread, which writes it at once.
///
/// Mutant seen to fail: `Queue::wake` as `()`
/// (`events/src/runtime/logger/queue.rs`; the batches then wait for the
/// half-hour timer), missed by `cargo mutants` before this test.
#[test]
fn a_full_batch_of_component_log_lines_is_written_without_a_timer_or_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    let config = LoggerConfig::default()
        .batch_events(100)
        .flush_interval(Duration::from_secs(3600));
    let logs = ComponentLogs::builder(dir.path(), "batch", 1)
        .config(config)
        .build()
        .unwrap();
    let logger = logs.logger(Component::PositionMonitor).unwrap();
    for i in 0..1_050 {
        logger.info("Position updated", Fields::new().with("i", i));
    }
    let path = dir.path().join("position_monitor.log");
    let lines = || {
        std::fs::read_to_string(&path)
            .map(|text| text.lines().count())
            .unwrap_or(0)
    };
    let start = Instant::now();
    while lines() < 1_000 && start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(lines(), 1_000, "after {:?}", start.elapsed());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(lines(), 1_000);
    logs.shutdown().unwrap();
    assert_eq!(lines(), 1_050);
}

/// A caller over the buffered-bytes limit waits for the writer thread, not
/// for the timer: it seals the batch being filled, so the writer takes it
/// at once. Here 400 component lines of about 200 bytes go through a 4 KiB
/// limit, with batches of 1 000 and an hour's timer, within 10 s.
///
/// Mutants seen to fail: `Pending::seal` as `()`, and its
/// `current_events > 0` as `==` or `<` (`events/src/runtime/logger/buffer.rs`;
/// the caller then waits for the half-hour timer).
#[test]
fn a_caller_over_the_byte_limit_waits_for_the_writer_not_the_timer() {
    let dir = tempfile::tempdir().unwrap();
    let config = LoggerConfig::default()
        .batch_events(1_000)
        .max_buffered_bytes(4096)
        .flush_interval(Duration::from_secs(3600));
    let logs = ComponentLogs::builder(dir.path(), "bytes", 1)
        .config(config)
        .build()
        .unwrap();
    let logger = logs.logger(Component::PositionMonitor).unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for i in 0..400 {
            logger.info("Position updated", Fields::new().with("i", i));
        }
        let _ = done.send(());
    });
    assert!(
        finished.recv_timeout(Duration::from_secs(10)).is_ok(),
        "400 lines over a 4 KiB limit did not get through in 10 s"
    );
    logs.shutdown().unwrap();
    let text = std::fs::read_to_string(dir.path().join("position_monitor.log")).unwrap();
    assert_eq!(text.lines().count(), 400);
}
