//! Reading a line written under any past version of an event into its
//! current type: a chain of upcasts, one per version bump (the cqrs-es and
//! Axon upcaster pattern).
//!
//! Every version of an event is a payload type. The current one is the
//! `#[domain_event(version = N, previous = vN_1::Event)]` struct; each past
//! one is kept, frozen, under `#[past_event(version = K, previous = …)]`,
//! usually in a module named after its version. Each type says which type
//! came before it ([`Upcast::Previous`]) and converts from it
//! ([`Upcast::upcast`], the author's `impl From<Previous> for Self`). A line
//! written under version K is parsed as the version-K type and converted
//! forward, one version at a time, to the current one.
//!
//! Forgetting any part fails the build: a version above 1 without
//! `previous` is refused by the macro; a `previous` whose version is not
//! exactly one less, or whose name differs, fails a const assertion; a
//! missing `From` impl is rustc's error on the `previous` path.
//!
//! ```
//! use basis_events::upcast::{Upcast, parse_record_at};
//!
//! mod v1 {
//!     /// The rate as first written: `rate`.
//!     #[basis_events::past_event(version = 1)]
//!     pub struct FeeCharged {
//!         pub rate: f64,
//!     }
//! }
//!
//! /// A fee charged on a trade.
//! #[basis_events::domain_event(
//!     file = "doc_fees.jsonl",
//!     logged_by = ExecutionManager,
//!     version = 2,
//!     previous = v1::FeeCharged
//! )]
//! pub struct FeeCharged {
//!     /// Renamed in version 2.
//!     pub fee_rate: f64,
//! }
//!
//! impl From<v1::FeeCharged> for FeeCharged {
//!     fn from(old: v1::FeeCharged) -> Self {
//!         FeeCharged { fee_rate: old.rate }
//!     }
//! }
//!
//! let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.000000","correlation_id":"c","pid":7,"rate":0.5}"#;
//! let record = parse_record_at::<FeeCharged>(line, 1)?;
//! assert_eq!(record.event, FeeCharged { fee_rate: 0.5 });
//! assert!(parse_record_at::<FeeCharged>(line, 2).is_err());
//! assert!(parse_record_at::<FeeCharged>(line, 3).is_err());
//! # Ok::<(), basis_events::upcast::UpcastError>(())
//! ```

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::EventRecord;

/// One version of an event's payload, and how it was reached from the one
/// before. Implemented by `#[domain_event]` and `#[past_event]`.
pub trait Upcast: DeserializeOwned + JsonSchema + 'static {
    /// The event's name, the same for every version.
    const EVENT: &'static str;
    /// The version this type reads.
    const AT_VERSION: u32;
    /// The type of version `AT_VERSION - 1`; `Self` for version 1.
    type Previous: Upcast;
    /// Converts a payload of the previous version (the identity at version 1).
    fn upcast(previous: Self::Previous) -> Self;
}

/// Why a line could not be read into an event's current type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpcastError {
    /// The line names a version this binary has no type for.
    #[error(
        "`{event}` has no version {version} in this binary (versions 1 to {current}); \
         a newer writer wrote it"
    )]
    UnknownVersion {
        event: &'static str,
        version: u32,
        current: u32,
    },
    /// The line does not parse as the version it was written under.
    #[error("not a valid `{event}` version {version}: {source}")]
    Json {
        event: &'static str,
        version: u32,
        #[source]
        source: serde_json::Error,
    },
}

/// Parses `line`, written under `version` of `V`'s event, into `V`,
/// converting it forward through every version in between.
///
/// # Errors
///
/// [`UpcastError::UnknownVersion`] when `version` is 0 or above
/// `V::AT_VERSION`; [`UpcastError::Json`] when the line is not a valid line
/// of that version.
pub fn parse_record_at<V: Upcast>(line: &str, version: u32) -> Result<EventRecord<V>, UpcastError> {
    if version == V::AT_VERSION {
        return serde_json::from_str::<EventRecord<V>>(line).map_err(|source| UpcastError::Json {
            event: V::EVENT,
            version,
            source,
        });
    }
    if version == 0 || version > V::AT_VERSION || V::AT_VERSION == 1 {
        return Err(UpcastError::UnknownVersion {
            event: V::EVENT,
            version,
            current: V::AT_VERSION,
        });
    }
    let previous = parse_record_at::<V::Previous>(line, version).map_err(|err| match err {
        // Name the newest version, not the one the chain stopped at.
        UpcastError::UnknownVersion { event, version, .. } => UpcastError::UnknownVersion {
            event,
            version,
            current: V::AT_VERSION,
        },
        other => other,
    })?;
    Ok(EventRecord {
        envelope: previous.envelope,
        event: V::upcast(previous.event),
    })
}

/// The root schema of the payload type of `version` in `V`'s chain, from
/// `generator`; `None` for a version the chain does not have.
pub(crate) fn payload_root_at<V: Upcast>(
    generator: schemars::SchemaGenerator,
    version: u32,
) -> Option<Value> {
    if version == V::AT_VERSION {
        return Some(generator.into_root_schema_for::<V>().to_value());
    }
    if version == 0 || version > V::AT_VERSION || V::AT_VERSION == 1 {
        return None;
    }
    payload_root_at::<V::Previous>(generator, version)
}

/// A line written under `version` of `E`, as the JSON object `E`'s current
/// version writes: parsed through the chain, converted, and serialized.
///
/// # Errors
///
/// As [`parse_record_at`].
pub fn upcast_line<E: crate::DomainEvent>(line: &str, version: u32) -> Result<Value, UpcastError> {
    let record = parse_record_at::<E>(line, version)?;
    serde_json::to_value(&record).map_err(|source| UpcastError::Json {
        event: E::NAME,
        version,
        source,
    })
}

/// Asserts at compile time that `P` can be `E`'s previous version: the same
/// event name, and a version exactly one less. Called by the macros from a
/// `const` item.
#[doc(hidden)]
pub const fn assert_previous<E: Upcast, P: Upcast>() {
    assert!(
        P::AT_VERSION + 1 == E::AT_VERSION,
        "the `previous` type of an event version must be its version exactly one less"
    );
    assert!(
        same_name(E::EVENT, P::EVENT),
        "the `previous` type of an event version must be a version of the same event (same struct name)"
    );
}

const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
