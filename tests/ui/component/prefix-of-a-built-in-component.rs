basis_events::component! {
    /// Takes the PositionMonitor's prefix.
    pub FundingMonitor { prefix: "POS", log_file: "funding_monitor.log" }
}

fn main() {}
