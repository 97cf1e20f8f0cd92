use basis_events::prelude::*;

mod v1 {
    #[basis_events::past_event(version = 1)]
    pub struct Warning {
        pub text: String,
    }
}

/// A warning any component may raise; `text` was renamed `message` in v2.
#[domain_event(file = "warnings.jsonl", logged_by = all, version = 2, previous = v1::Warning, example = example)]
pub struct Warning {
    pub message: String,
}

impl From<v1::Warning> for Warning {
    fn from(old: v1::Warning) -> Self {
        Warning { message: old.text }
    }
}

fn example() -> Warning {
    Warning {
        message: "slow venue".into(),
    }
}

fn main() {
    assert_eq!(Warning::LOGGED_BY, LoggedBy::AllComponents);
    assert!(Warning::LOGGED_BY.allows(Component::RiskMonitor));
    assert_eq!(Warning::VERSION, 2);
    assert_eq!(Warning::example(), Some(example()));
}
