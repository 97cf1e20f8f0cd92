// The guide's components get their codes from basis-registry alone.
basis_events::error_codes! {
    EXEC_100 = "EXEC-100" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
}

fn main() {}
