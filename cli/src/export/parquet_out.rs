//! One Parquet file per event file, typed from the schema-derived columns.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    StructBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use basis_events::time::EngineTime;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use crate::columns::{Column, ColumnType, ScalarType};
use crate::{Error, Result};

/// Rows buffered before a record batch is written.
const BATCH_ROWS: usize = 8192;

/// The Arrow type of a column.
pub fn arrow_type(ty: &ColumnType) -> DataType {
    match ty {
        ColumnType::Scalar(scalar) => scalar_type(*scalar),
        ColumnType::List(scalar) => {
            DataType::List(Arc::new(Field::new("item", scalar_type(*scalar), true)))
        }
        ColumnType::StructList(fields) => DataType::List(Arc::new(Field::new(
            "item",
            DataType::Struct(struct_fields(fields)),
            true,
        ))),
        ColumnType::Json => DataType::Utf8,
    }
}

fn struct_fields(fields: &[(String, ScalarType)]) -> Fields {
    fields
        .iter()
        .map(|(name, scalar)| Field::new(name, scalar_type(*scalar), true))
        .collect()
}

fn scalar_type(scalar: ScalarType) -> DataType {
    match scalar {
        ScalarType::Bool => DataType::Boolean,
        ScalarType::Int => DataType::Int64,
        ScalarType::Float => DataType::Float64,
        ScalarType::Str => DataType::Utf8,
        ScalarType::Time => DataType::Timestamp(TimeUnit::Microsecond, None),
    }
}

fn scalar_builder(scalar: ScalarType) -> Box<dyn ArrayBuilder> {
    match scalar {
        ScalarType::Bool => Box::new(BooleanBuilder::new()),
        ScalarType::Int => Box::new(Int64Builder::new()),
        ScalarType::Float => Box::new(Float64Builder::new()),
        ScalarType::Str => Box::new(StringBuilder::new()),
        ScalarType::Time => Box::new(TimestampMicrosecondBuilder::new()),
    }
}

/// Microseconds since the epoch of an ISO 8601 time as the events write it.
pub fn time_micros(text: &str) -> Option<i64> {
    EngineTime::parse(text)
        .ok()
        .map(|t| t.as_utc().timestamp_micros())
}

// Appends `value` (or null) to a scalar builder of type `scalar`.
fn append_scalar(builder: &mut dyn ArrayBuilder, scalar: ScalarType, value: Option<&Value>) {
    let any = builder.as_any_mut();
    match scalar {
        ScalarType::Bool => {
            if let Some(b) = any.downcast_mut::<BooleanBuilder>() {
                b.append_option(value.and_then(Value::as_bool));
            }
        }
        ScalarType::Int => {
            if let Some(b) = any.downcast_mut::<Int64Builder>() {
                b.append_option(value.and_then(Value::as_i64));
            }
        }
        ScalarType::Float => {
            if let Some(b) = any.downcast_mut::<Float64Builder>() {
                b.append_option(value.and_then(Value::as_f64));
            }
        }
        ScalarType::Str => {
            if let Some(b) = any.downcast_mut::<StringBuilder>() {
                match value {
                    None | Some(Value::Null) => b.append_null(),
                    Some(Value::String(s)) => b.append_value(s),
                    Some(other) => b.append_value(other.to_string()),
                }
            }
        }
        ScalarType::Time => {
            if let Some(b) = any.downcast_mut::<TimestampMicrosecondBuilder>() {
                b.append_option(value.and_then(Value::as_str).and_then(time_micros));
            }
        }
    }
}

enum ColumnBuilder {
    Scalar(ScalarType, Box<dyn ArrayBuilder>),
    List(ScalarType, ListBuilder<Box<dyn ArrayBuilder>>),
    StructList(Vec<(String, ScalarType)>, ListBuilder<StructBuilder>),
    Json(StringBuilder),
}

impl ColumnBuilder {
    fn new(ty: &ColumnType) -> Self {
        match ty {
            ColumnType::Scalar(scalar) => ColumnBuilder::Scalar(*scalar, scalar_builder(*scalar)),
            ColumnType::List(scalar) => {
                ColumnBuilder::List(*scalar, ListBuilder::new(scalar_builder(*scalar)))
            }
            ColumnType::StructList(fields) => {
                let builders = fields.iter().map(|(_, s)| scalar_builder(*s)).collect();
                ColumnBuilder::StructList(
                    fields.clone(),
                    ListBuilder::new(StructBuilder::new(struct_fields(fields), builders)),
                )
            }
            ColumnType::Json => ColumnBuilder::Json(StringBuilder::new()),
        }
    }

    fn append(&mut self, value: Option<&Value>) {
        match self {
            ColumnBuilder::Scalar(scalar, builder) => {
                append_scalar(builder.as_mut(), *scalar, value);
            }
            ColumnBuilder::List(scalar, builder) => match value {
                Some(Value::Array(items)) => {
                    for item in items {
                        append_scalar(builder.values().as_mut(), *scalar, Some(item));
                    }
                    builder.append(true);
                }
                _ => builder.append(false),
            },
            ColumnBuilder::StructList(fields, builder) => match value {
                Some(Value::Array(items)) => {
                    let structs = builder.values();
                    for item in items {
                        for (i, (name, scalar)) in fields.iter().enumerate() {
                            if let Some(field) = structs.field_builders_mut().get_mut(i) {
                                append_scalar(field.as_mut(), *scalar, item.get(name));
                            }
                        }
                        structs.append(item.is_object());
                    }
                    builder.append(true);
                }
                _ => builder.append(false),
            },
            ColumnBuilder::Json(builder) => match value {
                None | Some(Value::Null) => builder.append_null(),
                Some(Value::String(s)) => builder.append_value(s),
                Some(other) => builder.append_value(other.to_string()),
            },
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Scalar(_, builder) => builder.finish(),
            ColumnBuilder::List(_, builder) => Arc::new(builder.finish()),
            ColumnBuilder::StructList(_, builder) => Arc::new(builder.finish()),
            ColumnBuilder::Json(builder) => Arc::new(builder.finish()),
        }
    }
}

/// Writes rows into one Parquet file, a batch at a time.
pub struct ParquetSink {
    path: PathBuf,
    columns: Vec<Column>,
    schema: SchemaRef,
    builders: Vec<ColumnBuilder>,
    rows: usize,
    writer: ArrowWriter<File>,
}

impl std::fmt::Debug for ParquetSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetSink")
            .field("path", &self.path)
            .field("columns", &self.columns.len())
            .finish()
    }
}

impl ParquetSink {
    /// Creates `path` for rows of `columns`.
    pub fn create(path: &Path, columns: &[Column]) -> Result<Self> {
        let schema: SchemaRef = Arc::new(Schema::new(
            columns
                .iter()
                .map(|c| Field::new(&c.name, arrow_type(&c.ty), c.nullable))
                .collect::<Vec<_>>(),
        ));
        let file = File::create(path).map_err(Error::io(path))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
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
            columns: columns.to_vec(),
            schema,
            builders: columns.iter().map(|c| ColumnBuilder::new(&c.ty)).collect(),
            rows: 0,
            writer,
        })
    }

    /// Adds one record as a row.
    pub fn push(&mut self, record: &Value) -> Result<()> {
        for (column, builder) in self.columns.iter().zip(&mut self.builders) {
            builder.append(column.get(record));
        }
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect();
        let batch =
            RecordBatch::try_new(self.schema.clone(), arrays).map_err(|source| Error::Arrow {
                path: self.path.clone(),
                source,
            })?;
        self.writer.write(&batch).map_err(|source| Error::Parquet {
            path: self.path.clone(),
            source,
        })?;
        self.rows = 0;
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
