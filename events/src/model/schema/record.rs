//! The schema of one event line: the envelope's properties, then the payload's.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::GENERATED_BY;
use crate::DomainEvent;
use crate::envelope::REQUIRED_ENVELOPE_FIELDS;
use crate::time::{EngineTime, RealUtcTime};

/// The JSON Schema (draft 2020-12) of one line of `E`'s event file.
///
/// Closed (`additionalProperties: false`), with the envelope keys first and
/// required, the payload's doc comment as `description`, and `x-file`,
/// `x-logged-by` and `x-version` saying where and how the event is written.
pub fn record_schema<E: DomainEvent>() -> Value {
    record_schema_at::<E>(E::VERSION).expect("an event's chain has its own version")
}

/// The schema of one line of `E`'s file as version `version` wrote it: the
/// payload of that version's type in `E`'s chain ([`crate::upcast`]), with
/// `E`'s file and component. `None` for a version the chain does not have.
pub fn record_schema_at<E: DomainEvent>(version: u32) -> Option<Value> {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let timestamp = generator.subschema_for::<EngineTime>().to_value();
    let real_utc_time = generator.subschema_for::<RealUtcTime>().to_value();
    let payload = crate::upcast::payload_root_at::<E>(generator, version)?;
    let payload = payload.as_object().cloned().unwrap_or_default();

    let mut properties = Map::new();
    properties.insert("timestamp".into(), timestamp);
    properties.insert("real_utc_time".into(), real_utc_time);
    properties.insert(
        "correlation_id".into(),
        json!({
            "type": "string",
            "minLength": 1,
            "description": "The run this event belongs to; the first level of the log tree."
        }),
    );
    properties.insert(
        "pid".into(),
        json!({
            "type": "integer",
            "minimum": 0,
            "maximum": u32::MAX,
            "description": "The process that wrote the event; the second level of the log tree."
        }),
    );
    properties.insert(
        "seq".into(),
        json!({
            "type": "integer",
            "minimum": 1,
            "description": "The event's place in its process's emit order: 1 for the process's first event, across all of its event files, strictly increasing with no gap or repeat. Optional: lines written before it existed, and the guide's examples, have none."
        }),
    );
    if let Some(Value::Object(fields)) = payload.get("properties") {
        properties.extend(fields.clone());
    }

    let mut required: Vec<Value> = REQUIRED_ENVELOPE_FIELDS.iter().map(|f| json!(f)).collect();
    if let Some(Value::Array(fields)) = payload.get("required") {
        required.extend(fields.iter().cloned());
    }

    let mut schema = Map::new();
    schema.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    schema.insert("$id".into(), json!(schema_id(E::NAME, version)));
    schema.insert("$comment".into(), json!(GENERATED_BY));
    schema.insert("title".into(), json!(E::NAME));
    if let Some(description) = payload.get("description") {
        schema.insert("description".into(), description.clone());
    }
    schema.insert("x-file".into(), json!(E::FILE));
    schema.insert("x-logged-by".into(), json!(E::LOGGED_BY.as_str()));
    schema.insert("x-version".into(), json!(version));
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert("required".into(), Value::Array(required));
    schema.insert("additionalProperties".into(), json!(false));
    if let Some(defs) = payload.get("$defs") {
        schema.insert("$defs".into(), defs.clone());
    }
    Some(Value::Object(schema))
}

/// A stable identifier that resolves nowhere: the schemas are not hosted, and
/// validators must never try to fetch them.
fn schema_id(name: &str, version: u32) -> String {
    format!("urn:basis-log:event:{name}:v{version}")
}
