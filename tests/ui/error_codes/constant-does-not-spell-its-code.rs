basis_events::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

basis_events::error_codes! {
    FUND_002 = "FUND-001" {
        component: FundingMonitor,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected an order.",
        action: "Retried with backoff.",
    }
}

fn main() {}
