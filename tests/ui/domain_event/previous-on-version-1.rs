use basis_events::prelude::*;

mod v0 {
    #[basis_events::past_event(version = 1)]
    pub struct FeeCharged {
        pub rate: f64,
    }
}

#[domain_event(file = "fees.jsonl", logged_by = ExecutionManager, previous = v0::FeeCharged)]
pub struct FeeCharged {
    pub fee_rate: f64,
}

fn main() {}
