//! One error code declared by two crates is refused at start-up. A test
//! binary of its own, since the duplicate poisons the registry.

use basis_events::ErrorCode;
use basis_events::model::run_catalog::{DuplicateDeclaration, RunCatalog};
use basis_external_event::FundingMonitor;

/// Stands for a second crate declaring FUND-001, already declared by
/// basis-external-event.
mod second_crate {
    use super::FundingMonitor;

    basis_events::error_codes! {
        FUND_001 = "FUND-001" {
            component: FundingMonitor,
            severity: LOW,
            message: "Another meaning",
            description: "The same code, declared again.",
            action: "None.",
        }
    }
}

#[test]
fn a_code_declared_by_two_crates_is_refused() {
    let err = ErrorCode::registered().unwrap_err();
    assert_eq!(err.code, "FUND-001");
    assert!(
        err.to_string().contains("basis_external_event::codes"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("duplicate_error_code::second_crate"),
        "{err}"
    );
    assert!(matches!(
        RunCatalog::of_this_binary(),
        Err(DuplicateDeclaration::ErrorCode(_))
    ));
    let _ = second_crate::ALL;
}
