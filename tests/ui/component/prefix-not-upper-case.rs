basis_events::component! {
    pub FundingMonitor { prefix: "Fund", log_file: "funding_monitor.log" }
}

fn main() {}
