//! The `DomainEvent` trait every `#[domain_event]` struct implements.

use std::fmt::Debug;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Component, Envelope, EventRecord};

/// A domain event: a payload struct declared with `#[domain_event]`.
///
/// The struct holds the payload only, so authors build events from their own
/// fields and never name an envelope field. The logger stamps the envelope
/// ([`DomainEvent::stamp`]) when the event is emitted, and readers get the two
/// back together as an [`EventRecord`].
///
/// Implemented by the macro; the constants describe where and how the event
/// is written.
pub trait DomainEvent:
    Serialize
    + DeserializeOwned
    + JsonSchema
    + crate::upcast::Upcast
    + Debug
    + Clone
    + PartialEq
    + Send
    + Sync
    + 'static
{
    /// The event's name, as the guide writes it: `"PositionSnapshot"`.
    const NAME: &'static str;
    /// The file under `events/` the event is appended to: `"positions.jsonl"`.
    const FILE: &'static str;
    /// The component that logs it.
    const LOGGED_BY: LoggedBy;
    /// The schema version, `version = N` in the attribute (1 by default).
    const VERSION: u32;

    /// A canonical instance, used for the generated docs and schema tests
    /// (`example = path` in the attribute).
    fn example() -> Option<Self> {
        None
    }

    /// Joins the payload with its envelope: what the logger writes.
    fn stamp(self, envelope: Envelope) -> EventRecord<Self> {
        EventRecord {
            envelope,
            event: self,
        }
    }
}

/// Which component logs an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoggedBy {
    /// One component, such as `PositionMonitor` for `PositionSnapshot`.
    Component(Component),
    /// Every component may log it (the guide's "All components", for
    /// `SystemErrorEvent`). Declared as `logged_by = all`.
    AllComponents,
}

impl LoggedBy {
    /// The name used in schemas and docs: the component's name, or `"all"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LoggedBy::Component(component) => component.name(),
            LoggedBy::AllComponents => "all",
        }
    }

    /// Whether `component` may log this event.
    pub fn allows(self, component: Component) -> bool {
        match self {
            LoggedBy::Component(only) => only == component,
            LoggedBy::AllComponents => true,
        }
    }
}

impl std::fmt::Display for LoggedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoggedBy::Component(component) => f.write_str(component.name()),
            LoggedBy::AllComponents => f.write_str("All components"),
        }
    }
}
