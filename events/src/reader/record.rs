//! One line read back: untyped ([`RawRecord`], the envelope parsed and the
//! payload left as JSON text) or typed ([`TypedRecord`]).

use std::ops::Deref;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::position::Position;
use super::problem::{LineFault, Problem};
use crate::{DomainEvent, ENVELOPE_FIELDS, Envelope, EventRecord};

/// A line of a run with its envelope parsed and its payload unparsed: what
/// a tool that does not know the event's Rust type reads.
///
/// Only the envelope's keys are parsed (the rest of the line is checked to
/// be JSON, not built into a tree), so a record is cheap; [`RawRecord::parse`]
/// gives the typed event when the caller knows it.
///
/// ```
/// use basis_events::catalog::HealthStatusEvent;
/// use basis_events::reader::{Position, RawRecord};
///
/// let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"abc123","pid":7,"seq":4,"component":"engine","status":"healthy","message":"ok","metadata":{}}"#;
/// let record = RawRecord::from_line(line, "HealthStatusEvent", Position::new("events/health_status.jsonl", "health_status.jsonl", 7, None, 1))?;
/// assert_eq!(record.envelope().seq, Some(4));
/// assert!(record.is::<HealthStatusEvent>());
/// assert_eq!(record.payload()?.get(), r#"{"component":"engine","status":"healthy","message":"ok","metadata":{}}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RawRecord {
    event: Arc<str>,
    /// The schema version the run's catalog gives for the line's file;
    /// `None` when unknown (read as the current version).
    version: Option<u32>,
    envelope: Envelope,
    line: String,
    position: Position,
}

impl RawRecord {
    /// Parses `line`'s envelope. `event` is the event its file holds.
    ///
    /// # Errors
    ///
    /// [`Problem::BadLine`] when `line` is not a JSON object with a valid
    /// envelope.
    ///
    /// ```
    /// use basis_events::reader::{Position, Problem, RawRecord};
    ///
    /// let position = Position::new("events/positions.jsonl", "positions.jsonl", 7, None, 1);
    /// let err = RawRecord::from_line("{\"pid\":7}", "PositionSnapshot", position).unwrap_err();
    /// assert!(matches!(err, Problem::BadLine { .. }));
    /// ```
    pub fn from_line(
        line: impl Into<String>,
        event: &str,
        position: Position,
    ) -> Result<RawRecord, Problem> {
        let line = line.into();
        match serde_json::from_str::<Envelope>(&line) {
            Ok(envelope) => Ok(RawRecord {
                event: Arc::from(event),
                version: None,
                envelope,
                line,
                position,
            }),
            Err(err) => Err(Problem::BadLine {
                position,
                reason: LineFault::NotJson(Arc::new(err)),
            }),
        }
    }

    pub(crate) fn shared(
        line: String,
        event: &Arc<str>,
        version: u32,
        envelope: Envelope,
        position: Position,
    ) -> RawRecord {
        RawRecord {
            version: Some(version),
            event: Arc::clone(event),
            envelope,
            line,
            position,
        }
    }

    /// The event's name, from the run's catalog by file: `PositionSnapshot`.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let record = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 7, None, 1))?;
    /// assert_eq!(record.event(), "PositionSnapshot");
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The envelope, parsed.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let record = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 7, None, 1))?;
    /// assert_eq!((record.envelope().pid, record.envelope().seq), (7, None));
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The line as written (without its `\n`): envelope and payload.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let record = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 7, None, 1))?;
    /// assert_eq!(record.line(), line);
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn line(&self) -> &str {
        &self.line
    }

    /// Where the line is.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let record = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 7, None, 9))?;
    /// assert_eq!(record.position().line(), 9);
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// Whether the record is an `E`, by the catalog's name for its file.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// use basis_events::catalog::{PositionSnapshot, RiskAssessment};
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let record = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 7, None, 1))?;
    /// assert!(record.is::<PositionSnapshot>() && !record.is::<RiskAssessment>());
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn is<E: DomainEvent>(&self) -> bool {
        &*self.event == E::NAME
    }

    /// The typed record, when the record is an `E`.
    ///
    /// # Errors
    ///
    /// [`Problem::BadLine`] with [`LineFault::OtherEvent`] when it is
    /// another event, or [`LineFault::Typed`] when the payload is not a
    /// valid `E`.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// use basis_events::catalog::RiskAssessment;
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let record = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 7, None, 1))?;
    /// assert!(record.parse::<RiskAssessment>().is_err());
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn parse<E: DomainEvent>(&self) -> Result<EventRecord<E>, Problem> {
        let fault = if self.is::<E>() {
            let version = self.version.unwrap_or(E::VERSION);
            match crate::upcast::parse_record_at::<E>(&self.line, version) {
                Ok(record) => return Ok(record),
                Err(err) => LineFault::from_upcast(E::NAME, E::VERSION, err),
            }
        } else {
            LineFault::OtherEvent {
                expected: E::NAME,
                found: self.event.to_string(),
            }
        };
        Err(Problem::BadLine {
            position: self.position.clone(),
            reason: fault,
        })
    }

    /// The schema version its process's catalog gives for its file: the
    /// version that wrote it. `None` for a record made with
    /// [`RawRecord::from_line`].
    pub fn version(&self) -> Option<u32> {
        self.version
    }

    /// The payload (every key but the envelope's) as one raw JSON object,
    /// in the order written. Built on demand from the line.
    ///
    /// # Errors
    ///
    /// A [`serde_json::Error`] only if the line is not an object, which a
    /// record read by the reader always is.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7,"a":[1,2]}"#;
    /// let record = RawRecord::from_line(line, "X", Position::new("p", "x.jsonl", 7, None, 1))?;
    /// assert_eq!(record.payload()?.get(), r#"{"a":[1,2]}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn payload(&self) -> Result<Box<RawValue>, serde_json::Error> {
        let mut fields: indexmap::IndexMap<String, &RawValue> = serde_json::from_str(&self.line)?;
        fields.retain(|key, _| !ENVELOPE_FIELDS.contains(&key.as_str()));
        RawValue::from_string(serde_json::to_string(&fields)?)
    }

    /// The line, owned.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord};
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let record = RawRecord::from_line(line, "X", Position::new("p", "x.jsonl", 7, None, 1))?;
    /// assert_eq!(record.into_line(), line);
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn into_line(self) -> String {
        self.line
    }
}

/// A typed event record and where it was read.
///
/// ```
/// use basis_events::catalog::PositionSnapshot;
/// use basis_events::reader::{Position, RawRecord, TypedRecord};
///
/// use basis_events::{DomainEvent, Envelope};
///
/// let event = PositionSnapshot::example().expect("the guide's example");
/// let line = serde_json::to_string(&event.stamp(Envelope::example()))?;
/// let raw = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 12345, None, 1))?;
/// let typed = TypedRecord::<PositionSnapshot>::from_raw(&raw)?;
/// assert_eq!(typed.position.line(), 1);
/// assert_eq!(typed.envelope.pid, 12345); // through Deref to the EventRecord
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TypedRecord<E> {
    /// The envelope and the typed event.
    pub record: EventRecord<E>,
    /// Where it was read.
    pub position: Position,
}

impl<E: DomainEvent> TypedRecord<E> {
    /// Parses `raw` as an `E`; see [`RawRecord::parse`].
    ///
    /// # Errors
    ///
    /// [`Problem::BadLine`] when `raw` is not a valid `E`.
    ///
    /// ```
    /// # use basis_events::reader::{Position, RawRecord, TypedRecord};
    /// # use basis_events::catalog::PositionSnapshot;
    /// # let line = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.1","correlation_id":"c","pid":7}"#;
    /// let raw = RawRecord::from_line(line, "PositionSnapshot", Position::new("p", "positions.jsonl", 7, None, 1))?;
    /// assert!(TypedRecord::<PositionSnapshot>::from_raw(&raw).is_err()); // no payload
    /// # Ok::<(), basis_events::reader::Problem>(())
    /// ```
    pub fn from_raw(raw: &RawRecord) -> Result<TypedRecord<E>, Problem> {
        Ok(TypedRecord {
            record: raw.parse::<E>()?,
            position: raw.position.clone(),
        })
    }
}

impl<E> Deref for TypedRecord<E> {
    type Target = EventRecord<E>;

    fn deref(&self) -> &EventRecord<E> {
        &self.record
    }
}
