//! The panic hook, alone in its binary: it is process-wide, and once
//! installed it flushes every live logger of the process on any panic, which
//! would write other tests' batches for them.

use std::path::Path;
use std::thread;
use std::time::Duration;

use basis_events::catalog::TightLoopExecutionEvent;
use basis_events::read::LineReader;
use basis_events::{DomainEvent, DomainEventLogger, LoggerConfig};

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
        .map(|line| line.unwrap().text().unwrap().to_owned())
        .collect()
}

#[test]
fn test_the_panic_hook_flushes_a_logger_unwinding_does_not_drop() {
    basis_events::install_panic_hook();
    let dir = tempfile::tempdir().unwrap();
    // No timer write for an hour: only the hook can write the event.
    let logger = DomainEventLogger::builder(dir.path(), "abc123", 1)
        .config(LoggerConfig::default().flush_interval(Duration::from_secs(3600)))
        .build()
        .unwrap();
    // This clone outlives the panicking thread, so unwinding drops only the
    // thread's clone, which does not flush.
    let held = logger.clone();
    let result = thread::spawn(move || {
        logger
            .emit(tight_loop("before_panic".to_owned(), 0))
            .unwrap();
        panic!("engine failure");
    })
    .join();
    assert!(result.is_err());
    let text = lines(&dir.path().join("events/tight_loop.jsonl"));
    assert_eq!(text.len(), 1);
    drop(held);
}
