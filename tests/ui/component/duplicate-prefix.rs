basis_events::component! {
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
    pub FundingWatcher { prefix: "FUND", log_file: "funding_watcher.log" }
}

fn main() {}
