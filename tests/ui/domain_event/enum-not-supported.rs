use basis_events::prelude::*;

#[domain_event(file = "statuses.jsonl", logged_by = HealthMonitor)]
pub enum Status {
    Up,
    Down,
}

fn main() {}
