//! Any string in any event of the catalog, written by the logger itself,
//! stays one line and reads back exactly: quotes, backslashes, newlines,
//! `\r`, U+2028/U+2029, NUL and other control characters, escape sequences,
//! a BOM, and characters of every Unicode plane, in every string the typed
//! event takes at any depth (nested structs, `Vec<String>`, map values,
//! `metadata` entries nested in maps and lists), every free-form map key and
//! the correlation id.
//!
//! `tests/string_round_trip.rs` (basis-tests) proves this for serde_json
//! alone; this goes through `DomainEventLogger::emit` (both the queued path
//! of buffered mode and the direct path of line mode) and reads the bytes
//! back from the file. 64 cases per event type, 1024 with `BASIS_LONG_TESTS`.
//!
//! Mutant seen to fail (every event's test): `write_json_string` in
//! `events/src/runtime/logger/mod.rs`, which writes the run-wide envelope
//! strings, writing the text between quotes unescaped.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use basis_events::catalog::*;
use basis_events::{DomainEvent, DomainEventLogger, Durability, EventRecord, LoggerConfig};
use basis_reliability::long_tests;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

/// Strings that broke line-oriented logs before, mixed with arbitrary ones
/// (the strategy of `tests/string_round_trip.rs`, plus a character from each
/// plane that has assigned characters).
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![
                Just("\"".to_owned()),
                Just("\\".to_owned()),
                Just("\\u0000".to_owned()),
                Just("\n".to_owned()),
                Just("\r\n".to_owned()),
                Just("\r".to_owned()),
                Just("\u{2028}".to_owned()),
                Just("\u{2029}".to_owned()),
                Just("\u{0}".to_owned()),
                Just("\u{1b}[31m".to_owned()),
                Just("\u{7f}".to_owned()),
                Just("\u{85}".to_owned()),
                Just("\u{feff}".to_owned()),
                Just("\u{fffd}".to_owned()),
                Just("\u{1F600}".to_owned()),
                Just("\u{20000}".to_owned()),
                Just("\u{30000}".to_owned()),
                Just("\u{E0001}".to_owned()),
                Just("\u{F0000}".to_owned()),
                Just("\u{10FFFF}".to_owned()),
                Just("\"status\":\"failed\"".to_owned()),
                Just("}\n{".to_owned()),
                any::<char>().prop_map(String::from),
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// One step from a JSON value to a value inside it.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |value, step| match step {
        Step::Key(key) => value.get_mut(key.as_str()),
        Step::Index(index) => value.get_mut(*index),
    })
}

/// Every string value's path, and every object's path with its keys, at
/// every depth.
fn walk(
    value: &Value,
    path: &mut Vec<Step>,
    strings: &mut Vec<Vec<Step>>,
    objects: &mut Vec<(Vec<Step>, Vec<String>)>,
) {
    match value {
        Value::String(_) => strings.push(path.clone()),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(Step::Index(index));
                walk(item, path, strings, objects);
                path.pop();
            }
        }
        Value::Object(map) => {
            objects.push((path.clone(), map.keys().cloned().collect()));
            for (key, item) in map {
                path.push(Step::Key(key.clone()));
                walk(item, path, strings, objects);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Whether `candidate` is what the typed event `E` reads and writes back
/// exactly: a string in an enum or a timestamp, or a struct's field renamed,
/// is not.
fn typed_as<E: DomainEvent>(candidate: &Value) -> bool {
    serde_json::from_value::<E>(candidate.clone())
        .ok()
        .and_then(|event| serde_json::to_value(event).ok())
        .is_some_and(|back| back == *candidate)
}

/// Puts `strings` into every string the typed event takes at any depth
/// (free-text fields of nested structs, `Vec<String>` items, map values,
/// `metadata` entries nested in maps and lists) and into every free-form
/// map key. `metadata` first gets nested entries of its own, so every event
/// that has it carries strings three levels down. Returns the paths of the
/// string values replaced.
fn fill_everywhere<E: DomainEvent>(payload: &mut Value, strings: &[String]) -> Vec<Vec<Step>> {
    if let Some(Value::Object(metadata)) = payload.get_mut("metadata") {
        metadata.insert("note".to_owned(), Value::from("n"));
        metadata.insert(
            "nested".to_owned(),
            serde_json::json!({"list": ["a", "b"], "map": {"k": "v"}}),
        );
    }
    let mut next = strings.iter().cycle();
    let (mut string_paths, mut objects) = (Vec::new(), Vec::new());
    walk(payload, &mut Vec::new(), &mut string_paths, &mut objects);
    let mut replaced = Vec::new();
    for path in string_paths {
        let mut candidate = payload.clone();
        if let Some(slot) = at(&mut candidate, &path) {
            *slot = Value::from(next.next().unwrap().clone());
        }
        if typed_as::<E>(&candidate) {
            *payload = candidate;
            replaced.push(path);
        }
    }
    // Deepest objects first: renaming a key moves what is under it.
    objects.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
    for (path, keys) in objects {
        for (index, key) in keys.into_iter().enumerate() {
            let mut candidate = payload.clone();
            if let Some(Value::Object(map)) = at(&mut candidate, &path)
                && let Some(value) = map.remove(&key)
            {
                map.insert(format!("{index}{}", next.next().unwrap()), value);
            }
            if typed_as::<E>(&candidate) {
                *payload = candidate;
            }
        }
    }
    replaced
}

/// The correlation id of every logger here: every troublesome character.
const CORRELATION_ID: &str = "c\"\\\n\r\u{2028}\u{0}\u{1b}\u{10FFFF}😀";

/// A logger and where its file's unread bytes start.
struct Reader {
    logger: DomainEventLogger,
    path: std::path::PathBuf,
    offset: u64,
}

impl Reader {
    fn new<E: DomainEvent>(dir: &Path, durability: Durability) -> Reader {
        let logger = DomainEventLogger::builder(dir, CORRELATION_ID, 7)
            .config(LoggerConfig::default().durability(durability))
            .build()
            .unwrap();
        Reader {
            path: dir.join("events").join(E::FILE),
            logger,
            offset: 0,
        }
    }

    /// Emits `event` and returns the bytes it added to the file.
    fn write<E: DomainEvent>(&mut self, event: E) -> Vec<u8> {
        self.logger.emit(event).unwrap();
        self.logger.flush().unwrap();
        let mut file = fs::File::open(&self.path).unwrap();
        file.seek(SeekFrom::Start(self.offset)).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        self.offset += bytes.len() as u64;
        bytes
    }
}

fn round_trip<E: DomainEvent>(
    readers: &mut [Reader],
    strings: &[String],
) -> Result<(), TestCaseError> {
    let info = basis_events::event_named(E::NAME).unwrap();
    let mut payload = serde_json::to_value(E::example().unwrap()).unwrap();
    let replaced = fill_everywhere::<E>(&mut payload, strings);
    prop_assert!(
        !replaced.is_empty(),
        "no string of {} could be filled",
        E::NAME
    );
    if payload.get("metadata").is_some() {
        // Three levels down: metadata.nested.list[0] and metadata.nested.map.k.
        let deep = replaced
            .iter()
            .filter(|path| matches!(path.first(), Some(Step::Key(key)) if key == "metadata"))
            .filter(|path| path.len() == 4)
            .count();
        prop_assert_eq!(
            deep,
            3,
            "{}: metadata's nested strings were not all filled",
            E::NAME
        );
    }
    let event: E = serde_json::from_value(payload).unwrap();
    for reader in readers {
        let bytes = reader.write(event.clone());
        prop_assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), 1);
        prop_assert_eq!(bytes.last(), Some(&b'\n'));
        prop_assert!(
            !bytes.contains(&b'\r'),
            "a raw CR in {:?}",
            String::from_utf8_lossy(&bytes)
        );
        let text = std::str::from_utf8(&bytes[..bytes.len() - 1]).unwrap();
        info.parse_line(text)
            .map_err(|err| TestCaseError::fail(format!("{err}: {text}")))?;
        let back: EventRecord<E> = serde_json::from_str(text).unwrap();
        prop_assert_eq!(&back.event, &event);
        prop_assert_eq!(back.envelope.correlation_id.as_str(), CORRELATION_ID);
        prop_assert_eq!(back.envelope.pid, 7);
    }
    Ok(())
}

fn check<E: DomainEvent>() {
    let cases = if long_tests() { 1024 } else { 64 };
    let dir = tempfile::tempdir().unwrap();
    let readers = std::cell::RefCell::new([
        Reader::new::<E>(&dir.path().join("buffered"), Durability::Buffered),
        Reader::new::<E>(&dir.path().join("line"), Durability::Line),
    ]);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(nasty_string(), 1..6), |strings| {
            round_trip::<E>(&mut *readers.borrow_mut(), &strings)
        })
        .unwrap_or_else(|err| panic!("{}: {err}", E::NAME));
}

macro_rules! every_event {
    ($($test:ident: $event:ty,)*) => {
        $(
            #[test]
            fn $test() {
                check::<$event>();
            }
        )*

        #[test]
        fn every_catalog_event_is_covered() {
            let covered = [$(<$event as DomainEvent>::NAME),*];
            assert_eq!(covered, GUIDE_EVENTS);
        }
    };
}

every_event! {
    position_snapshot: PositionSnapshot,
    operation_execution_event: OperationExecutionEvent,
    tight_loop_execution_event: TightLoopExecutionEvent,
    exposure_snapshot: ExposureSnapshot,
    risk_assessment: RiskAssessment,
    pnl_calculation: PnLCalculation,
    strategy_decision: StrategyDecision,
    atomic_operation_group_event: AtomicOperationGroupEvent,
    reconciliation_event: ReconciliationEvent,
    execution_delta_event: ExecutionDeltaEvent,
    health_status_event: HealthStatusEvent,
    system_error_event: SystemErrorEvent,
}
