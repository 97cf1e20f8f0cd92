use basis_events::prelude::*;

mod v1 {
    #[basis_events::past_event(version = 1)]
    pub struct FeeCharged {
        pub rate: f64,
    }
}

// Version 3 names version 1 as its previous: version 2 is skipped.
#[domain_event(file = "fees.jsonl", logged_by = ExecutionManager, version = 3, previous = v1::FeeCharged)]
pub struct FeeCharged {
    pub fee_rate: f64,
}

impl From<v1::FeeCharged> for FeeCharged {
    fn from(old: v1::FeeCharged) -> Self {
        FeeCharged { fee_rate: old.rate }
    }
}

fn main() {}
