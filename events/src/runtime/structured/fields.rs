//! The caller's fields of a component-log line, and how they are flattened.

use basis_registry::ErrorCode;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::logger::{check_finite, write_json_string};

/// The keys every component-log line has. A caller's field with one of
/// these names is written as `extra.<name>`.
pub const RESERVED_KEYS: [&str; 9] = [
    "timestamp",
    "real_utc_time",
    "level",
    "severity",
    "component",
    "correlation_id",
    "pid",
    "message",
    "error_code",
];

/// The prefix of a caller's field named like a reserved key.
pub const RENAMED_PREFIX: &str = "extra.";

/// Extra fields of a component-log line, in insertion order.
///
/// Built with [`Fields::with`], or from a JSON object
/// (`serde_json::json!({...})`), a `serde_json::Map`, or `()` for none.
/// A JSON value that is not an object is kept as one field, `fields`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(Map<String, Value>);

impl Fields {
    /// No fields.
    pub fn new() -> Self {
        Fields(Map::new())
    }

    /// Adds a field. A value JSON cannot hold is written as a string saying
    /// so, never as `null`: a NaN or infinity as `"NaN"`, `"inf"`, `"-inf"`
    /// (or, inside a structure, `"unrepresentable: …"` naming the path), a
    /// value whose serialization fails as `"unrepresentable: <error>"`.
    pub fn with(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        let value = match check_finite(&value) {
            Err((number, path)) if path.is_empty() => Value::String(number.to_string()),
            Err((number, path)) => Value::String(format!(
                "unrepresentable: non-finite float {number} at `{path}`"
            )),
            Ok(()) => serde_json::to_value(value)
                .unwrap_or_else(|error| Value::String(format!("unrepresentable: {error}"))),
        };
        self.0.insert(key.into(), value);
        self
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields as a JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// Removes an `error_code` field that names a registered code, and
    /// returns the code: the guide logs its codes as a field.
    pub(crate) fn take_registered_code(&mut self) -> Option<ErrorCode> {
        let code = match self.0.get("error_code")? {
            Value::String(text) => ErrorCode::parse(text).ok()?,
            _ => return None,
        };
        self.0.shift_remove("error_code");
        Some(code)
    }

    /// Appends `,"key":value` for each field, renaming reserved keys.
    pub(crate) fn write_flattened(&self, line: &mut Vec<u8>) {
        for (key, value) in &self.0 {
            line.push(b',');
            if RESERVED_KEYS.contains(&key.as_str()) {
                write_json_string(line, &format!("{RENAMED_PREFIX}{key}"));
            } else {
                write_json_string(line, key);
            }
            line.push(b':');
            // A Value always serializes: it holds no non-finite float.
            let _ = serde_json::to_writer(&mut *line, value);
        }
    }
}

impl From<()> for Fields {
    fn from((): ()) -> Self {
        Fields::new()
    }
}

impl From<Map<String, Value>> for Fields {
    fn from(map: Map<String, Value>) -> Self {
        Fields(map)
    }
}

impl From<Value> for Fields {
    fn from(value: Value) -> Self {
        match value {
            Value::Object(map) => Fields(map),
            Value::Null => Fields::new(),
            other => Fields::new().with("fields", other),
        }
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Fields(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}
