//! The guide's 12 domain events, one module per logging component.
//!
//! Each is declared with `#[domain_event]` exactly as an author outside this
//! crate would, and carries the guide's example as its canonical instance.

mod execution;
mod exposure;
mod health;
mod pnl;
mod position;
mod reconciliation;
mod risk;
mod strategy;
mod system;
mod values;

pub use execution::{
    AtomicOperationGroupEvent, ExpectedDelta, OperationExecutionEvent, TightLoopExecutionEvent,
};
pub use exposure::{AssetExposure, ExposureSnapshot};
pub use health::HealthStatusEvent;
pub use pnl::{PnLCalculation, PnlAttribution};
pub use position::PositionSnapshot;
pub use reconciliation::{ExecutionDeltaEvent, ReconciliationEvent};
pub use risk::RiskAssessment;
pub use strategy::StrategyDecision;
pub use system::SystemErrorEvent;
pub use values::{
    DecisionType, HealthStatus, Metadata, OperationStatus, OperationType, PositionType, RiskLevel,
    UnknownValue,
};

/// The names of the guide's 12 events, in the guide's order.
pub const GUIDE_EVENTS: [&str; 12] = [
    "PositionSnapshot",
    "OperationExecutionEvent",
    "TightLoopExecutionEvent",
    "ExposureSnapshot",
    "RiskAssessment",
    "PnLCalculation",
    "StrategyDecision",
    "AtomicOperationGroupEvent",
    "ReconciliationEvent",
    "ExecutionDeltaEvent",
    "HealthStatusEvent",
    "SystemErrorEvent",
];
