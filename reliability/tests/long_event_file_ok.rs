//! An event file name of 128 bytes, registered by hand (bypassing
//! `#[domain_event]`'s own check): the logger accepts it: 128 bytes is the limit, not over it.
//!
//! The event is registered in this binary only, so it has one of its own.

use basis_events::{DomainEvent, DomainEventLogger, LoggedBy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LongName {
    pub note: String,
}

const FILE: &str = "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll.jsonl";

/// Hand-written, as `#[domain_event]` would: version 1 is its own previous.
impl basis_events::upcast::Upcast for LongName {
    const EVENT: &'static str = "LongName";
    const AT_VERSION: u32 = 1;
    type Previous = Self;
    fn upcast(previous: Self) -> Self {
        previous
    }
}

impl DomainEvent for LongName {
    const NAME: &'static str = "LongName";
    const FILE: &'static str = FILE;
    const LOGGED_BY: LoggedBy = LoggedBy::AllComponents;
    const VERSION: u32 = 1;
}

basis_events::__private::inventory::submit! {
    basis_events::__private::EventInfo::of::<LongName>("long_event_file_ok")
}

/// Mutant caught: the limit as `>= 128` (or any limit under 128).
#[test]
fn an_event_file_name_of_exactly_128_bytes_is_accepted() {
    assert_eq!(FILE.len(), 128);
    let dir = tempfile::tempdir().unwrap();
    let logger = DomainEventLogger::new(dir.path(), "run", 1).unwrap();
    logger
        .emit(LongName {
            note: "ok".to_owned(),
        })
        .unwrap();
    logger.shutdown().unwrap();
    let text = std::fs::read_to_string(dir.path().join("events").join(FILE)).unwrap();
    assert_eq!(text.lines().count(), 1);
}
