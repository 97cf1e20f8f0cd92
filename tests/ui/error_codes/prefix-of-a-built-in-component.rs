basis_events::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

basis_events::error_codes! {
    POS_009 = "POS-009" {
        component: FundingMonitor,
        severity: HIGH,
        message: "Funding feed stale",
        description: "No funding rate arrived for a minute.",
        action: "Retried on the next tick.",
    }
}

fn main() {}
