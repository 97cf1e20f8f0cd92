//! One line of an event file: the envelope and the typed payload together.

mod de;
mod ser;

use std::ops::Deref;

use crate::Envelope;

/// An event with its envelope, as written to and read from an event file.
///
/// On the wire the envelope keys come first, in the guide's order, followed
/// by the payload's fields in declaration order, all in one flat JSON object:
///
/// ```
/// use basis_events::catalog::TightLoopExecutionEvent;
/// use basis_events::EventRecord;
///
/// let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.123456","correlation_id":"abc123","pid":12345,"operation_id":"supply_001","execution_success":true,"reconciliation_success":true,"retry_count":0,"total_duration_ms":150.5,"execution_duration_ms":125.5,"reconciliation_duration_ms":25.0}"#;
/// let record: EventRecord<TightLoopExecutionEvent> = serde_json::from_str(line)?;
/// assert_eq!(record.envelope.pid, 12345);
/// assert_eq!(record.event.operation_id, "supply_001");
/// assert_eq!(serde_json::to_string(&record)?, line);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// The flattening is done by hand rather than with `#[serde(flatten)]`, which
/// would buffer every line into an untyped tree, lose `deny_unknown_fields`
/// and give an open schema.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord<E> {
    pub envelope: Envelope,
    pub event: E,
}

impl<E> EventRecord<E> {
    /// The envelope the logger stamped.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Splits the record back into envelope and payload.
    pub fn into_parts(self) -> (Envelope, E) {
        (self.envelope, self.event)
    }
}

impl<E> Deref for EventRecord<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.event
    }
}
