//! `flush_live_loggers`, alone in its binary: it writes every live logger of
//! the process, which would write other tests' batches for them (a mutant
//! ignoring `batch_events` passed that way).

use std::path::Path;

use basis_events::catalog::TightLoopExecutionEvent;
use basis_events::read::LineReader;
use basis_events::{DomainEvent, DomainEventLogger};

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
fn test_flush_live_loggers_writes_every_live_logger() {
    let dir = tempfile::tempdir().unwrap();
    let first = DomainEventLogger::new(dir.path().join("one"), "one", 1).unwrap();
    let second = DomainEventLogger::new(dir.path().join("two"), "two", 2).unwrap();
    first.emit(tight_loop("a".to_owned(), 0)).unwrap();
    second.emit(tight_loop("b".to_owned(), 0)).unwrap();
    basis_events::flush_live_loggers();
    assert_eq!(
        lines(&dir.path().join("one/events/tight_loop.jsonl")).len(),
        1
    );
    assert_eq!(
        lines(&dir.path().join("two/events/tight_loop.jsonl")).len(),
        1
    );
}
