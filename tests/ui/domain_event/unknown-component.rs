use basis_events::prelude::*;

#[domain_event(file = "positions.jsonl", logged_by = PositionMontor)]
pub struct PositionSnapshot {
    pub total_value_usd: f64,
}

fn main() {}
