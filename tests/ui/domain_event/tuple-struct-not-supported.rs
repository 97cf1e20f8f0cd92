use basis_events::prelude::*;

#[domain_event(file = "values.jsonl", logged_by = PositionMonitor)]
pub struct TotalValue(pub f64);

fn main() {}
