//! An engine event without fields (a heartbeat) is a line of the envelope
//! alone, valid JSON that reads back. The catalog has no such event, so it
//! is declared here, in a test binary of its own (it registers an event).
//!
//! Mutant seen to fail: `merge_object` (`events/src/runtime/logger/mod.rs`)
//! not cutting the empty payload's `{}` back (`line.truncate(start)`
//! removed in its first arm), which writes `…"seq":1{}}`.

use basis_events::DomainEventLogger;
use basis_events::prelude::*;
use basis_events::reader::Run;

/// The engine's pulse: only its time matters.
#[domain_event(file = "heartbeats.jsonl", logged_by = HealthMonitor)]
pub struct Heartbeat {}

#[test]
fn an_event_without_fields_is_the_envelope_alone_and_reads_back() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("beat").join("7");
    let logger = DomainEventLogger::new(&dir, "beat", 7).unwrap();
    logger.emit(Heartbeat {}).unwrap();
    logger.emit(Heartbeat {}).unwrap();
    logger.shutdown().unwrap();
    let text = std::fs::read_to_string(dir.join("events/heartbeats.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (i, line) in lines.iter().enumerate() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|err| panic!("{line}: {err}"));
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["timestamp", "real_utc_time", "correlation_id", "pid", "seq"],
            "{line}"
        );
        assert_eq!(value["seq"], i as u64 + 1);
    }
    let run = Run::open(&root.path().join("beat")).unwrap();
    let read: Vec<_> = run.events::<Heartbeat>().collect::<Result<_, _>>().unwrap();
    assert_eq!(read.len(), 2);
}
