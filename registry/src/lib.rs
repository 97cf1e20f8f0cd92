//! The component catalog and the error-code registry of the basis-strategy engine.
//!
//! Every component that writes logs is a [`Component`]: it knows its name as the
//! logging guide writes it (`PositionMonitor`), the prefix of its error codes
//! (`POS`) and the name of its structured log file (`position_monitor.log`).
//! Severities follow the guide's "Error Severity" table.

mod component;
mod severity;

pub use component::{Component, UnknownComponent};
pub use severity::{Severity, UnknownSeverity};
