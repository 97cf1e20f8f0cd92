use basis_events::prelude::*;

/// A warning any component may raise.
#[domain_event(file = "warnings.jsonl", logged_by = all, version = 3, example = example)]
pub struct Warning {
    pub message: String,
}

fn example() -> Warning {
    Warning {
        message: "slow venue".into(),
    }
}

fn main() {
    assert_eq!(Warning::LOGGED_BY, LoggedBy::AllComponents);
    assert!(Warning::LOGGED_BY.allows(Component::RiskMonitor));
    assert_eq!(Warning::VERSION, 3);
    assert_eq!(Warning::example(), Some(example()));
}
