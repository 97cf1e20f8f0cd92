//! Components and codes declared outside the built-in registry, as an
//! engine's crate declares them: they parse, (de)serialize and are listed.

use basis_registry::{Component, ErrorCode, InvalidErrorCode, Severity};

basis_registry::component! {
    /// Watches perpetual funding rates.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

mod codes {
    use super::FundingMonitor;

    basis_registry::error_codes! {
        FUND_001 = "FUND-001" {
            component: FundingMonitor,
            severity: HIGH,
            message: "Funding feed stale",
            description: "No funding rate arrived for a minute.",
            action: "Retried on the next tick.",
        }
        FUND_002 = "FUND-002" {
            component: FundingMonitor,
            severity: HIGH,
            message: "Funding feed stale",
            description: "The first number of FUND-001.",
            action: "Read it as FUND-001.",
            retired_by: "FUND-001",
        }
    }
}

#[test]
fn a_custom_component_parses_and_round_trips_by_name() {
    assert_eq!(FundingMonitor.name(), "FundingMonitor");
    assert_eq!(
        FundingMonitor.doc().trim(),
        "Watches perpetual funding rates."
    );
    for text in ["FundingMonitor", "FUND", "fund", "funding_monitor"] {
        assert_eq!(text.parse::<Component>(), Ok(FundingMonitor), "{text}");
    }
    let json = serde_json::to_string(&FundingMonitor).unwrap();
    assert_eq!(json, r#""FundingMonitor""#);
    assert_eq!(
        serde_json::from_str::<Component>(&json).unwrap(),
        FundingMonitor
    );
    // Serde reads names only, not prefixes.
    assert!(serde_json::from_str::<Component>(r#""FUND""#).is_err());
    assert!(!FundingMonitor.is_builtin());
    assert!(Component::PositionMonitor.is_builtin());
}

#[test]
fn a_custom_component_is_listed_after_the_built_ins_and_in_the_schema() {
    let all = Component::registered().unwrap();
    assert_eq!(&all[..Component::ALL.len()], &Component::ALL);
    assert_eq!(all.last(), Some(&FundingMonitor));
    assert!(Component::PositionMonitor < FundingMonitor);
    let schema = schemars::schema_for!(Component).to_value();
    let names: Vec<&str> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|branch| branch["const"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"FundingMonitor"), "{names:?}");
    assert!(names.contains(&"PositionMonitor"), "{names:?}");
}

#[test]
fn built_in_constants_work_in_patterns() {
    let describe = |component: Component| match component {
        Component::PositionMonitor => "positions",
        other if other == FundingMonitor => "funding",
        _ => "other",
    };
    assert_eq!(describe("POS".parse().unwrap()), "positions");
    assert_eq!(describe("FUND".parse().unwrap()), "funding");
}

#[test]
#[allow(deprecated)]
fn custom_codes_are_registered_and_keep_their_component() {
    assert_eq!("FUND-001".parse::<ErrorCode>(), Ok(codes::FUND_001));
    assert_eq!(codes::FUND_001.component(), FundingMonitor);
    assert_eq!(codes::FUND_001.severity(), Severity::High);
    assert_eq!(
        ErrorCode::parse("FUND-002").unwrap().retired_by(),
        Some(codes::FUND_001)
    );
    assert!(ErrorCode::all().contains(&codes::FUND_001));
    assert_eq!(
        ErrorCode::registered().unwrap().len(),
        ErrorCode::ALL.len() + 2
    );
    assert_eq!(
        serde_json::from_str::<ErrorCode>(r#""FUND-001""#).unwrap(),
        codes::FUND_001
    );
    assert_eq!(
        ErrorCode::parse("FUND-003"),
        Err(InvalidErrorCode::Unknown("FUND-003".into()))
    );
}

#[test]
#[allow(deprecated)]
fn a_code_built_by_hand_does_not_serialize() {
    let forged = basis_registry::__private::new_error_code(
        "FUND-009",
        FundingMonitor,
        Severity::Low,
        "Made up",
        "Not registered.",
        "None.",
        None,
    );
    assert!(!forged.is_registered());
    let err = serde_json::to_string(&forged).unwrap_err();
    assert!(
        err.to_string().contains("`FUND-009` is not registered"),
        "{err}"
    );
    // Same code string as a registered one, another severity: refused too.
    let lookalike = basis_registry::__private::new_error_code(
        "FUND-001",
        FundingMonitor,
        Severity::Low,
        "Made up",
        "Not registered.",
        "None.",
        None,
    );
    assert!(serde_json::to_string(&lookalike).is_err());
    assert_eq!(
        serde_json::to_string(&codes::FUND_001).unwrap(),
        r#""FUND-001""#
    );
}
