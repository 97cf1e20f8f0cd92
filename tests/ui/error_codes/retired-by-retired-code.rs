basis_events::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

basis_events::error_codes! {
    FUND_001 = "FUND-001" {
        component: FundingMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "The first number.",
        action: "Read it as FUND-005.",
        retired_by: "FUND-002",
    }
    FUND_002 = "FUND-002" {
        component: FundingMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "The second number.",
        action: "Read it as FUND-005.",
        retired_by: "FUND-005",
    }
    FUND_005 = "FUND-005" {
        component: FundingMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "Simulated and real positions differ.",
        action: "Execution halts.",
    }
}

fn main() {}
