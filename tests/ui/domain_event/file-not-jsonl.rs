use basis_events::prelude::*;

#[domain_event(file = "positions.json", logged_by = PositionMonitor)]
pub struct PositionSnapshot {
    pub total_value_usd: f64,
}

fn main() {}
