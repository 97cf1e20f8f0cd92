//! An event file name of 129 bytes, registered by hand (bypassing
//! `#[domain_event]`'s own check): the logger refuses it over 128 bytes, naming the file and the limit, before anything is created.
//!
//! The event is registered in this binary only, so it has one of its own.

use basis_events::{DomainEvent, DomainEventLogger, LoggedBy};
use basis_reliability::tree;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LongName {
    pub note: String,
}

const FILE: &str = "lllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll.jsonl";

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
    basis_events::__private::EventInfo::of::<LongName>("long_event_file")
}

/// Mutant caught: the old limit (`> 255`), or the check removed.
#[test]
fn an_event_file_name_over_128_bytes_is_refused_by_name_and_nothing_is_created() {
    assert_eq!(FILE.len(), 129);
    let sandbox = tempfile::tempdir().unwrap();
    let run = sandbox.path().join("logs").join("run").join("1");
    let before = tree(sandbox.path());
    let err = DomainEventLogger::new(&run, "run", 1).expect_err("a 129-byte file name");
    assert_eq!(
        err.to_string(),
        format!(
            "event `LongName` writes `{FILE}`, which is not a plain file name: \
             it is longer than 128 bytes; nothing was created"
        ),
    );
    assert_eq!(tree(sandbox.path()), before);
}
