//! Typed, schema-checked domain events for the basis-strategy engine.
//!
//! A component author declares an event as a plain struct; the attribute does
//! the rest: serde and JSON Schema derives, the `DomainEvent` impl that says
//! which file under `events/` the event goes to and which component logs it,
//! and registration, so every event linked into a binary can be listed.
//!
//! ```
//! use basis_events::prelude::*;
//!
//! /// Snapshot of every position after an update.
//! #[domain_event(file = "my_positions.jsonl", logged_by = PositionMonitor)]
//! pub struct MyPositionSnapshot {
//!     pub positions: BTreeMap<String, f64>,
//!     pub total_value_usd: f64,
//!     pub position_type: PositionType,
//!     pub trigger_source: String,
//!     #[serde(default)]
//!     pub metadata: Metadata,
//! }
//!
//! assert_eq!(MyPositionSnapshot::FILE, "my_positions.jsonl");
//! assert!(basis_events::event_named("MyPositionSnapshot").is_some());
//! ```
//!
//! The logger stamps the envelope (`timestamp`, `real_utc_time`,
//! `correlation_id`, `pid`) when the event is emitted; the author never names
//! those fields. Reading a line back gives an [`EventRecord`]: the envelope and
//! the typed event together.
//!
//! # The runtime
//!
//! - [`LogDirectoryManager`] creates a run's `logs/{correlation_id}/{pid}/`
//!   with its `events/` and `metadata.json`, and removes old runs
//!   ([`run_dir`]).
//! - [`DomainEventLogger`] appends each event to `events/<file>`: buffered,
//!   rotated, thread-safe, with typed errors ([`LogError`]) and the crash
//!   guarantees of [`Durability`].
//! - [`StructuredLogger`] writes a component's `.log` as JSON lines, and
//!   [`StructuredLayer`] routes `tracing` events into them ([`structured`]).
//! - [`EngineClock`] is the engine's time: set by a backtest's data loop, or
//!   the wall clock when live.
//! - [`AtomicGroup`] and [`TightLoopTimer`] measure execution and emit its
//!   events.
//! - [`read`] lists a file's rotated segments in order and reads lines,
//!   reporting a torn last line as such.

// Generated code names `::basis_events::…`; this makes those paths resolve
// inside this crate too, so the catalog is declared exactly as an outside
// author would declare it.
extern crate self as basis_events;

pub mod model;
pub mod prelude;
pub mod reader;
pub mod runtime;

// The model's and the runtime's public modules, at the paths authors and
// readers have always used.
pub use model::{catalog, schema, time, upcast};
pub(crate) use model::{envelope, event, record, registered};
pub use reader as read;
pub(crate) use runtime::{clock, guard, logger};
pub use runtime::{run_dir, structured};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Builds ad-hoc fields of a component-log line, so an author needs no
/// direct serde_json dependency: `basis_events::json!({"positions_count": 1})`.
pub use serde_json::json;
/// The subscriber [`StructuredLayer`] plugs into, re-exported so that
/// installing the layer needs no direct dependency:
/// `basis_events::tracing_subscriber::registry().with(layer)`.
pub use tracing_subscriber;

/// Declares an engine's own components; see [`basis_registry::component!`].
pub use basis_registry::component;
/// Declares an engine's own error codes; see [`basis_registry::error_codes!`].
pub use basis_registry::error_codes;
pub use basis_registry::{
    Component, DuplicateCode, DuplicateComponent, ErrorCode, InvalidErrorCode, Severity, codes,
    components,
};
pub use envelope::{ENVELOPE_FIELDS, Envelope};
pub use event::{DomainEvent, LoggedBy};
pub use record::EventRecord;
pub use registered::{
    DuplicateEvent, EventInfo, check_unique, event_for_file, event_named, registered_events,
};
pub use time::{EngineTime, RealUtcTime};

pub use clock::{EngineClock, LiveClockError, real_utc_now};
pub use guard::{AtomicGroup, TightLoopTimer};
pub use logger::{
    DEFAULT_MAX_FILE_BYTES, DomainEventLogger, DomainEventLoggerBuilder, Durability, ErrorCounts,
    ErrorKind, FileCounts, FileOpener, LOG_FILE_MODE, LogError, LoggerConfig, ShutdownReport,
    flush_live_loggers, install_panic_hook, open_log_file,
};
pub use run_dir::{LogDirectoryManager, RunLogs, RunOptions};
pub use structured::{ComponentLogs, Fields, StructuredLayer, StructuredLogger};

/// Derives what a type nested in an event needs, with basis-events as the
/// only dependency: `Serialize`, `Deserialize`, `JsonSchema` (through this
/// crate's copies of serde and schemars), `Debug`, `Clone` and `PartialEq`.
/// Serde and schemars attributes work on it as usual.
///
/// ```
/// use basis_events::prelude::*;
///
/// /// A funding rate sample.
/// #[basis_events::payload]
/// pub struct Rate {
///     pub venue: String,
///     pub rate: f64,
/// }
///
/// #[domain_event(file = "rates.jsonl", logged_by = StrategyManager)]
/// pub struct RatesSampled {
///     pub rates: Vec<Rate>,
/// }
/// ```
pub use basis_events_macros::payload;

/// Declares a domain event.
///
/// ```text
/// #[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
/// #[domain_event(file = "system_errors.jsonl", logged_by = all, version = 2, previous = v1::SystemErrorEvent, example = path::to::fn)]
/// ```
///
/// - `file`: the file under `events/` the event is appended to; a plain name
///   ending in `.jsonl`, of at most 128 bytes.
/// - `logged_by`: a built-in component (`PositionMonitor`, no import
///   needed), a component declared with [`component!`] in scope, or `all`
///   for an event any component logs (the guide's `SystemErrorEvent`). A
///   typo is a compile error on the name.
/// - `version`: the schema version, from 1 (the default). Bump it for a
///   breaking change (`cargo xtask schemas --check` says when one is).
/// - `previous`: required above version 1: the payload type of the version
///   before, kept under [`past_event`], with `impl From<Previous> for Self`.
///   Lines written under any past version are read into this type through
///   the chain (see [`upcast`]).
/// - `example`: a function returning a canonical instance, shown in the
///   generated docs and validated against the schema in tests.
///
/// The struct must have named fields and no generics. It gets
/// `Serialize`, `Deserialize`, `JsonSchema`, `Debug`, `Clone` and
/// `PartialEq`, plus `#[serde(deny_unknown_fields)]`; the author's own serde
/// attributes keep working, except `flatten`. No field may be named, or
/// renamed, like an envelope field.
pub use basis_events_macros::domain_event;

/// Declares a past version of an event's payload, kept so that lines written
/// under it are read into the current type (see [`upcast`]).
///
/// ```text
/// #[past_event(version = 1)]
/// #[past_event(version = 2, previous = v1::FundingPayment)]
/// ```
///
/// The struct is named like the event, usually in a module named after its
/// version, with the fields that version wrote; it gets the derives and
/// closed objects of `#[domain_event]`, and no file or registration. Each
/// version above 1 names the type before it and converts from it with
/// `impl From<Previous> for ThisVersion`.
pub use basis_events_macros::past_event;
