use basis_events::prelude::*;

#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
#[derive(Clone, Default)]
pub struct PositionSnapshot {
    pub total_value_usd: f64,
}

fn main() {}
