//! Two crates declaring one component name, prefix or log file, or one
//! error code, are refused at start-up. A test binary of its own, since the
//! duplicates poison the registry of the whole binary.

use basis_registry::{Component, ErrorCode};

// Each module stands for another crate: `component!` refuses duplicates
// within one invocation at compile time, not across invocations.
mod crate_a {
    basis_registry::component! {
        /// One engine's funding monitor.
        pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
    }

    pub mod codes {
        use super::FundingMonitor;

        basis_registry::error_codes! {
            FUND_001 = "FUND-001" {
                component: FundingMonitor,
                severity: HIGH,
                message: "Funding feed stale",
                description: "No funding rate arrived for a minute.",
                action: "Retried on the next tick.",
            }
        }
    }
}

mod crate_b {
    basis_registry::component! {
        /// Another engine's component with the same prefix.
        pub FundingWatcher { prefix: "FUND", log_file: "funding_watcher.log" }
    }

    pub mod codes {
        use super::FundingWatcher;

        basis_registry::error_codes! {
            FUND_001 = "FUND-001" {
                component: FundingWatcher,
                severity: LOW,
                message: "Another meaning",
                description: "The same code, declared again.",
                action: "None.",
            }
        }
    }
}

mod crate_c {
    basis_registry::component! {
        /// Same name as crate_a's.
        pub FundingMonitor { prefix: "FUNDC", log_file: "funding_c.log" }
        /// Same log file as crate_a's.
        pub Funding { prefix: "FUNDD", log_file: "funding_monitor.log" }
    }
}

#[test]
fn a_component_name_prefix_or_log_file_claimed_twice_is_refused() {
    let err = Component::registered().unwrap_err();
    let message = err.to_string();
    // Names are checked first.
    assert_eq!(
        (err.what, err.value.as_str()),
        ("name", "FundingMonitor"),
        "{message}"
    );
    assert!(
        message.contains("duplicate_components::crate_a::FundingMonitor"),
        "{message}"
    );
    assert!(
        message.contains("duplicate_components::crate_c::FundingMonitor"),
        "{message}"
    );
}

#[test]
fn a_code_declared_twice_is_refused() {
    let err = ErrorCode::registered().unwrap_err();
    assert_eq!(err.code, "FUND-001");
    let message = err.to_string();
    assert!(
        message.contains("duplicate_components::crate_a::codes"),
        "{message}"
    );
    assert!(
        message.contains("duplicate_components::crate_b::codes"),
        "{message}"
    );
    let _ = (crate_a::codes::ALL, crate_b::codes::ALL, crate_c::Funding);
}
