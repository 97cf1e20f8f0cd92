//! The atomic-group guard and the tight-loop timer.

use std::path::Path;
use std::thread;
use std::time::Duration;

use basis_events::catalog::{AtomicOperationGroupEvent, OperationType, TightLoopExecutionEvent};
use basis_events::read::read_all;
use basis_events::{DomainEvent, DomainEventLogger, EventRecord};

fn records<E: DomainEvent>(events_dir: &Path) -> Vec<E> {
    read_all(events_dir, E::FILE)
        .unwrap()
        .into_iter()
        .map(|(_, line)| {
            serde_json::from_slice::<EventRecord<E>>(&line.bytes)
                .unwrap()
                .event
        })
        .collect()
}

#[test]
fn test_a_committed_group_is_logged_as_succeeded() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    let mut group = logger.atomic_group();
    let id = group.id().to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    let supply = group.next_operation_id();
    assert_eq!(supply, format!("{id}_1"));
    group.record(supply, OperationType::Supply);
    let borrow = group.next_operation_id();
    group.record(borrow, OperationType::Borrow);
    group.commit().unwrap();
    logger.flush().unwrap();

    let events = records::<AtomicOperationGroupEvent>(&dir.path().join("events"));
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.atomic_group_id, id);
    assert_eq!(event.operation_ids, [format!("{id}_1"), format!("{id}_2")]);
    assert_eq!(
        event.operation_types,
        [OperationType::Supply, OperationType::Borrow]
    );
    assert!(event.all_succeeded);
    assert!(!event.rollback_occurred);
    assert!(event.total_duration_ms >= 0.0);
}

fn failing_step(logger: &DomainEventLogger) -> Result<(), &'static str> {
    let mut group = logger.atomic_group_with_id("group_001");
    group.record("supply_001", OperationType::Supply);
    Err("venue rejected the borrow")?;
    group.commit().map_err(|_| "log")
}

#[test]
fn test_a_group_dropped_without_commit_is_logged_as_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();
    assert!(failing_step(&logger).is_err());
    let mut explicit = logger.atomic_group_with_id("group_002");
    explicit.record("swap_001", OperationType::Swap);
    explicit.rollback().unwrap();
    logger.flush().unwrap();

    let events = records::<AtomicOperationGroupEvent>(&dir.path().join("events"));
    assert_eq!(events.len(), 2);
    for (event, id) in events.iter().zip(["group_001", "group_002"]) {
        assert_eq!(event.atomic_group_id, id);
        assert!(!event.all_succeeded);
        assert!(event.rollback_occurred);
    }
    assert_eq!(events[0].operation_ids, ["supply_001"]);
}

#[test]
fn test_the_tight_loop_timer_emits_measured_durations() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap();

    let mut cycle = logger.tight_loop("supply_001");
    thread::sleep(Duration::from_millis(2));
    cycle.execution_done(false);
    cycle.retry();
    thread::sleep(Duration::from_millis(2));
    cycle.execution_done(true);
    thread::sleep(Duration::from_millis(1));
    cycle.reconciliation_done(true);
    cycle.finish().unwrap();

    // Dropped half-way: what was measured is still logged.
    let mut cut = logger.tight_loop("borrow_001");
    cut.execution_done(true);
    drop(cut);
    logger.flush().unwrap();

    let events = records::<TightLoopExecutionEvent>(&dir.path().join("events"));
    assert_eq!(events.len(), 2);
    let done = &events[0];
    assert_eq!(done.operation_id, "supply_001");
    assert_eq!(done.retry_count, 1);
    assert!(done.execution_success && done.reconciliation_success);
    // Sleeps give lower bounds; the total covers both attempts.
    assert!(done.execution_duration_ms >= 2.0, "{done:?}");
    assert!(done.reconciliation_duration_ms >= 1.0, "{done:?}");
    assert!(
        done.total_duration_ms
            >= done.execution_duration_ms + done.reconciliation_duration_ms + 2.0,
        "{done:?}"
    );
    let cut = &events[1];
    assert_eq!(cut.operation_id, "borrow_001");
    assert!(cut.execution_success);
    assert!(!cut.reconciliation_success);
    assert_eq!(cut.reconciliation_duration_ms, 0.0);
}
