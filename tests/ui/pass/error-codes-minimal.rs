basis_events::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

basis_events::error_codes! {
    FUND_001 = "FUND-001" {
        component: FundingMonitor,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected or failed an order.",
        action: "Retried with backoff.",
    }
    FUND_002 = "FUND-002" {
        component: FundingMonitor,
        severity: HIGH,
        message: "Order execution failed",
        description: "The old number of FUND-001.",
        action: "Read it as FUND-001.",
        retired_by: "FUND-001",
    }
}

use basis_events::Severity;

#[allow(deprecated)]
fn main() {
    assert_eq!(FUND_001.code(), "FUND-001");
    assert_eq!(FUND_001.component(), FundingMonitor);
    assert_eq!(FUND_001.severity(), Severity::High);
    assert_eq!(FUND_001.message(), "Order execution failed");
    assert_eq!(FUND_001.retired_by(), None);
    assert_eq!(FUND_002.retired_by(), Some(FUND_001));
    assert_eq!(ALL, [FUND_001, FUND_002]);
    assert_eq!(FUND_001.to_string(), "FUND-001");
}
