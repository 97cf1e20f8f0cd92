//! Two crates declaring components that write one log file are refused at
//! start-up. A test binary of its own, since the duplicate poisons the
//! registry of the whole binary.

use basis_events::Component;
use basis_events::model::run_catalog::{DuplicateDeclaration, RunCatalog};

mod engine_a {
    basis_events::component! {
        /// One engine's funding monitor.
        pub FundingMonitor { prefix: "FUND", log_file: "funding.log" }
    }
}

mod engine_b {
    basis_events::component! {
        /// Another engine's component, writing the same file.
        pub FundingWatcher { prefix: "FUNDW", log_file: "funding.log" }
    }
}

#[test]
fn a_log_file_claimed_by_two_crates_is_refused() {
    let err = Component::registered().unwrap_err();
    assert_eq!((err.what, err.value.as_str()), ("log file", "funding.log"));
    assert!(matches!(
        RunCatalog::of_this_binary(),
        Err(DuplicateDeclaration::Component(_))
    ));
    let _ = (engine_a::FundingMonitor, engine_b::FundingWatcher);
}
