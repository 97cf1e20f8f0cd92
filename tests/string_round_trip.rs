//! Any string an author puts in any event of the catalog stays on one line and
//! reads back exactly: quotes, backslashes, newlines, U+2028, control
//! characters and every Unicode plane.

use basis_events::catalog::*;
use basis_events::{DomainEvent, Envelope, EventInfo, EventRecord};
use proptest::prelude::*;
use serde_json::Value;

/// Strings that broke line-oriented logs before, mixed with arbitrary ones.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![
                Just("\"".to_owned()),
                Just("\\".to_owned()),
                Just("\n".to_owned()),
                Just("\r\n".to_owned()),
                Just("\u{2028}".to_owned()),
                Just("\u{2029}".to_owned()),
                Just("\u{0}".to_owned()),
                Just("\u{1b}[31m".to_owned()),
                Just("\u{7f}".to_owned()),
                Just("\u{feff}".to_owned()),
                Just("\u{10ffff}".to_owned()),
                Just("😀".to_owned()),
                Just("\"status\":\"failed\"".to_owned()),
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
    property.get("type") == Some(&Value::from("string"))
        && property.get("pattern").is_none()
        && property.get("enum").is_none()
        && property.get("$ref").is_none()
}

fn is_nullable_string(property: &Value) -> bool {
    property.get("type") == Some(&serde_json::json!(["string", "null"]))
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
        if is_free_text(property) || is_nullable_string(property) {
            *slot = Value::from(next.next().unwrap().clone());
        } else if property.get("type") == Some(&Value::from("object"))
            && property.get("additionalProperties").is_some_and(Value::is_object)
            // Keys restricted to a set (component names) are not free text.
            && property.get("propertyNames").is_none()
        {
            // A map with free-form keys: rename its keys.
            if let Value::Object(map) = slot {
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (index, (_, value)) in entries.into_iter().enumerate() {
                    map.insert(format!("{index}{}", next.next().unwrap()), value);
                }
            }
        }
    }
}

fn round_trip<E: DomainEvent>(strings: &[String]) -> Result<(), TestCaseError> {
    let info = basis_events::event_named(E::NAME).unwrap();
    let mut payload = serde_json::to_value(E::example().unwrap()).unwrap();
    fill_strings(info, &mut payload, strings);
    let event: E = serde_json::from_value(payload).unwrap();
    let mut envelope = Envelope::example();
    envelope.correlation_id = strings[0].clone();
    let record = event.stamp(envelope);

    let line = serde_json::to_string(&record).unwrap();
    prop_assert!(
        !line.contains('\n') && !line.contains('\r'),
        "line breaks in {line:?}"
    );
    let back: EventRecord<E> = serde_json::from_str(&line).unwrap();
    prop_assert_eq!(back, record);
    Ok(())
}

macro_rules! every_event {
    ($($test:ident: $event:ty,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            $(
                #[test]
                fn $test(strings in prop::collection::vec(nasty_string(), 1..6)) {
                    round_trip::<$event>(&strings)?;
                }
            )*
        }

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
