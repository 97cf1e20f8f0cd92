basis_events::component! {
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
    pub FundingMonitor { prefix: "FUNDB", log_file: "funding_b.log" }
}

fn main() {}
