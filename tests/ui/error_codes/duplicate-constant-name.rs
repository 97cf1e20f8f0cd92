basis_events::error_codes! {
    EXEC_001 = "EXEC-001" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
    EXEC_001 = "EXEC-002" {
        component: ExecutionManager,
        severity: CRITICAL,
        message: "Execution timeout",
        description: "A venue did not confirm an instruction in time.",
        action: "Execution halts.",
    }
}

fn main() {}
