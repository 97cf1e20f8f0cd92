//! Shutdown while other threads still emit: each event is either written or
//! its `emit` returned an error, never both, never neither, in every
//! durability mode and at random moments.
//!
//! Mutant seen to fail: `Writer::enqueue_msg`
//! (`events/src/runtime/logger/writer.rs`) no longer refusing a line once
//! the writer is closed: the buffered and durable tests then hang waiting
//! for lines no writer will take (a timeout, as `cargo mutants` counts it).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use basis_events::{DomainEventLogger, Durability, LogError, LoggerConfig};
use basis_reliability::{Rng, Templates, long_tests, read_back, tag};

const THREADS: u32 = 6;

fn race(durability: Durability, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "race", 1)
        .config(
            LoggerConfig::default()
                .durability(durability)
                .max_file_bytes(64 << 10),
        )
        .build()
        .unwrap();
    let templates = Templates::new();
    let mut rng = Rng::new(seed);
    let delay = Duration::from_micros(rng.range(0..30_000));
    let started = AtomicBool::new(false);
    let (accepted, refused) = thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|stream| {
                let logger = logger.clone();
                let templates = &templates;
                let started = &started;
                scope.spawn(move || {
                    let mut accepted = Vec::new();
                    let mut refused = Vec::new();
                    for seq in 0.. {
                        match templates.emit(&logger, stream, seq) {
                            Ok(()) => accepted.push(tag(stream, seq)),
                            Err(LogError::Shutdown) => {
                                refused.push(tag(stream, seq));
                                // A few more after the first refusal: all refused.
                                if refused.len() >= 3 {
                                    break;
                                }
                            }
                            Err(err) => panic!("unexpected error: {err}"),
                        }
                        started.store(true, Ordering::Relaxed);
                    }
                    (accepted, refused)
                })
            })
            .collect();
        while !started.load(Ordering::Relaxed) {
            thread::yield_now();
        }
        thread::sleep(delay);
        // Another thread flushes while the shutdown happens.
        let flusher = logger.clone();
        let flushing = scope.spawn(move || {
            for _ in 0..20 {
                match flusher.flush() {
                    Ok(()) | Err(LogError::Shutdown) => {}
                    Err(err) => panic!("flush: {err}"),
                }
            }
        });
        logger.shutdown().unwrap();
        flushing.join().unwrap();
        let mut accepted = BTreeSet::new();
        let mut refused = BTreeSet::new();
        for handle in handles {
            let (a, r) = handle.join().unwrap();
            accepted.extend(a);
            refused.extend(r);
        }
        (accepted, refused)
    });
    let back = read_back(&dir.path().join("events"));
    assert!(back.bad.is_empty() && back.torn.is_empty(), "{back:?}");
    let written: BTreeSet<String> = back.all_tags().cloned().collect();
    assert_eq!(written.len(), back.len(), "an event was written twice");
    let missing: Vec<_> = accepted.difference(&written).take(5).collect();
    assert!(
        missing.is_empty(),
        "{durability:?} seed {seed}: emit returned Ok but not written: {missing:?}"
    );
    let extra: Vec<_> = written.difference(&accepted).take(5).collect();
    assert!(
        extra.is_empty(),
        "{durability:?} seed {seed}: written but emit returned an error: {extra:?}"
    );
    assert!(refused.is_disjoint(&written));
    assert_eq!(
        logger
            .report()
            .files
            .values()
            .map(|c| c.written)
            .sum::<u64>(),
        accepted.len() as u64
    );
}

fn seeds() -> u64 {
    if long_tests() { 100 } else { 8 }
}

#[test]
fn buffered_each_event_is_written_or_refused_when_shutdown_races_emitters() {
    for seed in 0..seeds() {
        race(Durability::Buffered, seed);
    }
}

#[test]
fn line_each_event_is_written_or_refused_when_shutdown_races_emitters() {
    for seed in 0..seeds() {
        race(Durability::Line, seed);
    }
}

#[test]
fn durable_each_event_is_written_or_refused_when_shutdown_races_emitters() {
    for seed in 0..seeds() {
        race(Durability::Durable, seed);
    }
}
