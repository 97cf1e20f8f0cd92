// A component declared in the author's crate is a `logged_by` like a
// built-in, without importing anything but basis_events.
use basis_events::prelude::*;

basis_events::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

/// A funding rate, as sampled.
#[domain_event(file = "funding_rates.jsonl", logged_by = FundingMonitor)]
pub struct FundingRate {
    pub rate: f64,
}

fn main() {
    assert_eq!(FundingRate::LOGGED_BY, LoggedBy::Component(FundingMonitor));
    assert_eq!("FUND".parse::<Component>(), Ok(FundingMonitor));
    let _ = FundingRate { rate: 0.0001 };
}
