//! Events any component logs: system errors.

use crate::prelude::*;

/// An error raised by any component, with its registered code and severity. Logged on every error occurrence.
#[domain_event(file = "system_errors.jsonl", logged_by = all, example = example)]
pub struct SystemErrorEvent {
    /// The registered error code (`EXEC-001`).
    pub error_code: String,
    pub error_message: String,
    /// The component that raised the error.
    pub component: Component,
    /// The code's registered severity.
    pub severity: Severity,
    /// Where the error happened; `null` when unknown.
    pub stack_trace: Option<String>,
    #[serde(default)]
    pub metadata: Metadata,
}

fn example() -> SystemErrorEvent {
    SystemErrorEvent {
        error_code: "EXEC-001".to_owned(),
        error_message: "Order execution failed".to_owned(),
        component: Component::ExecutionManager,
        severity: Severity::High,
        stack_trace: Some("Traceback (most recent call last)...".to_owned()),
        metadata: Metadata::new(),
    }
}
