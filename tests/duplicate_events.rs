//! Two events claiming one file are refused at start-up. A test binary of its
//! own, since the duplicate below poisons the registry of the whole binary.

use basis_events::prelude::*;
use basis_events::registered_events;

/// Claims the file of the catalog's PositionSnapshot.
#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
pub struct PositionSnapshotCopy {
    pub total_value_usd: f64,
}

/// Claims the name of the catalog's RiskAssessment, in another file.
mod renamed {
    use basis_events::prelude::*;

    #[domain_event(file = "risk_copy.jsonl", logged_by = RiskMonitor)]
    pub struct RiskAssessment {
        pub risk_score: f64,
    }
}

#[test]
fn registry_refuses_two_events_with_one_file_or_one_name() {
    let err = registered_events().unwrap_err();
    let message = err.to_string();
    // Names are checked first: both RiskAssessments are reported.
    assert_eq!(err.what, "name", "{message}");
    assert_eq!(err.value, "RiskAssessment");
    assert!(
        message.contains("duplicate_events::renamed::RiskAssessment"),
        "{message}"
    );
    assert!(
        message.contains("basis_events::model::catalog::risk"),
        "{message}"
    );
}

#[test]
fn check_unique_reports_a_shared_file() {
    let original = basis_events::event_named("PositionSnapshot").unwrap();
    let copy = basis_events::event_named("PositionSnapshotCopy").unwrap();
    let err = basis_events::check_unique(&[original, copy]).unwrap_err();
    assert_eq!((err.what, err.value), ("file", "positions.jsonl"));
    assert!(err.to_string().contains("PositionSnapshotCopy"), "{err}");
    let _ = PositionSnapshotCopy {
        total_value_usd: 0.0,
    };
    let _ = renamed::RiskAssessment { risk_score: 0.0 };
}
