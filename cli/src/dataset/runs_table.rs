//! `runs.parquet`: one row per run of the dataset, with what tells runs
//! apart (strategy, mode, capital, seed, parameters, engine time, status,
//! versions, catalog hash) and the summary's figures.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, Int64Builder, MapBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use super::source::RunSource;
use crate::{Error, Result};

/// The file's name at the top of the dataset.
pub const RUNS_FILE: &str = "runs.parquet";

/// One row of `runs.parquet`; also kept in the dataset's state so an
/// unchanged run's row is written again without reading the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub correlation_id: String,
    pub status: String,
    pub mode: Option<String>,
    pub strategy: Option<String>,
    pub initial_capital: Option<f64>,
    pub seed: Option<i64>,
    pub parameters: BTreeMap<String, String>,
    /// Engine time of the first and last event, as the summary states it.
    pub engine_start: Option<String>,
    pub engine_end: Option<String>,
    pub writer_version: Option<String>,
    pub exported_by: String,
    pub catalog_hash: String,
    pub content_hash: String,
    pub processes: i64,
    pub total_events: i64,
    pub final_total_value_usd: Option<f64>,
    pub total_pnl_usd: Option<f64>,
    pub total_return: Option<f64>,
    pub pnl_attribution: BTreeMap<String, f64>,
    pub operations_total: i64,
    pub operations_retried: i64,
    pub operations_by_status: BTreeMap<String, i64>,
    pub failures: i64,
    pub failures_by_code: BTreeMap<String, i64>,
    pub errors_total: i64,
    pub errors_by_severity: BTreeMap<String, i64>,
    pub health_checks: BTreeMap<String, i64>,
}

impl RunRow {
    /// The row of a run, from its figures and hashes.
    pub fn of(run: &RunSource) -> RunRow {
        let f = &run.figures;
        RunRow {
            correlation_id: run.correlation_id.clone(),
            status: f.status().to_owned(),
            mode: f.mode(),
            strategy: f.strategy.clone(),
            initial_capital: f.initial_capital,
            seed: f.seed(),
            parameters: f.parameters(),
            engine_start: f.time_range.start.clone(),
            engine_end: f.time_range.end.clone(),
            writer_version: f.writer_version(),
            exported_by: f.generated_by.clone(),
            catalog_hash: run.catalog_hash.clone(),
            content_hash: run.content_hash.clone(),
            processes: count(f.manifest.len() as u64),
            total_events: count(f.total_events),
            final_total_value_usd: f.final_total_value_usd,
            total_pnl_usd: f.total_pnl_usd(),
            total_return: f.total_return,
            pnl_attribution: f.attribution(),
            operations_total: count(f.operations.total),
            operations_retried: count(f.operations.retried),
            operations_by_status: counts(&f.operations.by_status),
            failures: count(f.failures.len() as u64),
            failures_by_code: counts(&f.failures_by_code()),
            errors_total: count(f.errors.total),
            errors_by_severity: counts(&f.errors.by_severity),
            health_checks: counts(&f.health_checks),
        }
    }
}

/// Parquet has no unsigned 64-bit type that every reader takes; counts
/// beyond `i64::MAX` cannot happen and saturate.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn counts(map: &BTreeMap<String, u64>) -> BTreeMap<String, i64> {
    map.iter().map(|(k, v)| (k.clone(), count(*v))).collect()
}

/// Engine time (`2025-01-15T10:30:00`, UTC) as microseconds since the epoch.
fn micros(time: Option<&str>) -> Option<i64> {
    let time = chrono::NaiveDateTime::parse_from_str(time?, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(time.and_utc().timestamp_micros())
}

/// Writes `rows` to `path` (the caller renames it into place).
pub fn write(path: &Path, rows: &[RunRow]) -> Result<()> {
    let batch = batch(rows).map_err(|source| Error::Arrow {
        path: path.to_owned(),
        source,
    })?;
    let parquet_error = |source| Error::Parquet {
        path: path.to_owned(),
        source,
    };
    let file = File::create(path).map_err(Error::io(path))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer =
        ArrowWriter::try_new(file, batch.schema(), Some(properties)).map_err(parquet_error)?;
    writer.write(&batch).map_err(parquet_error)?;
    writer.close().map_err(parquet_error)?;
    Ok(())
}

fn batch(rows: &[RunRow]) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let strings = |get: &dyn Fn(&RunRow) -> Option<&str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        rows.iter().for_each(|r| b.append_option(get(r)));
        Arc::new(b.finish())
    };
    let floats = |get: &dyn Fn(&RunRow) -> Option<f64>| -> ArrayRef {
        let mut b = Float64Builder::new();
        rows.iter().for_each(|r| b.append_option(get(r)));
        Arc::new(b.finish())
    };
    let ints = |get: &dyn Fn(&RunRow) -> Option<i64>| -> ArrayRef {
        let mut b = Int64Builder::new();
        rows.iter().for_each(|r| b.append_option(get(r)));
        Arc::new(b.finish())
    };
    let times = |get: &dyn Fn(&RunRow) -> Option<&str>| -> ArrayRef {
        let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
        rows.iter().for_each(|r| b.append_option(micros(get(r))));
        Arc::new(b.finish())
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("correlation_id", strings(&|r| Some(&r.correlation_id))),
        ("status", strings(&|r| Some(&r.status))),
        ("mode", strings(&|r| r.mode.as_deref())),
        ("strategy", strings(&|r| r.strategy.as_deref())),
        ("initial_capital", floats(&|r| r.initial_capital)),
        ("seed", ints(&|r| r.seed)),
        ("parameters", string_map(rows, |r| &r.parameters)?),
        ("engine_start", times(&|r| r.engine_start.as_deref())),
        ("engine_end", times(&|r| r.engine_end.as_deref())),
        ("writer_version", strings(&|r| r.writer_version.as_deref())),
        ("exported_by", strings(&|r| Some(&r.exported_by))),
        ("catalog_hash", strings(&|r| Some(&r.catalog_hash))),
        ("content_hash", strings(&|r| Some(&r.content_hash))),
        ("processes", ints(&|r| Some(r.processes))),
        ("total_events", ints(&|r| Some(r.total_events))),
        (
            "final_total_value_usd",
            floats(&|r| r.final_total_value_usd),
        ),
        ("total_pnl_usd", floats(&|r| r.total_pnl_usd)),
        ("total_return", floats(&|r| r.total_return)),
        ("pnl_attribution", float_map(rows, |r| &r.pnl_attribution)?),
        ("operations_total", ints(&|r| Some(r.operations_total))),
        ("operations_retried", ints(&|r| Some(r.operations_retried))),
        (
            "operations_by_status",
            int_map(rows, |r| &r.operations_by_status)?,
        ),
        ("failures", ints(&|r| Some(r.failures))),
        ("failures_by_code", int_map(rows, |r| &r.failures_by_code)?),
        ("errors_total", ints(&|r| Some(r.errors_total))),
        (
            "errors_by_severity",
            int_map(rows, |r| &r.errors_by_severity)?,
        ),
        ("health_checks", int_map(rows, |r| &r.health_checks)?),
    ];
    RecordBatch::try_from_iter(columns)
}

fn string_map(
    rows: &[RunRow],
    get: impl Fn(&RunRow) -> &BTreeMap<String, String>,
) -> std::result::Result<ArrayRef, arrow_schema::ArrowError> {
    let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for row in rows {
        for (k, v) in get(row) {
            b.keys().append_value(k);
            b.values().append_value(v);
        }
        b.append(true)?;
    }
    Ok(Arc::new(b.finish()))
}

fn float_map(
    rows: &[RunRow],
    get: impl Fn(&RunRow) -> &BTreeMap<String, f64>,
) -> std::result::Result<ArrayRef, arrow_schema::ArrowError> {
    let mut b = MapBuilder::new(None, StringBuilder::new(), Float64Builder::new());
    for row in rows {
        for (k, v) in get(row) {
            b.keys().append_value(k);
            b.values().append_value(*v);
        }
        b.append(true)?;
    }
    Ok(Arc::new(b.finish()))
}

fn int_map(
    rows: &[RunRow],
    get: impl Fn(&RunRow) -> &BTreeMap<String, i64>,
) -> std::result::Result<ArrayRef, arrow_schema::ArrowError> {
    let mut b = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
    for row in rows {
        for (k, v) in get(row) {
            b.keys().append_value(k);
            b.values().append_value(*v);
        }
        b.append(true)?;
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_time_is_read_as_utc_microseconds() {
        assert_eq!(micros(Some("1970-01-01T00:00:01")), Some(1_000_000));
        assert_eq!(micros(Some("1970-01-01T00:00:00.5")), Some(500_000));
        assert_eq!(micros(Some("not a time")), None);
        assert_eq!(micros(None), None);
    }
}
