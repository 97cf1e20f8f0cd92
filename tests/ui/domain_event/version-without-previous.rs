use basis_events::prelude::*;

#[domain_event(file = "fees.jsonl", logged_by = ExecutionManager, version = 2)]
pub struct FeeCharged {
    pub fee_rate: f64,
}

fn main() {}
