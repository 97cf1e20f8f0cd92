//! A run's values over engine time, read from its exported Parquet files:
//! total value (PositionSnapshot), total P&L (PnLCalculation), and the
//! drawdown of total value from its running peak.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::dataset::figures::Figures;
use crate::{Error, Result};

/// Points of (engine time in microseconds since the epoch, value), in time order.
pub type Points = Vec<(i64, f64)>;

/// The Parquet file of `event` in the results directory `dir`.
pub fn event_parquet(dir: &Path, figures: &Figures, event: &str) -> Option<PathBuf> {
    figures.files_of_event(event).find_map(|file| {
        let stem = file.strip_suffix(".jsonl")?;
        let path = dir.join("parquet").join(format!("{stem}.parquet"));
        path.is_file().then_some(path)
    })
}

/// Reads the columns `time` and `value` of the Parquet file `path`, sorted
/// by time (stable, so snapshots of one tick keep their logged order). Rows
/// with a null in either are left out.
pub fn read_points(path: &Path, time: &str, value: &str) -> Result<Points> {
    let parquet_error = |source| Error::Parquet {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(Error::io(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet_error)?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), [time, value]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(parquet_error)?;
    let mut points = Points::new();
    for batch in reader {
        let batch = batch.map_err(|source| Error::Arrow {
            path: path.to_owned(),
            source,
        })?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| Error::NotFound(format!("{}: no column `{name}`", path.display())))
        };
        let times = column(time)?
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| wrong_type(path, time, "a timestamp"))?;
        let values = column(value)?
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| wrong_type(path, value, "a double"))?;
        points.extend(
            times
                .iter()
                .zip(values.iter())
                .filter_map(|(t, v)| Some((t?, v?))),
        );
    }
    points.sort_by_key(|&(t, _)| t);
    Ok(points)
}

fn wrong_type(path: &Path, column: &str, expected: &str) -> Error {
    Error::NotFound(format!(
        "{}: column `{column}` is not {expected}",
        path.display()
    ))
}

/// The largest fall of value from its running peak.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Drawdown {
    /// In USD.
    pub usd: f64,
    /// As a fraction of the peak it fell from (0.05 = 5 %).
    pub fraction: f64,
}

/// The drawdown at every point of `values`, and the largest one.
pub fn drawdown(values: &[(i64, f64)]) -> (Drawdown, Points) {
    let mut peak = f64::NEG_INFINITY;
    let mut max = Drawdown::default();
    let mut series = Points::with_capacity(values.len());
    for &(t, v) in values {
        peak = peak.max(v);
        let usd = peak - v;
        if usd > max.usd {
            max = Drawdown {
                usd,
                fraction: if peak > 0.0 { usd / peak } else { 0.0 },
            };
        }
        series.push((t, -usd));
    }
    (max, series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawdown_is_measured_from_the_running_peak() {
        let values = [(1, 100.0), (2, 120.0), (3, 90.0), (4, 130.0), (5, 117.0)];
        let (max, series) = drawdown(&values);
        assert_eq!(max.usd, 30.0);
        assert_eq!(max.fraction, 0.25);
        assert_eq!(
            series,
            [(1, 0.0), (2, 0.0), (3, -30.0), (4, 0.0), (5, -13.0)]
        );
        assert_eq!(drawdown(&[]).0, Drawdown::default());
        let rising = [(1, 1.0), (2, 2.0)];
        assert_eq!(drawdown(&rising).0.usd, 0.0);
    }
}
