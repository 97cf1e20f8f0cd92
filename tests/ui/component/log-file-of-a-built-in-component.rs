basis_events::component! {
    /// Writes into the engine's log.
    pub FundingMonitor { prefix: "FUND", log_file: "engine.log" }
}

fn main() {}
