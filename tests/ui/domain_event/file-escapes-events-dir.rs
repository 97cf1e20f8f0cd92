use basis_events::prelude::*;

#[domain_event(file = "../positions.jsonl", logged_by = PositionMonitor)]
pub struct Parent {
    pub total_value_usd: f64,
}

#[domain_event(file = "sub/positions.jsonl", logged_by = PositionMonitor)]
pub struct Slash {
    pub total_value_usd: f64,
}

#[domain_event(file = "sub\\positions.jsonl", logged_by = PositionMonitor)]
pub struct Backslash {
    pub total_value_usd: f64,
}

fn main() {}
