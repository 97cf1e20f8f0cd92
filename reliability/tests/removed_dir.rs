//! The run directory removed under a running logger: a clear error (kind
//! `NotFound`, naming the file), no panic, no hang, and every event is
//! accounted for (written before the removal, or lost and reported).
//!
//! Mutant seen to fail: the lost-event count in `Writer::drain_locked`
//! (`events/src/runtime/logger/writer.rs`, `slot.lost.fetch_add` removed)
//! fails the buffered and durable tests (written + lost != accepted).

use std::fs;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use basis_events::{DomainEventLogger, Durability, ErrorKind, LogError, LoggerConfig};
use basis_reliability::Templates;

fn removed_under_load(durability: Durability) {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("run");
    let logger = DomainEventLogger::builder(&run, "gone", 1)
        .config(
            LoggerConfig::default()
                .durability(durability)
                .batch_events(10),
        )
        .build()
        .unwrap();
    let templates = Templates::new();
    let accepted = AtomicU64::new(0);
    let errors = parking_errors();
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for stream in 0..3 {
            let logger = logger.clone();
            let (templates, accepted, errors) = (&templates, &accepted, &errors);
            handles.push(scope.spawn(move || {
                for seq in 0..3_000 {
                    match templates.emit(&logger, stream, seq) {
                        Ok(()) => {
                            accepted.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(err) => errors.lock().unwrap().push(err),
                    }
                    if seq % 100 == 99
                        && let Err(err) = logger.flush()
                    {
                        errors.lock().unwrap().push(err);
                    }
                }
            }));
        }
        // Remove the whole run directory while they emit.
        while accepted.load(Ordering::Relaxed) < 500 {
            thread::yield_now();
        }
        // The logger recreates a file removed while open (it was replaced,
        // as far as it knows) as long as its directory exists, so removing
        // the tree can race with it; retry until the directory is gone.
        while run.exists() {
            match fs::remove_dir_all(&run) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::DirectoryNotEmpty => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => panic!("cannot remove the run directory: {err}"),
            }
        }
        for handle in handles {
            handle.join().expect("an emitting thread panicked");
        }
    });
    let last = logger.flush();
    let shutdown = logger.shutdown();
    let mut errors = errors.into_inner().unwrap();
    errors.extend(last.err());
    if let Err(err) = shutdown {
        errors.push(err);
    }
    assert!(!errors.is_empty(), "{durability:?}: no error at all");
    for err in &errors {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{durability:?}: {err}");
        let text = err.to_string();
        assert!(
            text.contains("run/events/") && text.contains(".jsonl"),
            "{durability:?}: the error does not name the file: {text}"
        );
        assert!(
            text.contains("No such file or directory"),
            "{durability:?}: the error does not say why: {text}"
        );
    }
    // Every accepted event was written (before the removal) or lost.
    let report = logger.report();
    let written: u64 = report.files.values().map(|c| c.written).sum();
    let lost: u64 = report.files.values().map(|c| c.lost).sum();
    assert_eq!(
        written + lost,
        accepted.load(Ordering::Relaxed),
        "{durability:?}: {report:?}"
    );
    if durability == Durability::Line {
        // Line mode writes in `emit`: the caller got the error, nothing
        // accepted was lost.
        assert_eq!(lost, 0);
        assert!(errors.iter().any(|e| e.lost_events() == 0));
    } else {
        assert!(lost > 0, "{durability:?}");
    }
    assert!(
        !run.exists(),
        "the logger recreated the removed run directory"
    );
}

type Errors = std::sync::Mutex<Vec<LogError>>;

fn parking_errors() -> Errors {
    std::sync::Mutex::new(Vec::new())
}

#[test]
fn buffered_a_removed_run_directory_is_a_clear_error_and_no_panic() {
    removed_under_load(Durability::Buffered);
}

#[test]
fn line_a_removed_run_directory_is_a_clear_error_and_no_panic() {
    removed_under_load(Durability::Line);
}

#[test]
fn durable_a_removed_run_directory_is_a_clear_error_and_no_panic() {
    removed_under_load(Durability::Durable);
}
