//! Events of the PositionUpdateHandler: reconciliations and applied deltas.

use crate::prelude::*;

/// Expected against actual position changes. Logged on every reconciliation.
#[domain_event(file = "reconciliation.jsonl", logged_by = PositionUpdateHandler, example = reconciliation_example)]
pub struct ReconciliationEvent {
    /// What was reconciled (`execution_deltas`, `venue_balances`, ...).
    pub reconciliation_type: String,
    pub trigger_source: String,
    pub reconciliation_success: bool,
    pub expected_deltas_count: u32,
    pub actual_deltas_count: u32,
    pub reconciliation_duration_ms: f64,
    #[serde(default)]
    pub metadata: Metadata,
}

fn reconciliation_example() -> ReconciliationEvent {
    ReconciliationEvent {
        reconciliation_type: "execution_deltas".to_owned(),
        trigger_source: "execution_manager".to_owned(),
        reconciliation_success: true,
        expected_deltas_count: 2,
        actual_deltas_count: 2,
        reconciliation_duration_ms: 25.5,
        metadata: Metadata::new(),
    }
}

/// Position changes applied after an execution. Logged on every execution delta application.
#[domain_event(file = "execution_deltas.jsonl", logged_by = PositionUpdateHandler, example = delta_example)]
pub struct ExecutionDeltaEvent {
    pub delta_type: String,
    pub trigger_source: String,
    pub deltas_applied: u32,
    pub total_delta_value_usd: f64,
    #[serde(default)]
    pub metadata: Metadata,
}

fn delta_example() -> ExecutionDeltaEvent {
    ExecutionDeltaEvent {
        delta_type: "execution_deltas".to_owned(),
        trigger_source: "execution_manager".to_owned(),
        deltas_applied: 2,
        total_delta_value_usd: 10000.0,
        metadata: Metadata::new(),
    }
}
