//! Flat, typed columns for an event file, derived from its JSON Schema.
//!
//! The CSV and the Parquet export share one layout. Rules:
//! - envelope and payload fields become columns in schema order;
//! - a nested struct (`pnl_attribution`) becomes one column per field,
//!   `pnl_attribution.supply_yield`, recursively;
//! - a map (`positions`, `asset_exposures`, `metadata`) becomes one column per
//!   key seen in the file, in first-seen order: `positions.aave:aToken:aUSDT`,
//!   `asset_exposures.USDT.quantity`;
//! - a list stays one column: JSON text in CSV; in Parquet a typed list of
//!   scalars, or of structs when its items are objects of scalars
//!   (`expected_deltas`), JSON text otherwise;
//! - types come from the schema: `boolean`, `integer` (Int64), `number`
//!   (Float64), strings and enums (UTF-8), engine and wall-clock times
//!   (timestamps, microseconds, UTC without zone). Values of free-form maps
//!   (`metadata`) are typed from the data: all booleans, all integers, all
//!   numbers or all strings, otherwise JSON text.

use std::collections::HashMap;

use indexmap::IndexSet;
use serde_json::Value;

/// The type of a scalar field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    Bool,
    Int,
    Float,
    Str,
    /// An ISO 8601 time without offset, on the engine or the wall clock.
    Time,
}

/// The shape of a field, read from the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Scalar(ScalarType),
    /// Fixed fields, in schema order.
    Struct(Vec<Field>),
    /// Keys known only from the data; every value has the inner shape.
    Map(Box<Shape>),
    List(Box<Shape>),
    /// Anything: typed from the data.
    Any,
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub shape: Shape,
    /// Absent from `required`, or `null` allowed.
    pub nullable: bool,
}

/// The type of one output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    Scalar(ScalarType),
    /// A list of scalars.
    List(ScalarType),
    /// A list of objects with scalar fields (`expected_deltas`): a list of
    /// structs in Parquet, JSON text in CSV.
    StructList(Vec<(String, ScalarType)>),
    /// JSON text: lists of objects, mixed free-form values.
    Json,
}

/// One output column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Keys from the record to the value: `["positions", "aave:aToken:aUSDT"]`.
    pub path: Vec<String>,
    /// The path joined with `.`.
    pub name: String,
    pub ty: ColumnType,
    /// Whether a row may have no value (optional fields, map keys).
    pub nullable: bool,
}

impl Column {
    /// The value of this column in `record`, if any (`null` counts as none).
    pub fn get<'a>(&self, record: &'a Value) -> Option<&'a Value> {
        let mut value = record;
        for key in &self.path {
            value = value.as_object()?.get(key)?;
        }
        (!value.is_null()).then_some(value)
    }
}

/// The shape of one line of an event file, from the event's record schema.
pub fn record_shape(schema: &Value) -> Shape {
    shape_of(schema, schema)
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    // A chain of references is at most as long as `$defs`; bound it anyway.
    for _ in 0..32 {
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|name| root.get("$defs")?.get(name))
        {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

fn shape_of(root: &Value, node: &Value) -> Shape {
    let node = resolve(root, node);
    // `Option<T>` of a reference: `anyOf: [{$ref}, {type: null}]`.
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = node.get(key) {
            let non_null: Vec<&Value> = options
                .iter()
                .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if non_null.len() == 1 {
                return shape_of(root, non_null[0]);
            }
            // An enum with documented variants: every option a string const.
            if !non_null.is_empty()
                && non_null
                    .iter()
                    .all(|o| o.get("const").is_some_and(Value::is_string))
            {
                return Shape::Scalar(ScalarType::Str);
            }
            return Shape::Any;
        }
    }
    if node.get("enum").is_some() || node.get("const").is_some() {
        return Shape::Scalar(ScalarType::Str);
    }
    let ty = match node.get("type") {
        Some(Value::String(ty)) => Some(ty.as_str()),
        Some(Value::Array(types)) => {
            let non_null: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            match non_null.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        }
        _ => None,
    };
    match ty {
        Some("boolean") => Shape::Scalar(ScalarType::Bool),
        Some("integer") => Shape::Scalar(ScalarType::Int),
        Some("number") => Shape::Scalar(ScalarType::Float),
        Some("string") => {
            let is_time = node
                .get("pattern")
                .and_then(Value::as_str)
                .is_some_and(|p| p.starts_with(r"^\d{4}-\d{2}-\d{2}T"));
            Shape::Scalar(if is_time {
                ScalarType::Time
            } else {
                ScalarType::Str
            })
        }
        Some("array") => Shape::List(Box::new(
            node.get("items")
                .map_or(Shape::Any, |items| shape_of(root, items)),
        )),
        Some("object") => match node.get("properties") {
            Some(Value::Object(properties)) if !properties.is_empty() => {
                let required: Vec<&str> = node
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                Shape::Struct(
                    properties
                        .iter()
                        .map(|(name, field)| Field {
                            name: name.clone(),
                            shape: shape_of(root, field),
                            nullable: !required.contains(&name.as_str())
                                || allows_null(resolve(root, field)),
                        })
                        .collect(),
                )
            }
            _ => Shape::Map(Box::new(match node.get("additionalProperties") {
                Some(Value::Object(values)) if !values.is_empty() => {
                    shape_of(root, &Value::Object(values.clone()))
                }
                _ => Shape::Any,
            })),
        },
        _ => Shape::Any,
    }
}

fn allows_null(node: &Value) -> bool {
    let null_type = |t: &Value| t.get("type").and_then(Value::as_str) == Some("null");
    match node.get("type") {
        Some(Value::String(ty)) if ty == "null" => return true,
        Some(Value::Array(types)) if types.iter().any(|t| t.as_str() == Some("null")) => {
            return true;
        }
        _ => {}
    }
    ["anyOf", "oneOf"].iter().any(|key| {
        node.get(*key)
            .and_then(Value::as_array)
            .is_some_and(|options| options.iter().any(null_type))
    })
}

/// What the values of one free-form column turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Nothing,
    Bool,
    Int,
    Float,
    Str,
    Mixed,
}

impl Seen {
    fn with(self, value: &Value) -> Seen {
        let this = match value {
            Value::Null => return self,
            Value::Bool(_) => Seen::Bool,
            Value::Number(n) if n.is_i64() || n.is_u64() => Seen::Int,
            Value::Number(_) => Seen::Float,
            Value::String(_) => Seen::Str,
            Value::Array(_) | Value::Object(_) => Seen::Mixed,
        };
        match (self, this) {
            (Seen::Nothing, this) => this,
            (a, b) if a == b => a,
            (Seen::Int, Seen::Float) | (Seen::Float, Seen::Int) => Seen::Float,
            _ => Seen::Mixed,
        }
    }

    fn column_type(self) -> ColumnType {
        match self {
            Seen::Bool => ColumnType::Scalar(ScalarType::Bool),
            Seen::Int => ColumnType::Scalar(ScalarType::Int),
            Seen::Float => ColumnType::Scalar(ScalarType::Float),
            Seen::Nothing | Seen::Str => ColumnType::Scalar(ScalarType::Str),
            Seen::Mixed => ColumnType::Json,
        }
    }
}

/// Learns the map keys and free-form types of one file, one record at a time,
/// then gives its columns.
#[derive(Debug)]
pub struct LayoutBuilder {
    shape: Shape,
    map_keys: HashMap<Vec<String>, IndexSet<String>>,
    seen: HashMap<Vec<String>, Seen>,
}

impl LayoutBuilder {
    /// Starts from the record's shape.
    pub fn new(shape: Shape) -> Self {
        LayoutBuilder {
            shape,
            map_keys: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    /// Takes one record into account.
    pub fn observe(&mut self, record: &Value) {
        let shape = std::mem::replace(&mut self.shape, Shape::Any);
        let mut path = Vec::new();
        self.observe_at(&shape, record, &mut path);
        self.shape = shape;
    }

    fn observe_at(&mut self, shape: &Shape, value: &Value, path: &mut Vec<String>) {
        match shape {
            Shape::Struct(fields) => {
                let Some(object) = value.as_object() else {
                    return;
                };
                for field in fields {
                    if let Some(inner) = object.get(&field.name) {
                        path.push(field.name.clone());
                        self.observe_at(&field.shape, inner, path);
                        path.pop();
                    }
                }
            }
            Shape::Map(inner_shape) => {
                let Some(object) = value.as_object() else {
                    return;
                };
                // Looked up before anything is cloned: after the first
                // lines, every key is already known.
                if !self.map_keys.contains_key(path.as_slice()) {
                    self.map_keys.insert(path.clone(), IndexSet::new());
                }
                if let Some(keys) = self.map_keys.get_mut(path.as_slice()) {
                    for key in object.keys() {
                        if !keys.contains(key.as_str()) {
                            keys.insert(key.clone());
                        }
                    }
                }
                // A map of scalars (the usual) has nothing inside to learn.
                if matches!(inner_shape.as_ref(), Shape::Scalar(_) | Shape::List(_)) {
                    return;
                }
                for (key, inner) in object {
                    path.push(key.clone());
                    self.observe_at(inner_shape, inner, path);
                    path.pop();
                }
            }
            Shape::Any => {
                if !self.seen.contains_key(path.as_slice()) {
                    self.seen.insert(path.clone(), Seen::Nothing);
                }
                if let Some(seen) = self.seen.get_mut(path.as_slice()) {
                    *seen = seen.with(value);
                }
            }
            Shape::Scalar(_) | Shape::List(_) => {}
        }
    }

    /// The columns, in schema order, map keys in first-seen order.
    pub fn columns(&self) -> Vec<Column> {
        let mut columns = Vec::new();
        let mut path = Vec::new();
        self.columns_at(&self.shape, &mut path, false, &mut columns);
        columns
    }

    fn columns_at(
        &self,
        shape: &Shape,
        path: &mut Vec<String>,
        nullable: bool,
        out: &mut Vec<Column>,
    ) {
        let mut push = |path: &Vec<String>, ty: ColumnType| {
            out.push(Column {
                name: path.join("."),
                path: path.clone(),
                ty,
                nullable,
            });
        };
        match shape {
            Shape::Scalar(scalar) => push(path, ColumnType::Scalar(*scalar)),
            Shape::List(inner) => match inner.as_ref() {
                Shape::Scalar(scalar) => push(path, ColumnType::List(*scalar)),
                Shape::Struct(fields) => {
                    let scalars: Option<Vec<(String, ScalarType)>> = fields
                        .iter()
                        .map(|f| match f.shape {
                            Shape::Scalar(scalar) => Some((f.name.clone(), scalar)),
                            _ => None,
                        })
                        .collect();
                    match scalars {
                        Some(fields) if !fields.is_empty() => {
                            push(path, ColumnType::StructList(fields));
                        }
                        _ => push(path, ColumnType::Json),
                    }
                }
                _ => push(path, ColumnType::Json),
            },
            Shape::Any => {
                let seen = self.seen.get(path).copied().unwrap_or(Seen::Nothing);
                out.push(Column {
                    name: path.join("."),
                    path: path.clone(),
                    ty: seen.column_type(),
                    nullable: true,
                });
            }
            Shape::Struct(fields) => {
                for field in fields {
                    path.push(field.name.clone());
                    // A field inside an optional struct or a map value is as
                    // optional as its parent.
                    self.columns_at(&field.shape, path, nullable || field.nullable, out);
                    path.pop();
                }
            }
            Shape::Map(inner) => {
                if let Some(keys) = self.map_keys.get(path) {
                    for key in keys {
                        path.push(key.clone());
                        self.columns_at(inner, path, true, out);
                        path.pop();
                    }
                }
            }
        }
    }
}

/// The columns of a set of records, learned in one pass.
pub fn columns_for(schema: &Value, records: &[Value]) -> Vec<Column> {
    let mut builder = LayoutBuilder::new(record_shape(schema));
    for record in records {
        builder.observe(record);
    }
    builder.columns()
}

/// A cell of the CSV export: strings raw (but guarded, see
/// [`guard_formula`]), numbers as written in the JSON, booleans as
/// `true`/`false`, nothing for null or absent, JSON for the rest.
pub fn csv_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => guard_formula(text),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other @ (Value::Array(_) | Value::Object(_))) => other.to_string(),
    }
}

/// A string cell that a spreadsheet would run as a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
/// OWASP's "CSV injection" page recommends; every other string is written as
/// it is. Only string values are guarded: numbers, booleans and JSON cells
/// are never touched, so numeric columns stay numeric for pandas and DuckDB.
pub fn guard_formula(text: &str) -> String {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use basis_events::catalog::{ExposureSnapshot, OperationExecutionEvent, PositionSnapshot};
    use basis_events::{DomainEvent, Envelope, schema::record_schema};

    use serde_json::json;

    use super::*;

    fn example<E: DomainEvent>() -> Value {
        let record = E::example().unwrap().stamp(Envelope::example());
        serde_json::to_value(&record).unwrap()
    }

    fn names(columns: &[Column]) -> Vec<(&str, ColumnType)> {
        columns
            .iter()
            .map(|c| (c.name.as_str(), c.ty.clone()))
            .collect()
    }

    /// Mutant seen to fail: `guard_formula` never prefixing `'`.
    #[test]
    fn formula_cells_are_guarded_and_numbers_are_not() {
        for (value, cell) in [
            (json!("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")"),
            (json!("+1"), "'+1"),
            (json!("-1"), "'-1"),
            (json!("@SUM(A1)"), "'@SUM(A1)"),
            (json!("\tx"), "'\tx"),
            (json!("\rx"), "'\rx"),
            (json!("supply"), "supply"),
            (json!(-1.5), "-1.5"),
            (json!(-3), "-3"),
        ] {
            assert_eq!(csv_cell(Some(&value)), cell, "{value}");
        }
    }

    #[test]
    fn positions_flatten_map_keys() {
        let schema = record_schema::<PositionSnapshot>();
        let columns = columns_for(&schema, &[example::<PositionSnapshot>()]);
        assert_eq!(
            names(&columns),
            vec![
                ("timestamp", ColumnType::Scalar(ScalarType::Time)),
                ("real_utc_time", ColumnType::Scalar(ScalarType::Time)),
                ("correlation_id", ColumnType::Scalar(ScalarType::Str)),
                ("pid", ColumnType::Scalar(ScalarType::Int)),
                ("seq", ColumnType::Scalar(ScalarType::Int)),
                (
                    "positions.aave:aToken:aUSDT",
                    ColumnType::Scalar(ScalarType::Float)
                ),
                (
                    "positions.wallet:BaseToken:USDT",
                    ColumnType::Scalar(ScalarType::Float)
                ),
                ("total_value_usd", ColumnType::Scalar(ScalarType::Float)),
                ("position_type", ColumnType::Scalar(ScalarType::Str)),
                ("trigger_source", ColumnType::Scalar(ScalarType::Str)),
            ]
        );
    }

    #[test]
    fn nested_structs_lists_and_metadata() {
        let schema = record_schema::<ExposureSnapshot>();
        let mut record = example::<ExposureSnapshot>();
        record["metadata"] = serde_json::json!({"source": "demo", "tick": 3});
        let columns = columns_for(&schema, &[record]);
        let found = names(&columns);
        assert!(found.contains(&(
            "asset_exposures.USDT.quantity",
            ColumnType::Scalar(ScalarType::Float)
        )));
        assert!(found.contains(&(
            "asset_exposures.ETH.percentage",
            ColumnType::Scalar(ScalarType::Float)
        )));
        assert!(found.contains(&("metadata.source", ColumnType::Scalar(ScalarType::Str))));
        assert!(found.contains(&("metadata.tick", ColumnType::Scalar(ScalarType::Int))));

        let schema = record_schema::<OperationExecutionEvent>();
        let columns = columns_for(&schema, &[example::<OperationExecutionEvent>()]);
        let found = names(&columns);
        let delta_fields = found
            .iter()
            .find_map(|(name, ty)| match ty {
                ColumnType::StructList(fields) if *name == "expected_deltas" => Some(fields),
                _ => None,
            })
            .expect("expected_deltas is a list of structs");
        assert_eq!(
            delta_fields[1],
            ("delta_amount".to_owned(), ScalarType::Float)
        );
        assert_eq!(
            delta_fields[4],
            ("operation_type".to_owned(), ScalarType::Str)
        );
        assert!(found.contains(&("status", ColumnType::Scalar(ScalarType::Str))));
        assert!(found.contains(&("error_code", ColumnType::Scalar(ScalarType::Str))));
        assert!(found.contains(&(
            "actual_deltas.wallet:BaseToken:USDT",
            ColumnType::Scalar(ScalarType::Float)
        )));
    }

    #[test]
    fn cells() {
        assert_eq!(csv_cell(None), "");
        assert_eq!(csv_cell(Some(&serde_json::json!(10000.0))), "10000.0");
        assert_eq!(
            csv_cell(Some(&serde_json::json!(["a", "b"]))),
            r#"["a","b"]"#
        );
        assert_eq!(csv_cell(Some(&serde_json::json!(true))), "true");
    }
}
