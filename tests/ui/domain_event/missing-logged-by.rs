use basis_events::prelude::*;

#[domain_event(file = "positions.jsonl")]
pub struct PositionSnapshot {
    pub total_value_usd: f64,
}

fn main() {}
