use basis_events::prelude::*;

#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
pub struct PositionSnapshot {
    pub timestamp: String,
    pub total_value_usd: f64,
}

fn main() {}
