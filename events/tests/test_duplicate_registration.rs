//! The start-up check: a logger refuses to start when two registered events
//! claim one file (their lines would be mixed and unreadable).
//!
//! Its own test binary, since the duplicate registration is global to it.

use basis_events::prelude::*;
use basis_events::{DomainEventLogger, LogError};

/// Claims the file of the catalog's `PositionSnapshot`.
#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
pub struct ShadowPositions {
    pub total_value_usd: f64,
}

#[test]
fn test_a_logger_refuses_duplicate_event_files() {
    let dir = tempfile::tempdir().unwrap();
    let err = DomainEventLogger::new(dir.path(), "abc123", 1).unwrap_err();
    match &err {
        LogError::DuplicateEvent(duplicate) => {
            assert_eq!(duplicate.what, "file");
            assert_eq!(duplicate.value, "positions.jsonl");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("positions.jsonl"), "{err}");
    // Nothing was started: no event files were created.
    assert!(!dir.path().join("events/positions.jsonl").exists());
}
