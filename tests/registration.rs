//! Every event linked into a binary is listed at run time, from any crate,
//! and duplicates are caught.

use basis_events::schema::generated_files;
use basis_events::{Component, DomainEvent, EventInfo, LoggedBy, registered_events};
use basis_external_event::VaultRebalanced;

#[test]
fn the_guides_twelve_events_are_registered_with_their_files_and_components() {
    let expected = [
        (
            "PositionSnapshot",
            "positions.jsonl",
            Some(Component::PositionMonitor),
        ),
        (
            "OperationExecutionEvent",
            "operation_executions.jsonl",
            Some(Component::ExecutionManager),
        ),
        (
            "TightLoopExecutionEvent",
            "tight_loop.jsonl",
            Some(Component::ExecutionManager),
        ),
        (
            "ExposureSnapshot",
            "exposures.jsonl",
            Some(Component::ExposureMonitor),
        ),
        (
            "RiskAssessment",
            "risk_assessments.jsonl",
            Some(Component::RiskMonitor),
        ),
        (
            "PnLCalculation",
            "pnl_calculations.jsonl",
            Some(Component::PnLMonitor),
        ),
        (
            "StrategyDecision",
            "strategy_decisions.jsonl",
            Some(Component::StrategyManager),
        ),
        (
            "AtomicOperationGroupEvent",
            "atomic_groups.jsonl",
            Some(Component::ExecutionManager),
        ),
        (
            "ReconciliationEvent",
            "reconciliation.jsonl",
            Some(Component::PositionUpdateHandler),
        ),
        (
            "ExecutionDeltaEvent",
            "execution_deltas.jsonl",
            Some(Component::PositionUpdateHandler),
        ),
        (
            "HealthStatusEvent",
            "health_status.jsonl",
            Some(Component::HealthMonitor),
        ),
        ("SystemErrorEvent", "system_errors.jsonl", None),
    ];
    for (name, file, component) in expected {
        let event = basis_events::event_named(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(event.file(), file, "{name}");
        let logged_by = component.map_or(LoggedBy::AllComponents, LoggedBy::Component);
        assert_eq!(event.logged_by(), logged_by, "{name}");
        assert_eq!(
            basis_events::event_for_file(file).map(EventInfo::name),
            Some(name)
        );
    }
}

#[test]
fn an_event_of_another_crate_is_listed_and_gets_a_schema() {
    let events = registered_events().unwrap();
    let external = events
        .iter()
        .find(|event| event.name() == "VaultRebalanced")
        .expect("the external crate's event is registered");
    assert_eq!(external.file(), "vault_rebalances.jsonl");
    assert_eq!(external.module_path(), "basis_external_event");

    let files = generated_files(&events);
    let schema = files
        .iter()
        .find(|file| {
            file.path
                .ends_with("schemas/events/VaultRebalanced/v1.schema.json")
        })
        .expect("a schema is generated for the external event");
    assert!(
        schema.contents.contains(r#""reason_code""#),
        "serde renames reach the schema"
    );
    let index = files
        .iter()
        .find(|file| file.path.ends_with("schemas/index.json"))
        .unwrap();
    assert!(index.contents.contains("VaultRebalanced"));
    let _ = VaultRebalanced::example();
}
