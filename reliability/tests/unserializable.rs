//! An event that cannot be serialized (its `Serialize` returns an error, or
//! panics) never breaks the file or the logger: it is refused with a clear
//! error (from `emit`, or from the next `flush` when the writer thread
//! serializes it), never written as a partial line, and the events around it
//! are written, in every durability mode. A panicking `Serialize` panics in
//! the caller's `emit` (it is the caller's own code, run on its thread); the
//! logger carries on.
//!
//! The event is registered by hand, so it has a test binary of its own.
//!
//! Mutant seen to fail: `Worker::render_queued`
//! (`events/src/runtime/logger/worker.rs`) appending the line after its
//! `Serialize` failed (the `return` after `defer` removed): a partial line
//! reaches the file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use basis_events::read::read_all;
use basis_events::{DomainEvent, DomainEventLogger, Durability, ErrorKind, LoggedBy, LoggerConfig};
use serde::ser::{Error as _, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};

/// Serializes as `{"mode": …}`, unless `mode` is `error` or `panic`, or
/// `panic-on-writer` on the logger's writer thread.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Fragile {
    pub mode: String,
}

impl Serialize for Fragile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.mode.as_str() {
            "error" => Err(S::Error::custom("this event refuses to be serialized")),
            "panic" => panic!("Fragile::serialize panicked"),
            "panic-on-writer" if std::thread::current().name() == Some("basis-log-writer") => {
                panic!("Fragile::serialize panicked on the writer thread")
            }
            _ => {
                let mut state = serializer.serialize_struct("Fragile", 1)?;
                state.serialize_field("mode", &self.mode)?;
                state.end()
            }
        }
    }
}

/// Hand-written, as `#[domain_event]` would: version 1 is its own previous.
impl basis_events::upcast::Upcast for Fragile {
    const EVENT: &'static str = "Fragile";
    const AT_VERSION: u32 = 1;
    type Previous = Self;
    fn upcast(previous: Self) -> Self {
        previous
    }
}

impl DomainEvent for Fragile {
    const NAME: &'static str = "Fragile";
    const FILE: &'static str = "fragile.jsonl";
    const LOGGED_BY: LoggedBy = LoggedBy::AllComponents;
    const VERSION: u32 = 1;
}

basis_events::__private::inventory::submit! {
    basis_events::__private::EventInfo::of::<Fragile>("unserializable")
}

fn fragile(mode: &str) -> Fragile {
    Fragile {
        mode: mode.to_owned(),
    }
}

#[test]
fn an_event_that_cannot_be_serialized_is_refused_and_the_rest_is_written() {
    for durability in [Durability::Buffered, Durability::Line, Durability::Durable] {
        let dir = tempfile::tempdir().unwrap();
        let logger = DomainEventLogger::builder(dir.path(), "fragile", 1)
            .config(LoggerConfig::default().durability(durability))
            .build()
            .unwrap();
        let mut errors = Vec::new();
        let mut accepted = 0;
        for (i, mode) in ["ok-0", "error", "ok-1", "panic", "ok-2"]
            .iter()
            .enumerate()
        {
            // `emit` runs the event's Serialize on the caller's thread (to
            // refuse non-finite floats there), so a panicking Serialize is
            // the caller's own panic; the logger must survive it.
            match catch_unwind(AssertUnwindSafe(|| logger.emit(fragile(mode)))) {
                Ok(Ok(())) => accepted += 1,
                Ok(Err(err)) => errors.push(err),
                Err(_) => assert_eq!(*mode, "panic", "{durability:?}: emit panicked"),
            }
            if i % 2 == 1
                && let Err(err) = logger.flush()
            {
                errors.push(err);
            }
        }
        if let Err(err) = logger.flush() {
            errors.push(err);
        }
        let report = logger.shutdown().unwrap();

        let lines = read_all(&dir.path().join("events"), Fragile::FILE).unwrap();
        let texts: Vec<String> = lines
            .iter()
            .map(|(_, line)| {
                assert!(line.complete, "{durability:?}: a partial line");
                line.text().unwrap().to_owned()
            })
            .collect();
        assert_eq!(texts.len(), 3, "{durability:?}: {texts:?}");
        for (text, expected) in texts.iter().zip(["ok-0", "ok-1", "ok-2"]) {
            assert!(
                text.ends_with(&format!(r#""mode":"{expected}"}}"#)),
                "{text}"
            );
        }
        // The error came back, clearly, to emit or to a flush.
        let all = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            all.contains("this event refuses to be serialized"),
            "{durability:?}: {all}"
        );
        assert!(
            errors.iter().any(|e| e.kind() == ErrorKind::Serialize),
            "{durability:?}: {all}"
        );
        // Accounting: every accepted event is written or counted as lost.
        let counts = report.files[Fragile::FILE];
        assert_eq!(counts.written, 3);
        assert_eq!(
            counts.written + counts.lost,
            accepted,
            "{durability:?}: {report:?}"
        );
    }
}

/// A `Serialize` that passes on the caller's thread (`emit`'s non-finite
/// check) and panics on the writer thread: the event is lost, counted, and
/// the error names it.
///
/// Mutant caught: `Queued::name` (`events/src/runtime/logger/mod.rs`)
/// returning `""` or `"xyzzy"` (the error names no event, or another).
#[test]
fn a_serialize_that_panics_on_the_writer_thread_is_reported_with_its_event_name() {
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::builder(dir.path(), "fragile", 1)
        .config(LoggerConfig::default().durability(Durability::Buffered))
        .build()
        .unwrap();
    logger.emit(fragile("ok-0")).unwrap();
    logger.emit(fragile("panic-on-writer")).unwrap();
    logger.emit(fragile("ok-1")).unwrap();
    let error = logger.flush().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Serialize);
    assert_eq!(
        error.to_string(),
        "event `Fragile` was not written: it cannot be serialized as a JSON object: \
         its Serialize implementation panicked"
    );
    let report = logger.shutdown().unwrap();
    let counts = report.files[Fragile::FILE];
    assert_eq!((counts.written, counts.lost), (2, 1), "{report:?}");
}
