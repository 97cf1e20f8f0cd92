//! The one rule for what a valid line of an event file is, for every tool.
//!
//! The reader already refuses what is not a record of the run (not UTF-8,
//! no valid envelope, another run's correlation id, another process's pid).
//! [`Checker`] adds the event's own rules: the line must satisfy the JSON
//! Schema that the *process's catalog* gives for its event, the schema the
//! writing binary had, so an engine's own events are checked by a reader that
//! never compiled them; and when this binary links the same event at the same
//! or a newer version, the line must also parse as the typed event, through
//! the upcast chain for an older line (which checks what a
//! schema cannot, such as an error code's registered severity).
//!
//! `basis-log validate`, `export` and the report all check records through a
//! `Checker`, so a line one of them accepts, all of them accept.
//!
//! ```
//! use basis_events::catalog::PositionSnapshot;
//! use basis_events::reader::{Checker, Run};
//! use basis_events::{DomainEvent, Envelope};
//!
//! let root = tempfile::tempdir()?;
//! let events = root.path().join("abc123/7/events");
//! std::fs::create_dir_all(&events)?;
//! let envelope = Envelope { correlation_id: "abc123".into(), pid: 7, seq: Some(1), ..Envelope::example() };
//! let good = serde_json::to_string(&PositionSnapshot::example().unwrap().stamp(envelope))?;
//! let bad = good
//!     .replace(r#""seq":1"#, r#""seq":2"#)
//!     .replace(r#""position_type":"simulated""#, r#""position_type":"imaginary""#);
//! std::fs::write(events.join("positions.jsonl"), format!("{good}\n{bad}\n"))?;
//!
//! let run = Run::open(&root.path().join("abc123"))?;
//! let mut checker = Checker::new();
//! let verdicts: Vec<bool> = run
//!     .records()
//!     .map(|record| checker.check(&run, &record.unwrap()).is_ok())
//!     .collect();
//! assert_eq!(verdicts, [true, false]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use super::problem::{LineFault, Problem};
use super::record::RawRecord;
use super::run::Run;
use crate::catalog::SystemErrorEvent;
use crate::{DomainEvent, EventInfo};

/// Checks records against their event's schema and typed parse, compiling
/// each schema once.
#[derive(Default)]
pub struct Checker {
    /// By pid and event name: the compiled schema of that process's catalog
    /// (or why it does not compile), and the linked event when its version
    /// is the catalog's.
    compiled: HashMap<(u32, String), Compiled>,
}

struct Compiled {
    version: u32,
    schema: Result<jsonschema::Validator, String>,
    typed: Option<&'static EventInfo>,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("compiled", &self.compiled.len())
            .finish()
    }
}

impl Checker {
    /// A checker with nothing compiled yet.
    pub fn new() -> Self {
        Checker::default()
    }

    /// Whether `record`, read from `run`, is a valid line of its event.
    ///
    /// # Errors
    ///
    /// [`Problem::BadLine`] with [`LineFault::Schema`] when the line breaks
    /// its catalog schema (or the schema itself does not compile), with
    /// [`LineFault::Typed`] when it fails the linked event's typed parse.
    pub fn check(&mut self, run: &Run, record: &RawRecord) -> Result<(), Problem> {
        self.check_parsed(run, record).map(drop)
    }

    /// [`Checker::check`], giving back the line as the check parsed it, so
    /// that a caller who needs the line's value does not parse it again
    /// (see [`Checker::current_from`]).
    ///
    /// # Errors
    ///
    /// As [`Checker::check`].
    pub fn check_parsed(
        &mut self,
        run: &Run,
        record: &RawRecord,
    ) -> Result<serde_json::Value, Problem> {
        let position = record.position();
        let key = (position.pid(), record.event().to_owned());
        if !self.compiled.contains_key(&key) {
            let compiled = compile(run, position.pid(), record.event());
            self.compiled.insert(key.clone(), compiled);
        }
        let compiled = &self.compiled[&key];
        let bad = |reason: LineFault| Problem::BadLine {
            position: position.clone(),
            reason,
        };
        let schema_fault = |path: String, message: String| LineFault::Schema {
            event: record.event().to_owned(),
            version: compiled.version,
            path,
            message,
        };
        let validator = compiled
            .schema
            .as_ref()
            .map_err(|message| bad(schema_fault(String::new(), message.clone())))?;
        let value: serde_json::Value = serde_json::from_str(record.line())
            .map_err(|err| bad(LineFault::NotJson(Arc::new(err))))?;
        if let Some(error) = validator.iter_errors(&value).next() {
            return Err(bad(schema_fault(
                error.instance_path().to_string(),
                error.to_string(),
            )));
        }
        if record.event() == SystemErrorEvent::NAME {
            return check_error_code(run, record, &value)
                .map(|()| value)
                .map_err(bad);
        }
        if let Some(info) = compiled.typed
            && let Err(error) = info.parse_line_at(record.line(), compiled.version)
        {
            return Err(bad(LineFault::from_upcast(
                info.name(),
                info.version(),
                error,
            )));
        }
        Ok(value)
    }
}

/// A `SystemErrorEvent`'s code is resolved in the run's catalog, not in
/// this binary's registry: an engine's own codes are there. The code must
/// exist, and the line's component and severity be the code's.
impl Checker {
    /// The record as its event's current version writes it: converted
    /// through the upcast chain when this binary links the event at a newer
    /// version than the one that wrote the line, the line as written
    /// otherwise. What `export` turns into rows.
    ///
    /// # Errors
    ///
    /// [`Problem::BadLine`] when the line is not JSON, or cannot be upcast.
    pub fn current_value(&self, record: &RawRecord) -> Result<serde_json::Value, Problem> {
        let bad = |reason| Problem::BadLine {
            position: record.position().clone(),
            reason,
        };
        match (crate::event_named(record.event()), record.version()) {
            (Some(info), Some(version)) if version < info.version() => info
                .upcast_line(record.line(), version)
                .map_err(|err| bad(LineFault::from_upcast(info.name(), info.version(), err))),
            _ => serde_json::from_str(record.line())
                .map_err(|err| bad(LineFault::NotJson(Arc::new(err)))),
        }
    }

    /// [`Checker::current_value`] of a record whose line is already parsed
    /// (`parsed`, from [`Checker::check_parsed`]): `parsed` itself when the
    /// line is of its event's current version, which is one parse less per
    /// line; the upcast line otherwise.
    ///
    /// # Errors
    ///
    /// As [`Checker::current_value`].
    pub fn current_from(
        &self,
        record: &RawRecord,
        parsed: serde_json::Value,
    ) -> Result<serde_json::Value, Problem> {
        match (crate::event_named(record.event()), record.version()) {
            (Some(info), Some(version)) if version < info.version() => self.current_value(record),
            _ => Ok(parsed),
        }
    }

    /// The schema of the rows [`Checker::current_value`] gives for `event`,
    /// whose lines the run's catalog says were written under `version` with
    /// `schema`: this binary's current schema when it links the event at
    /// that version or a newer one, `schema` otherwise.
    pub fn current_schema(
        event: &str,
        version: u32,
        schema: &serde_json::Value,
    ) -> serde_json::Value {
        match crate::event_named(event) {
            Some(info) if info.version() >= version => info.schema(),
            _ => schema.clone(),
        }
    }
}

fn check_error_code(
    run: &Run,
    record: &RawRecord,
    value: &serde_json::Value,
) -> Result<(), LineFault> {
    let field = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
    };
    let code = field("error_code");
    let fault = |message: String| LineFault::Schema {
        event: SystemErrorEvent::NAME.to_owned(),
        version: 0,
        path: "/error_code".to_owned(),
        message,
    };
    let catalog = run
        .processes()
        .iter()
        .find(|process| process.pid() == record.position().pid())
        .map(|process| process.catalog());
    let Some(entry) = catalog.and_then(|catalog| catalog.error_code(code)) else {
        return Err(fault(format!(
            "unknown error code `{}`; the run's catalog does not register it",
            code.escape_debug()
        )));
    };
    if entry.component != field("component") {
        return Err(fault(format!(
            "code {code} belongs to {}, not to `{}`",
            entry.component,
            field("component").escape_debug()
        )));
    }
    if entry.severity.as_str() != field("severity") {
        return Err(fault(format!(
            "code {code} is registered as {}, not `{}`",
            entry.severity,
            field("severity").escape_debug()
        )));
    }
    Ok(())
}

fn compile(run: &Run, pid: u32, event: &str) -> Compiled {
    let catalog_event = run
        .processes()
        .iter()
        .find(|process| process.pid() == pid)
        .and_then(|process| process.catalog().event_named(event));
    let Some(catalog_event) = catalog_event else {
        return Compiled {
            version: 0,
            schema: Err(format!("the run's catalog has no event `{event}`")),
            typed: None,
        };
    };
    let schema = jsonschema::options()
        .should_validate_formats(false)
        .build(&catalog_event.schema)
        .map_err(|err| format!("its schema does not compile: {err}"));
    // A line of an older version is parsed through the upcast chain; one
    // of a newer version than this binary knows is checked by schema only.
    let typed = crate::event_named(event).filter(|info| info.version() >= catalog_event.version);
    Compiled {
        version: catalog_event.version,
        schema,
        typed,
    }
}
