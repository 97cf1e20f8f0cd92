basis_events::error_codes! {
    EXEC_001 = "EXEC-001" {
        component: ExecutionManager,
        severity: HIGH,
        message: "",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
}

fn main() {}
