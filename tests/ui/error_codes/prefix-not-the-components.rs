basis_events::error_codes! {
    POS_002 = "POS-002" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
}

fn main() {}
