use basis_events::prelude::*;

pub struct Extra {
    pub note: String,
}

#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
pub struct PositionSnapshot {
    pub total_value_usd: f64,
    #[serde(flatten)]
    pub extra: Extra,
}

fn main() {}
