//! Events of the PositionUpdateHandler: reconciliations and applied deltas.

use crate::prelude::*;

/// Expected against actual position changes. Logged on every reconciliation.
#[domain_event(file = "reconciliation.jsonl", logged_by = PositionUpdateHandler, example = reconciliation_example)]
pub struct ReconciliationEvent {
    /// What was reconciled (`execution_deltas`, `venue_balances`, ...).
    pub reconciliation_type: String,
    /// The component whose action caused it.
    pub trigger_source: String,
    /// Whether expected and actual deltas matched.
    pub reconciliation_success: bool,
    /// How many position changes were expected.
    pub expected_deltas_count: u32,
    /// How many position changes happened.
    pub actual_deltas_count: u32,
    /// How long the reconciliation took.
    pub reconciliation_duration_ms: f64,
    /// Extra data; `{}` when none.
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
    /// What kind of deltas were applied (`execution_deltas`).
    pub delta_type: String,
    /// The component whose action caused it.
    pub trigger_source: String,
    /// How many position changes were applied.
    pub deltas_applied: u32,
    /// Absolute value of the applied changes, in USD.
    pub total_delta_value_usd: f64,
    /// Extra data; `{}` when none.
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
