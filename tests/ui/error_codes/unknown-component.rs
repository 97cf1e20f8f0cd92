basis_events::error_codes! {
    EXEC_001 = "EXEC-001" {
        component: ExecutionManger,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
}

fn main() {}
