use basis_events::{Component, ErrorCode, Severity};

fn main() {
    // Only the registry builds codes: the fields are private.
    let _ = ErrorCode {
        code: "EXEC-999",
        component: Component::ExecutionManager,
        severity: Severity::Low,
        message: "Made up",
        description: "Not in the registry.",
        action: "None.",
        retired_by: None,
    };
}
