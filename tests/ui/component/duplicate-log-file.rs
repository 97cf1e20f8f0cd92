basis_events::component! {
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
    pub FundingWatcher { prefix: "FUNDW", log_file: "funding_monitor.log" }
}

fn main() {}
