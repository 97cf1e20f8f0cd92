use basis_events::prelude::*;

#[domain_event(file = "snapshots.jsonl", logged_by = PositionMonitor)]
pub struct Snapshot<T> {
    pub value: T,
}

fn main() {}
