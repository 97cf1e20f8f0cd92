//! The registry's contents, checked against the reference it was built from.

use std::collections::HashSet;

use basis_registry::{Component, ErrorCode, InvalidErrorCode, Severity, codes};

/// `(code, description)` of every row of registry A, from the fixture.
fn registry_a() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/registry_a.txt");
    let text = std::fs::read_to_string(path).expect("the fixture is committed");
    let rows: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| {
            let mut cells = line.trim().strip_prefix('|')?.split('|').map(str::trim);
            let code = cells.next()?;
            let description = cells.next()?;
            // Data rows only: the header and the `|---|` rule have no code.
            let is_code = code.split_once('-').is_some_and(|(prefix, number)| {
                !prefix.is_empty() && number.parse::<u16>().is_ok()
            });
            is_code.then(|| (code.to_owned(), description.to_owned()))
        })
        .collect();
    assert_eq!(rows.len(), 63, "registry A lists 63 codes");
    rows
}

#[test]
fn every_code_of_registry_a_is_registered_with_its_meaning() {
    for (code, description) in registry_a() {
        let parsed = ErrorCode::parse(&code)
            .unwrap_or_else(|err| panic!("registry A's {code} is missing: {err}"));
        // Where the guide took the number, the meaning moved to another code
        // of the same component; either way it is still here, word for word.
        let kept = ErrorCode::ALL
            .iter()
            .any(|known| known.component() == parsed.component() && known.message() == description);
        assert!(
            kept,
            "registry A's {code} {description:?} has no code with that message"
        );
    }
}

#[test]
fn the_guides_four_examples_are_exact() {
    let guide = [
        (
            codes::EXEC_001,
            "EXEC-001",
            "Order execution failed",
            Severity::High,
        ),
        (
            codes::EXEC_005,
            "EXEC-005",
            "Reconciliation timeout",
            Severity::Critical,
        ),
        (
            codes::POS_005,
            "POS-005",
            "Position reconciliation mismatch",
            Severity::Critical,
        ),
        (
            codes::RISK_001,
            "RISK-001",
            "Risk limit breached",
            Severity::High,
        ),
    ];
    for (code, text, message, severity) in guide {
        assert_eq!(code.code(), text);
        assert_eq!(code.message(), message);
        assert_eq!(code.severity(), severity);
        assert!(!code.is_retired());
    }
}

#[test]
fn numbers_the_guide_took_moved_to_the_next_free_one() {
    let moved = [
        ("POS-006", "Position query timeout"),
        ("RISK-007", "Health factor calculation failed"),
        ("EXEC-009", "Atomic group execution failed"),
    ];
    for (code, message) in moved {
        assert_eq!(ErrorCode::parse(code).unwrap().message(), message);
    }
}

#[test]
#[allow(deprecated)]
fn retired_codes_parse_and_point_at_live_codes() {
    let retired: Vec<ErrorCode> = ErrorCode::ALL
        .iter()
        .copied()
        .filter(ErrorCode::is_retired)
        .collect();
    assert_eq!(retired, [codes::POS_001, codes::RISK_004]);
    assert_eq!(codes::POS_001.retired_by(), Some(codes::POS_005));
    assert_eq!(codes::RISK_004.retired_by(), Some(codes::RISK_001));
    for code in retired {
        let replacement = code.retired_by().unwrap();
        assert_eq!(
            ErrorCode::parse(code.code()),
            Ok(code),
            "old logs still parse"
        );
        assert!(!replacement.is_retired(), "{code} points at a retired code");
        assert!(ErrorCode::ALL.contains(&replacement));
        assert_eq!(code.severity(), replacement.severity(), "{code}");
        assert_eq!(code.component(), replacement.component(), "{code}");
    }
}

#[test]
fn unregistered_codes_of_the_original_have_entries() {
    for code in [
        "PUH-001",
        "PUH-002",
        "PUH-003",
        "RST-001",
        "RST-002",
        "RST-003",
        "HEALTH-001",
        "HEALTH-003",
    ] {
        assert!(ErrorCode::parse(code).is_ok(), "{code}");
    }
    // Not carried over: they name no component of ours (see codes.rs).
    for code in ["CEX-001", "AAVE-001"] {
        assert_eq!(
            ErrorCode::parse(code),
            Err(InvalidErrorCode::Unknown(code.to_owned()))
        );
    }
}

#[test]
fn every_code_is_complete_and_belongs_to_its_component() {
    assert_eq!(ErrorCode::ALL.len(), 75);
    for code in ErrorCode::ALL {
        for (what, text) in [
            ("message", code.message()),
            ("description", code.description()),
            ("action", code.action()),
        ] {
            assert!(!text.trim().is_empty(), "{code} has an empty {what}");
        }
        let prefix = code.code().split_once('-').unwrap().0;
        assert_eq!(prefix, code.component().prefix(), "{code}");
    }
}

#[test]
fn codes_are_unique_and_round_trip() {
    let unique: HashSet<&str> = ErrorCode::ALL.iter().map(ErrorCode::code).collect();
    assert_eq!(unique.len(), ErrorCode::ALL.len());
    for code in ErrorCode::ALL {
        assert_eq!(ErrorCode::parse(code.code()), Ok(*code));
        assert_eq!(code.to_string().parse::<ErrorCode>(), Ok(*code));
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.code()));
        let back: ErrorCode = serde_json::from_str(&json).unwrap();
        assert_eq!(back, *code);
        assert_eq!(back.severity(), code.severity());
    }
}

#[test]
fn parse_errors_name_the_input() {
    for bad in ["EXEC-1", "exec-001", "EXEC_001", "", "EXEC-0001"] {
        let err = ErrorCode::parse(bad).unwrap_err();
        assert_eq!(err, InvalidErrorCode::Malformed(bad.to_owned()));
        assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
    }
    for unknown in ["EXEC-999", "POS-000", "API-001", "FOO-001"] {
        let err = ErrorCode::parse(unknown).unwrap_err();
        assert_eq!(err, InvalidErrorCode::Unknown(unknown.to_owned()));
        assert!(err.to_string().contains(&format!("`{unknown}`")), "{err}");
    }
}

#[test]
fn every_component_but_the_api_has_codes() {
    for component in Component::ALL {
        let has_codes = ErrorCode::ALL
            .iter()
            .any(|code| code.component() == component);
        assert_eq!(has_codes, component != Component::Api, "{component}");
    }
}

#[test]
fn every_severity_is_used() {
    for severity in Severity::ALL {
        assert!(
            ErrorCode::ALL
                .iter()
                .any(|code| code.severity() == severity),
            "{severity}"
        );
    }
}

#[test]
fn severities_follow_registry_b_where_the_meaning_matches() {
    // (our code, registry B's code of the same meaning, B's severity)
    let matches = [
        ("EXP-001", "EXP-001", Severity::High),
        ("RISK-006", "RISK-001", Severity::High),
        ("RISK-007", "RISK-001", Severity::High),
        ("PNL-001", "PNL-001", Severity::High),
        ("STRAT-001", "STRAT-001", Severity::High),
        ("STRAT-006", "STRAT-002", Severity::Medium),
        ("EXEC-002", "VM-002", Severity::Critical),
        ("EXEC-003", "REC-001", Severity::High),
        ("EXEC-006", "REC-003", Severity::Critical),
        ("PUH-001", "REC-001", Severity::High),
        ("VEN-001", "VIM-001", Severity::High),
        ("LOG-001", "EVENT-001", Severity::Medium),
        ("DATA-001", "DATA-001", Severity::High),
        ("DATA-002", "DATA-002", Severity::Medium),
        ("CONFIG-001", "CONFIG-001", Severity::Critical),
        ("CONFIG-002", "CONFIG-002", Severity::High),
        ("CONFIG-003", "CONFIG-001", Severity::Critical),
        ("HEALTH-001", "HEALTH-001", Severity::Critical),
        ("HEALTH-002", "HEALTH-002", Severity::High),
    ];
    for (ours, theirs, severity) in matches {
        assert_eq!(
            ErrorCode::parse(ours).unwrap().severity(),
            severity,
            "{ours} means registry B's {theirs}"
        );
    }
}
