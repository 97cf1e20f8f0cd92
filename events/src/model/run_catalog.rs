//! `catalog.json`: what the binary that wrote a run knew about its events,
//! components and error codes, so that any reader can read the run.
//!
//! A reader built without an engine's own event types (our `basis-log`, a
//! notebook, jq) still knows from the catalog which file holds which event,
//! the JSON Schema each line was written under, which component owns which
//! error prefix and what every code means.
//!
//! ```
//! use basis_events::model::run_catalog::RunCatalog;
//!
//! let catalog = RunCatalog::of_this_binary()?;
//! let positions = catalog.event_for_file("positions.jsonl").unwrap();
//! assert_eq!(positions.name, "PositionSnapshot");
//! assert_eq!(positions.schema["x-file"], "positions.jsonl");
//! assert_eq!(catalog.error_code("POS-005").unwrap().component, "PositionMonitor");
//!
//! let text = serde_json::to_string(&catalog)?;
//! assert_eq!(RunCatalog::from_json(text.as_bytes())?, catalog);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    Component, DuplicateCode, DuplicateComponent, DuplicateEvent, ErrorCode, Severity,
    registered_events,
};

/// The catalog's file name, beside `metadata.json` in each process directory.
pub const CATALOG_FILE: &str = "catalog.json";

/// The catalog format this crate writes. A reader refuses a higher one.
pub const CATALOG_FORMAT: u32 = 1;

/// The contents of `catalog.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunCatalog {
    /// [`CATALOG_FORMAT`] when written.
    pub format: u32,
    /// The library that wrote the run, such as `basis-events 0.1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
    /// Every event the writing binary could emit, sorted by name.
    pub events: Vec<CatalogEvent>,
    /// Every component the writing binary knew.
    pub components: Vec<CatalogComponent>,
    /// Every error code the writing binary knew, retired ones included.
    pub error_codes: Vec<CatalogErrorCode>,
}

/// One event type of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogEvent {
    /// `"PositionSnapshot"`.
    pub name: String,
    /// Its file under `events/`: `"positions.jsonl"`.
    pub file: String,
    /// The schema version its lines were written under.
    pub version: u32,
    /// The component that logs it, or `"all"`.
    pub logged_by: String,
    /// The JSON Schema of one line, as `schemas/events/` holds it.
    #[schemars(with = "serde_json::Map<String, Value>")]
    pub schema: Value,
}

/// One component of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogComponent {
    /// `"PositionMonitor"`.
    pub name: String,
    /// The prefix of its error codes: `"POS"`.
    pub prefix: String,
    /// Its structured log file in the process directory: `"position_monitor.log"`.
    pub log_file: String,
}

/// One error code of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogErrorCode {
    /// `"POS-005"`.
    pub code: String,
    /// The component that raises it, by name.
    pub component: String,
    /// Its registered severity.
    pub severity: Severity,
    /// The one-line summary.
    pub message: String,
    /// What happened, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// What the operator does about it.
    #[serde(default)]
    pub action: String,
    /// The code that replaced it, if it is retired.
    pub retired_by: Option<String>,
}

/// A `catalog.json` that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not JSON, or not a catalog.
    #[error("not a run catalog: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Written by a newer library than this one.
    #[error(
        "catalog format {found} is newer than this reader's {CATALOG_FORMAT}; upgrade basis-log"
    )]
    TooNew {
        /// The format the file says.
        found: u32,
    },
}

/// Two declarations linked into one binary that claim the same thing: the
/// start-up check across crates, run when a run is created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DuplicateDeclaration {
    /// Two events with one name or one file.
    #[error(transparent)]
    Event(#[from] DuplicateEvent),
    /// Two components with one name, error prefix or log file.
    #[error(transparent)]
    Component(#[from] DuplicateComponent),
    /// One error code declared twice.
    #[error(transparent)]
    ErrorCode(#[from] DuplicateCode),
}

impl RunCatalog {
    /// The catalog of the running binary: every event, component and error
    /// code linked into it, the ones other crates declared with
    /// `#[domain_event]`, `component!` and `error_codes!` included.
    ///
    /// # Errors
    ///
    /// [`DuplicateDeclaration`] when two linked events share a name or a
    /// file, two components a name, prefix or log file, or a code is
    /// declared twice.
    pub fn of_this_binary() -> Result<RunCatalog, DuplicateDeclaration> {
        let events = registered_events()?
            .into_iter()
            .map(|info| CatalogEvent {
                name: info.name().to_owned(),
                file: info.file().to_owned(),
                version: info.version(),
                logged_by: info.logged_by().as_str().to_owned(),
                schema: info.schema(),
            })
            .collect();
        let components = Component::registered()?
            .iter()
            .map(|component| CatalogComponent {
                name: component.name().to_owned(),
                prefix: component.prefix().to_owned(),
                log_file: component.log_file().to_owned(),
            })
            .collect();
        let error_codes = ErrorCode::registered()?.iter().map(catalog_code).collect();
        Ok(RunCatalog {
            format: CATALOG_FORMAT,
            writer: Some(concat!("basis-events ", env!("CARGO_PKG_VERSION")).to_owned()),
            events,
            components,
            error_codes,
        })
    }

    /// Parses the bytes of a `catalog.json`.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Malformed`] for anything but a catalog,
    /// [`CatalogError::TooNew`] for a format this reader does not know.
    pub fn from_json(bytes: &[u8]) -> Result<RunCatalog, CatalogError> {
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let Format { format } = serde_json::from_slice(bytes)?;
        if format > CATALOG_FORMAT {
            return Err(CatalogError::TooNew { found: format });
        }
        Ok(serde_json::from_slice(bytes)?)
    }

    /// The event written to `file` (`"positions.jsonl"`), if the run has one.
    pub fn event_for_file(&self, file: &str) -> Option<&CatalogEvent> {
        self.events.iter().find(|event| event.file == file)
    }

    /// The event named `name` (`"PositionSnapshot"`), if the run has one.
    pub fn event_named(&self, name: &str) -> Option<&CatalogEvent> {
        self.events.iter().find(|event| event.name == name)
    }

    /// The component named `name`, or whose prefix is `name`.
    pub fn component(&self, name: &str) -> Option<&CatalogComponent> {
        self.components
            .iter()
            .find(|component| component.name == name || component.prefix == name)
    }

    /// The error code `code` (`"POS-005"`), if the run knew it.
    pub fn error_code(&self, code: &str) -> Option<&CatalogErrorCode> {
        self.error_codes.iter().find(|entry| entry.code == code)
    }
}

/// The JSON Schema (draft 2020-12) of `catalog.json`, for
/// `schemas/catalog.schema.json`.
pub fn catalog_schema() -> Value {
    let mut schema = schemars::schema_for!(RunCatalog).to_value();
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "$id".to_owned(),
            Value::String("urn:basis-log:catalog".to_owned()),
        );
        object.insert(
            "$comment".to_owned(),
            Value::String(crate::schema::GENERATED_BY.to_owned()),
        );
    }
    schema
}

fn catalog_code(code: &ErrorCode) -> CatalogErrorCode {
    CatalogErrorCode {
        code: code.code().to_owned(),
        component: code.component().name().to_owned(),
        severity: code.severity(),
        message: code.message().to_owned(),
        description: code.description().to_owned(),
        action: code.action().to_owned(),
        retired_by: code.retired_by().map(|by| by.code().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binarys_catalog_has_the_guides_events_and_codes() {
        let catalog = RunCatalog::of_this_binary().unwrap();
        for name in crate::catalog::GUIDE_EVENTS {
            assert!(catalog.event_named(name).is_some(), "{name}");
        }
        assert_eq!(
            catalog
                .event_for_file("system_errors.jsonl")
                .unwrap()
                .logged_by,
            "all"
        );
        let retired = catalog.error_code("POS-001").unwrap();
        assert_eq!(retired.retired_by.as_deref(), Some("POS-005"));
        assert_eq!(catalog.component("EXEC").unwrap().name, "ExecutionManager");
    }

    #[test]
    fn the_catalog_schema_describes_the_binarys_catalog() {
        let schema = catalog_schema();
        assert_eq!(schema["title"], "RunCatalog");
        for key in ["format", "events", "components", "error_codes"] {
            assert!(
                schema["required"].as_array().unwrap().contains(&key.into()),
                "{key}"
            );
        }
        assert_eq!(
            schema["$defs"]["CatalogEvent"]["properties"]["schema"]["type"],
            "object"
        );
    }

    #[test]
    fn a_newer_format_is_refused() {
        let err = RunCatalog::from_json(br#"{"format": 2, "events": []}"#).unwrap_err();
        assert!(matches!(err, CatalogError::TooNew { found: 2 }), "{err}");
        assert!(RunCatalog::from_json(b"[]").is_err());
    }
}
