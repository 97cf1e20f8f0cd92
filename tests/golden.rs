//! The guide's 12 example events, as printed in the guide, read into their
//! typed events and written back byte for byte, key order included.

use basis_events::catalog::*;
use basis_events::{DomainEvent, Envelope, EventRecord};
use basis_tests::{compact, guide_example};

/// Reads the guide's example of `E`, writes it back, and compares with the
/// guide's text in compact form. Also checks that the event's canonical
/// instance is the guide's example.
fn round_trip<E: DomainEvent>() {
    let guide = guide_example(E::NAME);
    let record: EventRecord<E> = serde_json::from_str(&guide)
        .unwrap_or_else(|err| panic!("the guide's {} does not parse: {err}", E::NAME));
    let written = serde_json::to_string(&record).unwrap();
    assert_eq!(written, compact(&guide), "{} does not round-trip", E::NAME);

    let canonical = E::example()
        .unwrap_or_else(|| panic!("{} has no canonical instance", E::NAME))
        .stamp(Envelope::example());
    assert_eq!(
        canonical,
        record,
        "{}'s example is not the guide's",
        E::NAME
    );
}

macro_rules! golden {
    ($($test:ident: $event:ty,)*) => {
        $(
            #[test]
            fn $test() {
                round_trip::<$event>();
            }
        )*

        #[test]
        fn every_guide_event_has_a_golden_test() {
            let tested = [$(<$event as DomainEvent>::NAME),*];
            assert_eq!(tested, GUIDE_EVENTS);
        }
    };
}

golden! {
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

#[test]
fn lines_are_compact_so_the_guides_grep_recipes_work() {
    let line = basis_events::event_named("OperationExecutionEvent")
        .and_then(|event| event.example_line())
        .unwrap();
    assert!(line.contains(r#""operation_type":"supply""#), "{line}");
    assert!(!line.contains('\n'));
}

#[test]
fn envelope_comes_first_in_the_guides_order() {
    let line = basis_events::event_named("RiskAssessment")
        .and_then(|event| event.example_line())
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    let keys: Vec<&String> = value.as_object().unwrap().keys().take(4).collect();
    assert_eq!(
        keys,
        ["timestamp", "real_utc_time", "correlation_id", "pid"]
    );
}

#[test]
fn readers_accept_any_key_order_and_offsets() {
    let line = r#"{"operation_id":"op","pid":7,"execution_success":true,"reconciliation_success":false,"retry_count":2,"total_duration_ms":1.0,"execution_duration_ms":0.5,"reconciliation_duration_ms":0.5,"correlation_id":"c","timestamp":"2025-01-15T12:30:00+02:00","real_utc_time":"2025-01-15T10:30:00.000001Z"}"#;
    let record: EventRecord<TightLoopExecutionEvent> = serde_json::from_str(line).unwrap();
    assert_eq!(record.envelope.timestamp.to_string(), "2025-01-15T10:30:00");
    assert_eq!(record.envelope.pid, 7);
    assert_eq!(record.event.retry_count, 2);
}

#[test]
fn unknown_keys_missing_envelope_and_duplicates_are_refused() {
    let guide = compact(&guide_example("TightLoopExecutionEvent"));
    let extra = guide.replacen('{', r#"{"surprise":1,"#, 1);
    let err = serde_json::from_str::<EventRecord<TightLoopExecutionEvent>>(&extra).unwrap_err();
    assert!(
        err.to_string().contains("unknown field `surprise`"),
        "{err}"
    );

    let missing = guide.replace(r#""pid":12345,"#, "");
    let err = serde_json::from_str::<EventRecord<TightLoopExecutionEvent>>(&missing).unwrap_err();
    assert!(err.to_string().contains("missing field `pid`"), "{err}");

    let twice = guide.replacen('{', r#"{"pid":1,"#, 1);
    let err = serde_json::from_str::<EventRecord<TightLoopExecutionEvent>>(&twice).unwrap_err();
    assert!(err.to_string().contains("duplicate field `pid`"), "{err}");
}

#[test]
fn optional_fields_are_written_as_null() {
    let line = basis_events::event_named("OperationExecutionEvent")
        .and_then(|event| event.example_line())
        .unwrap();
    assert!(
        line.ends_with(r#""error_code":null,"error_message":null}"#),
        "{line}"
    );
}
