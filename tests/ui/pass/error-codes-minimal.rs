basis_events::error_codes! {
    EXEC_001 = "EXEC-001" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected or failed an order.",
        action: "Retried with backoff.",
    }
    EXEC_002 = "EXEC-002" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Order execution failed",
        description: "The old number of EXEC-001.",
        action: "Read it as EXEC-001.",
        retired_by: "EXEC-001",
    }
}

use basis_events::{Component, Severity};

#[allow(deprecated)]
fn main() {
    assert_eq!(EXEC_001.code(), "EXEC-001");
    assert_eq!(EXEC_001.component(), Component::ExecutionManager);
    assert_eq!(EXEC_001.severity(), Severity::High);
    assert_eq!(EXEC_001.message(), "Order execution failed");
    assert_eq!(EXEC_001.retired_by(), None);
    assert_eq!(EXEC_002.retired_by(), Some(EXEC_001));
    assert_eq!(ALL, [EXEC_001, EXEC_002]);
    assert_eq!(EXEC_001.to_string(), "EXEC-001");
}
