//! The batch trigger on its own: a file's batch is written when it holds
//! `batch_events` events, with no timer and no flush to help.
//!
//! A test binary of its own, with one test: no other test of the process can
//! write this logger's batches through `flush_live_loggers` or the panic
//! hook, which let a mutant ignoring `batch_events` pass before.

use std::time::{Duration, Instant};

use basis_events::catalog::TightLoopExecutionEvent;
use basis_events::read::read_all;
use basis_events::{DomainEvent, DomainEventLogger, LoggerConfig};

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
