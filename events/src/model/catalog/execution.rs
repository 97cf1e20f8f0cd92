//! Events of the ExecutionManager: operations, tight loops and atomic groups.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::prelude::*;

/// One operation sent to a venue, and what came of it. Logged on every operation execution.
#[domain_event(file = "operation_executions.jsonl", logged_by = ExecutionManager, example = operation_example)]
pub struct OperationExecutionEvent {
    /// Unique id of the operation; an atomic group's operations share its prefix.
    pub operation_id: String,
    pub operation_type: OperationType,
    /// The venue that executed it (`aave_v3`, `binance`, ...).
    pub venue: String,
    pub source_token: String,
    pub target_token: String,
    pub status: OperationStatus,
    /// The position changes the strategy expected.
    pub expected_deltas: Vec<ExpectedDelta>,
    /// The position changes that happened, per position key.
    pub actual_deltas: IndexMap<String, f64>,
    pub fee_amount: f64,
    pub fee_currency: String,
    pub execution_duration_ms: f64,
    /// Whether the operation was simulated (backtest) rather than sent to a venue.
    pub simulated: bool,
    /// The registered error code of a failed operation; `null` otherwise.
    pub error_code: Option<ErrorCode>,
    /// What went wrong; `null` when nothing did.
    pub error_message: Option<String>,
}

/// A position change the strategy expects an operation to cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDelta {
    pub position_key: String,
    pub delta_amount: f64,
    pub token: String,
    pub venue: String,
    pub operation_type: OperationType,
}

fn operation_example() -> OperationExecutionEvent {
    OperationExecutionEvent {
        operation_id: "supply_001".to_owned(),
        operation_type: OperationType::Supply,
        venue: "aave_v3".to_owned(),
        source_token: "USDT".to_owned(),
        target_token: "aUSDT".to_owned(),
        status: OperationStatus::Confirmed,
        expected_deltas: vec![ExpectedDelta {
            position_key: "aave:aToken:aUSDT".to_owned(),
            delta_amount: 10000.0,
            token: "aUSDT".to_owned(),
            venue: "aave_v3".to_owned(),
            operation_type: OperationType::Supply,
        }],
        actual_deltas: IndexMap::from([
            ("aave:aToken:aUSDT".to_owned(), 10000.0),
            ("wallet:BaseToken:USDT".to_owned(), -10000.0),
        ]),
        fee_amount: 0.0,
        fee_currency: "USDT".to_owned(),
        execution_duration_ms: 125.5,
        simulated: true,
        error_code: None,
        error_message: None,
    }
}

/// One cycle of the tight loop: execute, then reconcile. Logged on every tight loop cycle.
#[domain_event(file = "tight_loop.jsonl", logged_by = ExecutionManager, example = tight_loop_example)]
pub struct TightLoopExecutionEvent {
    pub operation_id: String,
    pub execution_success: bool,
    pub reconciliation_success: bool,
    /// How many times the operation was retried before this outcome.
    pub retry_count: u32,
    pub total_duration_ms: f64,
    pub execution_duration_ms: f64,
    pub reconciliation_duration_ms: f64,
}

fn tight_loop_example() -> TightLoopExecutionEvent {
    TightLoopExecutionEvent {
        operation_id: "supply_001".to_owned(),
        execution_success: true,
        reconciliation_success: true,
        retry_count: 0,
        total_duration_ms: 150.5,
        execution_duration_ms: 125.5,
        reconciliation_duration_ms: 25.0,
    }
}

/// Operations executed atomically: all succeed or all are rolled back. Logged on every atomic group execution.
#[domain_event(file = "atomic_groups.jsonl", logged_by = ExecutionManager, example = atomic_group_example)]
pub struct AtomicOperationGroupEvent {
    pub atomic_group_id: String,
    /// The group's operations, in execution order.
    pub operation_ids: Vec<String>,
    /// The type of each operation, in the same order.
    pub operation_types: Vec<OperationType>,
    pub all_succeeded: bool,
    pub rollback_occurred: bool,
    pub total_duration_ms: f64,
}

fn atomic_group_example() -> AtomicOperationGroupEvent {
    AtomicOperationGroupEvent {
        atomic_group_id: "group_001".to_owned(),
        operation_ids: vec!["supply_001".to_owned(), "borrow_001".to_owned()],
        operation_types: vec![OperationType::Supply, OperationType::Borrow],
        all_succeeded: true,
        rollback_occurred: false,
        total_duration_ms: 250.5,
    }
}
