basis_events::component! {
    pub FundingMonitor { log_file: "funding_monitor.log" }
}

fn main() {}
