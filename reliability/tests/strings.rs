//! Any string in any event of the catalog, written by the logger itself,
//! stays one line and reads back exactly: quotes, backslashes, newlines,
//! `\r`, U+2028/U+2029, NUL and other control characters, escape sequences,
//! a BOM, and characters of every Unicode plane, in free-text fields, map
//! keys and the correlation id.
//!
//! `tests/string_round_trip.rs` (basis-tests) proves this for serde_json
//! alone; this goes through `DomainEventLogger::emit` (both the queued path
//! of buffered mode and the direct path of line mode) and reads the bytes
//! back from the file. 64 cases per event type, 1024 with `BASIS_LONG_TESTS`.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use basis_events::catalog::*;
use basis_events::{
    DomainEvent, DomainEventLogger, Durability, EventInfo, EventRecord, LoggerConfig,
};
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

/// Free-text string properties of a schema: typed strings without a pattern,
/// an enum or a reference (those are timestamps and enumerated values).
fn is_free_text(property: &Value) -> bool {
    let typed = property.get("type") == Some(&Value::from("string"))
        || property.get("type") == Some(&serde_json::json!(["string", "null"]));
    typed
        && property.get("pattern").is_none()
        && property.get("enum").is_none()
        && property.get("$ref").is_none()
}

/// Puts `strings` into every free-text field and every free-form map key of
/// the event's canonical instance, as its schema describes them.
fn fill_strings(info: &EventInfo, payload: &mut Value, strings: &[String]) {
    let schema = info.schema();
    let properties = schema["properties"].as_object().unwrap();
    let mut next = strings.iter().cycle();
    for (name, property) in properties {
        let Some(slot) = payload.get_mut(name) else {
            continue;
        };
        if is_free_text(property) {
            *slot = Value::from(next.next().unwrap().clone());
        } else if property.get("type") == Some(&Value::from("object"))
            && property
                .get("additionalProperties")
                .is_some_and(Value::is_object)
            && property.get("propertyNames").is_none()
            && let Value::Object(map) = slot
        {
            let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            for (index, (_, value)) in entries.into_iter().enumerate() {
                map.insert(format!("{index}{}", next.next().unwrap()), value);
            }
        }
    }
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
    fill_strings(info, &mut payload, strings);
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
