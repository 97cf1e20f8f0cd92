basis_events::error_codes! {
    EXEC_002 = "EXEC-001" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
}

fn main() {}
