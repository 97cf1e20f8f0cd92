//! The typed event model: what a line of an event file *is*.
//!
//! The [`DomainEvent`](crate::DomainEvent) trait, the [`Envelope`](crate::Envelope)
//! the logger stamps, engine and wall-clock time, the record that joins the
//! two, the guide's 12 events, the registry of every event linked into the
//! binary, and JSON Schema generation. Nothing here touches the file system:
//! the writing side is [`runtime`](crate::runtime), the reading side
//! [`reader`](crate::reader).

pub mod catalog;
pub(crate) mod envelope;
pub(crate) mod event;
pub(crate) mod record;
pub(crate) mod registered;
pub mod run_catalog;
pub mod schema;
pub mod time;
pub mod upcast;
