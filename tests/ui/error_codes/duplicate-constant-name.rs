basis_events::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

basis_events::error_codes! {
    FUND_001 = "FUND-001" {
        component: FundingMonitor,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
    FUND_001 = "FUND-002" {
        component: FundingMonitor,
        severity: CRITICAL,
        message: "Execution timeout",
        description: "A venue did not confirm an instruction in time.",
        action: "Execution halts.",
    }
}

fn main() {}
