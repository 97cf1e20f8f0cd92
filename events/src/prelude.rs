//! Everything a component author's file needs: `use basis_events::prelude::*;`.

pub use std::collections::BTreeMap;

pub use indexmap::IndexMap;

pub use crate::catalog::{
    DecisionType, HealthStatus, Metadata, OperationStatus, OperationType, PositionType, RiskLevel,
};
pub use crate::{
    Component, DomainEvent, EngineTime, Envelope, ErrorCode, EventRecord, LoggedBy, RealUtcTime,
    Severity, codes, domain_event, payload,
};

/// The runtime a component needs to log: its run, its loggers and its clock.
pub use crate::{
    ComponentLogs, DomainEventLogger, EngineClock, Fields, LogDirectoryManager, LogError,
    RunOptions, StructuredLogger,
};
