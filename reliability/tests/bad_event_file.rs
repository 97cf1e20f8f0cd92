//! Event file names reach the file system too. `#[domain_event]` refuses a
//! file name that is not a plain `*.jsonl` name at compile time (the ui
//! tests); an event registered by hand, bypassing the attribute, must still
//! not make the logger create or open anything outside `events/`.
//!
//! This binary registers such an event, so it has a test binary of its own.
//!
//! Mutant seen to fail: `file_name_problem`
//! (`events/src/runtime/logger/mod.rs`) letting a path separator through.

use std::path::Path;

use basis_events::{DomainEvent, DomainEventLogger, LoggedBy};
use basis_reliability::tree;
use serde::{Deserialize, Serialize};

/// An event whose file climbs out of `events/`, the run and the log root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Escaping {
    pub note: String,
}

/// Hand-written, as `#[domain_event]` would: version 1 is its own previous.
impl basis_events::upcast::Upcast for Escaping {
    const EVENT: &'static str = "Escaping";
    const AT_VERSION: u32 = 1;
    type Previous = Self;
    fn upcast(previous: Self) -> Self {
        previous
    }
}

impl DomainEvent for Escaping {
    const NAME: &'static str = "Escaping";
    const FILE: &'static str = "../../../../escaped.jsonl";
    const LOGGED_BY: LoggedBy = LoggedBy::AllComponents;
    const VERSION: u32 = 1;
}

basis_events::__private::inventory::submit! {
    basis_events::__private::EventInfo::of::<Escaping>("bad_event_file")
}

#[test]
fn a_registered_event_file_name_that_climbs_out_is_refused_and_nothing_is_created() {
    let sandbox = tempfile::tempdir().unwrap();
    let run = sandbox.path().join("logs").join("run").join("1");
    let before = tree(sandbox.path());
    let result = DomainEventLogger::new(&run, "run", 1);
    // events/ → 1/ → run/ → logs/ → the sandbox itself.
    let escaped = sandbox.path().join("escaped.jsonl");
    assert!(
        !escaped.exists(),
        "the logger created {} outside events/",
        escaped.display()
    );
    let err = result.expect_err("a logger started with an event writing outside events/");
    let text = err.to_string();
    assert!(text.contains("../../../../escaped.jsonl"), "{text}");
    assert!(text.contains("Escaping"), "{text}");
    // Refused before anything was created.
    assert_eq!(tree(sandbox.path()), before);
    assert!(!Path::new("escaped.jsonl").exists());
}
