//! Every event linked into the binary, found at run time without a hand-kept list.
//!
//! `#[domain_event]` submits an [`EventInfo`] for its struct through
//! `inventory`, so events declared in other crates are listed too, and a
//! user's engine can write the schemas of its own events next to ours.

use std::collections::HashMap;

use serde_json::Value;

use crate::upcast::UpcastError;
use crate::{DomainEvent, Envelope, EventRecord, LoggedBy, schema};

/// What the run time knows about one event type, without its Rust type.
#[derive(Debug)]
pub struct EventInfo {
    name: &'static str,
    file: &'static str,
    logged_by: LoggedBy,
    version: u32,
    module_path: &'static str,
    schema: fn() -> Value,
    example: fn() -> Option<String>,
    parse_line: fn(&str) -> Result<Envelope, serde_json::Error>,
    parse_line_at: fn(&str, u32) -> Result<Envelope, UpcastError>,
    upcast_line: fn(&str, u32) -> Result<Value, UpcastError>,
    schema_at: fn(u32) -> Option<Value>,
}

impl EventInfo {
    /// Describes `E`; called by the code `#[domain_event]` generates.
    #[doc(hidden)]
    pub const fn of<E: DomainEvent>(module_path: &'static str) -> Self {
        EventInfo {
            name: E::NAME,
            file: E::FILE,
            logged_by: E::LOGGED_BY,
            version: E::VERSION,
            module_path,
            schema: schema::record_schema::<E>,
            example: example_line::<E>,
            parse_line: parse_line::<E>,
            parse_line_at: parse_line_at::<E>,
            upcast_line: crate::upcast::upcast_line::<E>,
            schema_at: schema::record_schema_at::<E>,
        }
    }

    /// The event's name: `"PositionSnapshot"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its file under `events/`: `"positions.jsonl"`.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The component that logs it.
    pub fn logged_by(&self) -> LoggedBy {
        self.logged_by
    }

    /// Its schema version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The module that declared it, for error messages about duplicates.
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }

    /// The JSON Schema of one line of the event's file.
    pub fn schema(&self) -> Value {
        (self.schema)()
    }

    /// The canonical instance as one compact line, stamped with
    /// [`Envelope::example`], if the event declares one.
    pub fn example_line(&self) -> Option<String> {
        (self.example)()
    }

    /// Parses one line into the typed event, returning its envelope: the check
    /// `basis-log validate` runs on every line.
    pub fn parse_line(&self, line: &str) -> Result<Envelope, serde_json::Error> {
        (self.parse_line)(line)
    }

    /// Parses one line written under `version` into the typed event,
    /// through the upcast chain ([`crate::upcast`]), returning its envelope.
    ///
    /// # Errors
    ///
    /// [`UpcastError`] when the binary has no such version, or the line is
    /// not a valid line of it.
    pub fn parse_line_at(&self, line: &str, version: u32) -> Result<Envelope, UpcastError> {
        (self.parse_line_at)(line, version)
    }

    /// One line written under `version`, as the current version writes it.
    ///
    /// # Errors
    ///
    /// As [`EventInfo::parse_line_at`].
    pub fn upcast_line(&self, line: &str, version: u32) -> Result<Value, UpcastError> {
        (self.upcast_line)(line, version)
    }

    /// The JSON Schema of one line as `version` wrote it, if the binary
    /// keeps that version's type.
    pub fn schema_at(&self, version: u32) -> Option<Value> {
        (self.schema_at)(version)
    }
}

inventory::collect!(EventInfo);

fn example_line<E: DomainEvent>() -> Option<String> {
    let record = E::example()?.stamp(Envelope::example());
    serde_json::to_string(&record).ok()
}

fn parse_line_at<E: DomainEvent>(line: &str, version: u32) -> Result<Envelope, UpcastError> {
    crate::upcast::parse_record_at::<E>(line, version).map(|record| record.envelope)
}

fn parse_line<E: DomainEvent>(line: &str) -> Result<Envelope, serde_json::Error> {
    serde_json::from_str::<EventRecord<E>>(line).map(|record| record.envelope)
}

/// Two registered events that would write into one file or share a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "events `{first}` and `{second}` both claim the {what} `{value}`; \
     every event needs its own name and its own file"
)]
pub struct DuplicateEvent {
    pub what: &'static str,
    pub value: &'static str,
    pub first: String,
    pub second: String,
}

/// Every registered event, sorted by name, after checking that no two share a
/// name or a file (two schemas silently mixed in one file would make it
/// unreadable).
pub fn registered_events() -> Result<Vec<&'static EventInfo>, DuplicateEvent> {
    let mut events: Vec<&'static EventInfo> = inventory::iter::<EventInfo>.into_iter().collect();
    events.sort_by_key(|event| (event.name, event.module_path));
    check_unique(&events)?;
    Ok(events)
}

/// Looks up the registered event that writes `file` (`"positions.jsonl"`).
pub fn event_for_file(file: &str) -> Option<&'static EventInfo> {
    inventory::iter::<EventInfo>
        .into_iter()
        .find(|event| event.file == file)
}

/// Looks up a registered event by name (`"PositionSnapshot"`).
pub fn event_named(name: &str) -> Option<&'static EventInfo> {
    inventory::iter::<EventInfo>
        .into_iter()
        .find(|event| event.name == name)
}

/// Fails on the first name or file claimed twice.
pub fn check_unique(events: &[&EventInfo]) -> Result<(), DuplicateEvent> {
    for (what, key) in [
        (
            "name",
            (|e: &EventInfo| e.name) as fn(&EventInfo) -> &'static str,
        ),
        ("file", |e: &EventInfo| e.file),
    ] {
        let mut seen: HashMap<&'static str, &EventInfo> = HashMap::new();
        for event in events {
            if let Some(first) = seen.insert(key(event), event) {
                return Err(DuplicateEvent {
                    what,
                    value: key(event),
                    first: format!("{}::{}", first.module_path, first.name),
                    second: format!("{}::{}", event.module_path, event.name),
                });
            }
        }
    }
    Ok(())
}
