use basis_events::prelude::*;

mod v1 {
    #[basis_events::past_event(version = 1)]
    pub struct FeeCharged {
        pub rate: f64,
    }
}

// No `impl From<v1::FeeCharged> for FeeCharged`: lines of v1 could not be read.
#[domain_event(file = "fees.jsonl", logged_by = ExecutionManager, version = 2, previous = v1::FeeCharged)]
pub struct FeeCharged {
    pub fee_rate: f64,
}

fn main() {}
