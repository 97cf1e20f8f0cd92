use basis_events::prelude::*;

#[domain_event(logged_by = PositionMonitor)]
pub struct PositionSnapshot {
    pub total_value_usd: f64,
}

fn main() {}
