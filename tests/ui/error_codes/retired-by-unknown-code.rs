basis_events::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

basis_events::error_codes! {
    FUND_001 = "FUND-001" {
        component: FundingMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "The original number.",
        action: "Read it as the new code.",
        retired_by: "FUND-099",
    }
}

fn main() {}
