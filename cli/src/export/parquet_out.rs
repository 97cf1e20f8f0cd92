//! One Parquet file per event file, its columns typed from the event's JSON
//! Schema alone, never from the data.
//!
//! The Arrow schema is the record's [`Shape`]: envelope and payload fields in
//! schema order; nested structs as Parquet structs, maps (`positions`,
//! `asset_exposures`) as Parquet maps and lists as lists, nested as deep as
//! the schema goes (Spark, DuckDB and pyarrow read these natively; a dotted
//! column name such as `positions.aave:aToken:aUSDT` would read as nesting in
//! Spark); engine and wall-clock times as UTC-adjusted microsecond
//! timestamps; integers as Int64, numbers as Float64, strings and enums as
//! UTF-8. A field the schema leaves open (`metadata` values) is UTF-8: strings
//! as they are, anything else as its JSON text, so the column never changes
//! type with the data. A value that does not fit its column is refused
//! ([`BadValue`]) and its line reported, never written as null or re-typed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{
    Array, ArrayRef, ListArray, MapArray, PrimitiveArray, RecordBatch, StringArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use basis_events::time::EngineTime;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use crate::columns::{ScalarType, Shape};
use crate::{Error, Result};

/// Rows buffered before a record batch is written.
const BATCH_ROWS: usize = 8192;

/// Rows per Parquet row group: DuckDB's own default. The writer holds a
/// whole row group's encoded pages until it is closed, so the default of
/// arrow-rs (1 Mi rows) held about 60 MiB of a large run in memory; readers
/// scan row groups of this size as fast.
const ROW_GROUP_ROWS: usize = 122_880;

/// The zone of every timestamp column: the events' times are UTC.
const UTC: &str = "UTC";

/// The Arrow type of a field of shape `shape`.
pub fn arrow_type(shape: &Shape) -> DataType {
    match shape {
        Shape::Scalar(scalar) => scalar_type(*scalar),
        Shape::Any => DataType::Utf8,
        Shape::Struct(fields) => DataType::Struct(struct_fields(fields)),
        Shape::List(inner) => DataType::List(Arc::new(Field::new("item", arrow_type(inner), true))),
        Shape::Map(inner) => DataType::Map(Arc::new(map_entries(inner)), false),
    }
}

fn struct_fields(fields: &[crate::columns::Field]) -> Fields {
    fields
        .iter()
        .map(|f| Field::new(&f.name, arrow_type(&f.shape), true))
        .collect()
}

fn map_entries(inner: &Shape) -> Field {
    Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", arrow_type(inner), true),
        ])),
        false,
    )
}

fn scalar_type(scalar: ScalarType) -> DataType {
    match scalar {
        ScalarType::Bool => DataType::Boolean,
        ScalarType::Int => DataType::Int64,
        ScalarType::Float => DataType::Float64,
        ScalarType::Str => DataType::Utf8,
        ScalarType::Time => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
    }
}

/// Microseconds since the epoch of an ISO 8601 time as the events write it.
pub fn time_micros(text: &str) -> Option<i64> {
    EngineTime::parse(text)
        .ok()
        .map(|t| t.as_utc().timestamp_micros())
}

/// A value that does not fit the column its schema gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{path}` does not fit its {expected} column: {found}")]
pub struct BadValue {
    /// The JSON path of the value: `positions["aave:aToken:aUSDT"]`.
    pub path: String,
    /// What the schema says the column holds.
    pub expected: &'static str,
    /// What the value is.
    pub found: String,
}

/// Checks that `value` fits `shape` everywhere, so building a batch of checked
/// records never fails.
pub fn check(shape: &Shape, value: &Value) -> Result<(), BadValue> {
    let mut path = String::new();
    check_at(shape, value, &mut path)
}

fn check_at(shape: &Shape, value: &Value, path: &mut String) -> Result<(), BadValue> {
    let bad = |expected: &'static str, path: &str| BadValue {
        path: if path.is_empty() {
            "the line".to_owned()
        } else {
            path.to_owned()
        },
        expected,
        found: describe(value),
    };
    if value.is_null() {
        return Ok(());
    }
    match shape {
        Shape::Any => Ok(()),
        Shape::Scalar(scalar) => {
            let fits = match scalar {
                ScalarType::Bool => value.is_boolean(),
                ScalarType::Int => value.as_i64().is_some(),
                ScalarType::Float => value.is_number(),
                ScalarType::Str => value.is_string(),
                ScalarType::Time => value.as_str().and_then(time_micros).is_some(),
            };
            if fits {
                Ok(())
            } else {
                Err(bad(scalar_name(*scalar), path))
            }
        }
        Shape::Struct(fields) => {
            let object = value.as_object().ok_or_else(|| bad("struct", path))?;
            for field in fields {
                if let Some(inner) = object.get(&field.name) {
                    let len = path.len();
                    push_key(path, &field.name, false);
                    check_at(&field.shape, inner, path)?;
                    path.truncate(len);
                }
            }
            Ok(())
        }
        Shape::Map(inner) => {
            let object = value.as_object().ok_or_else(|| bad("map", path))?;
            for (key, item) in object {
                let len = path.len();
                push_key(path, key, true);
                check_at(inner, item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Shape::List(inner) => {
            let items = value.as_array().ok_or_else(|| bad("list", path))?;
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_at(inner, item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
    }
}

fn push_key(path: &mut String, key: &str, map_key: bool) {
    if map_key {
        path.push_str(&format!("[{key:?}]"));
    } else {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }
}

fn scalar_name(scalar: ScalarType) -> &'static str {
    match scalar {
        ScalarType::Bool => "boolean",
        ScalarType::Int => "integer",
        ScalarType::Float => "number",
        ScalarType::Str => "string",
        ScalarType::Time => "timestamp",
    }
}

fn describe(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 40 {
        let mut end = 40;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Builds the column of shape `shape` from one value per row (`None` for an
/// absent field). The values must have passed [`check`].
fn build(shape: &Shape, values: &[Option<&Value>]) -> ArrayRef {
    let present = |v: &Option<&Value>| v.is_some_and(|v| !v.is_null());
    match shape {
        Shape::Scalar(ScalarType::Bool) => {
            let mut b = BooleanBuilder::with_capacity(values.len());
            values
                .iter()
                .for_each(|v| b.append_option(v.and_then(Value::as_bool)));
            Arc::new(b.finish())
        }
        Shape::Scalar(ScalarType::Int) => {
            let mut b = Int64Builder::with_capacity(values.len());
            values
                .iter()
                .for_each(|v| b.append_option(v.and_then(Value::as_i64)));
            Arc::new(b.finish())
        }
        Shape::Scalar(ScalarType::Float) => {
            let mut b = Float64Builder::with_capacity(values.len());
            values
                .iter()
                .for_each(|v| b.append_option(v.and_then(Value::as_f64)));
            Arc::new(b.finish())
        }
        Shape::Scalar(ScalarType::Time) => {
            let micros: PrimitiveArray<TimestampMicrosecondType> = values
                .iter()
                .map(|v| v.and_then(Value::as_str).and_then(time_micros))
                .collect();
            Arc::new(micros.with_timezone(UTC))
        }
        Shape::Scalar(ScalarType::Str) | Shape::Any => {
            let mut b = StringBuilder::with_capacity(values.len(), values.len() * 16);
            for value in values {
                match value {
                    None | Some(Value::Null) => b.append_null(),
                    Some(Value::String(text)) => b.append_value(text),
                    Some(other) => b.append_value(other.to_string()),
                }
            }
            Arc::new(b.finish())
        }
        Shape::Struct(fields) => {
            let nulls = NullBuffer::from(values.iter().map(present).collect::<Vec<bool>>());
            let children: Vec<ArrayRef> = fields
                .iter()
                .map(|field| {
                    let inner: Vec<Option<&Value>> = values
                        .iter()
                        .map(|v| v.and_then(|v| v.get(&field.name)))
                        .collect();
                    build(&field.shape, &inner)
                })
                .collect();
            Arc::new(StructArray::new(
                struct_fields(fields),
                children,
                Some(nulls),
            ))
        }
        Shape::List(inner) => {
            let mut lengths = Vec::with_capacity(values.len());
            let mut items = Vec::new();
            for value in values {
                let list = value.and_then(Value::as_array);
                lengths.push(list.map_or(0, Vec::len));
                items.extend(list.into_iter().flatten().map(Some));
            }
            let nulls = NullBuffer::from(values.iter().map(present).collect::<Vec<bool>>());
            Arc::new(ListArray::new(
                Arc::new(Field::new("item", arrow_type(inner), true)),
                OffsetBuffer::from_lengths(lengths),
                build(inner, &items),
                Some(nulls),
            ))
        }
        Shape::Map(inner) => {
            let mut lengths = Vec::with_capacity(values.len());
            let mut keys = Vec::new();
            let mut items = Vec::new();
            for value in values {
                let object = value.and_then(Value::as_object);
                lengths.push(object.map_or(0, serde_json::Map::len));
                for (key, item) in object.into_iter().flatten() {
                    keys.push(key.as_str());
                    items.push(Some(item));
                }
            }
            let entries_field = map_entries(inner);
            let DataType::Struct(entry_fields) = entries_field.data_type().clone() else {
                unreachable!("map_entries is a struct");
            };
            let entries = StructArray::new(
                entry_fields,
                vec![
                    Arc::new(StringArray::from(keys)) as ArrayRef,
                    build(inner, &items),
                ],
                None,
            );
            let nulls = NullBuffer::from(values.iter().map(present).collect::<Vec<bool>>());
            Arc::new(MapArray::new(
                Arc::new(entries_field),
                OffsetBuffer::from_lengths(lengths),
                entries,
                Some(nulls),
                false,
            ))
        }
    }
}

/// Writes records into one Parquet file, a batch at a time.
pub struct ParquetSink {
    path: PathBuf,
    shape: Shape,
    schema: SchemaRef,
    rows: Vec<Value>,
    writer: ArrowWriter<File>,
}

impl std::fmt::Debug for ParquetSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetSink")
            .field("path", &self.path)
            .field("rows", &self.rows.len())
            .finish()
    }
}

impl ParquetSink {
    /// Creates `path` for records of `shape` (a struct: one column per field).
    pub fn create(path: &Path, shape: &Shape) -> Result<Self> {
        let fields = match shape {
            Shape::Struct(fields) => struct_fields(fields),
            other => Fields::from(vec![Field::new("value", arrow_type(other), true)]),
        };
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let file = File::create(path).map_err(Error::io(path))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(ROW_GROUP_ROWS)
            .set_created_by(format!("basis-log {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(properties)).map_err(|source| {
                Error::Parquet {
                    path: path.to_owned(),
                    source,
                }
            })?;
        Ok(ParquetSink {
            path: path.to_owned(),
            shape: shape.clone(),
            schema,
            rows: Vec::with_capacity(BATCH_ROWS),
            writer,
        })
    }

    /// Adds one record as a row, or refuses it when a value does not fit its
    /// column (nothing of it is written then).
    pub fn push(&mut self, record: Value) -> Result<std::result::Result<(), BadValue>> {
        if let Err(bad) = check(&self.shape, &record) {
            return Ok(Err(bad));
        }
        self.rows.push(record);
        if self.rows.len() >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(Ok(()))
    }

    fn flush_batch(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let values: Vec<Option<&Value>> = self.rows.iter().map(Some).collect();
        let column = build(&self.shape, &values);
        let batch = match (&self.shape, column.as_any().downcast_ref::<StructArray>()) {
            (Shape::Struct(_), Some(record)) => RecordBatch::from(record.clone()),
            _ => RecordBatch::try_new(self.schema.clone(), vec![column]).map_err(|source| {
                Error::Arrow {
                    path: self.path.clone(),
                    source,
                }
            })?,
        };
        self.writer.write(&batch).map_err(|source| Error::Parquet {
            path: self.path.clone(),
            source,
        })?;
        self.rows.clear();
        Ok(())
    }

    /// Writes the last batch and the footer.
    pub fn finish(mut self) -> Result<()> {
        self.flush_batch()?;
        self.writer.close().map_err(|source| Error::Parquet {
            path: self.path.clone(),
            source,
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use basis_events::catalog::{OperationExecutionEvent, PositionSnapshot};
    use basis_events::schema::record_schema;
    use basis_events::{DomainEvent, Envelope};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use serde_json::json;

    use super::*;
    use crate::columns::record_shape;

    fn example<E: DomainEvent>() -> Value {
        serde_json::to_value(E::example().unwrap().stamp(Envelope::example())).unwrap()
    }

    #[test]
    fn nested_fields_are_structs_maps_and_lists_typed_from_the_schema() {
        let shape = record_shape(&record_schema::<OperationExecutionEvent>());
        let DataType::Struct(fields) = arrow_type(&shape) else {
            panic!("a record is a struct");
        };
        let ty = |name: &str| fields.find(name).unwrap().1.data_type().clone();
        assert_eq!(
            ty("timestamp"),
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        assert_eq!(ty("pid"), DataType::Int64);
        assert!(
            matches!(ty("actual_deltas"), DataType::Map(..)),
            "{:?}",
            ty("actual_deltas")
        );
        assert!(
            matches!(ty("expected_deltas"), DataType::List(item) if matches!(item.data_type(), DataType::Struct(_)))
        );
    }

    #[test]
    fn a_value_that_does_not_fit_is_refused_with_its_path() {
        let shape = record_shape(&record_schema::<PositionSnapshot>());
        let mut record = example::<PositionSnapshot>();
        assert_eq!(check(&shape, &record), Ok(()));
        record["positions"]["aave:aToken:aUSDT"] = json!("lots");
        let bad = check(&shape, &record).unwrap_err();
        assert_eq!(bad.path, r#"positions["aave:aToken:aUSDT"]"#);
        assert_eq!(bad.expected, "number");
        record["positions"] = json!(3);
        assert_eq!(check(&shape, &record).unwrap_err().expected, "map");
    }

    #[test]
    fn rows_round_trip_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ops.parquet");
        let shape = record_shape(&record_schema::<OperationExecutionEvent>());
        let mut sink = ParquetSink::create(&path, &shape).unwrap();
        let record = example::<OperationExecutionEvent>();
        for _ in 0..3 {
            sink.push(record.clone()).unwrap().unwrap();
        }
        let mut bad = record.clone();
        bad["fee_amount"] = json!("free");
        assert!(sink.push(bad).unwrap().is_err());
        sink.finish().unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 3);
        let deltas = batches[0]
            .column_by_name("actual_deltas")
            .unwrap()
            .as_any()
            .downcast_ref::<MapArray>()
            .unwrap();
        assert_eq!(deltas.value_length(0), 2);
    }
}
