//! `compare --report FILE`: the comparison handed to basis-report's compare
//! page, under the same writing rules as every other page (see `target`).

use std::path::Path;

use basis_report::compare::{ComparePage, PageMetric, PageRun};
use chrono::{DateTime, Utc};

use super::Comparison;
use crate::Result;

/// Writes the compare page of `comparison` (made with `keep_series`) to `to`.
pub fn write(comparison: &Comparison, to: &Path, force: bool) -> Result<()> {
    let target = crate::target::compare_file(to, force)?;
    let page = page(comparison);
    target.write_with(|path| basis_report::compare::write_compare(&page, path))?;
    Ok(())
}

/// The page's data: the same numbers `--json` prints.
pub fn page(comparison: &Comparison) -> ComparePage {
    let times = |points: &[(i64, f64)]| -> Vec<(DateTime<Utc>, f64)> {
        points
            .iter()
            .filter_map(|&(t, v)| Some((DateTime::from_timestamp_micros(t)?, v)))
            .collect()
    };
    let runs = comparison
        .runs
        .iter()
        .map(|run| {
            let series = run.series.clone().unwrap_or_default();
            PageRun {
                id: run.correlation_id.clone(),
                total_value: times(&series.total_value),
                pnl: times(&series.pnl),
                drawdown: times(&series.drawdown),
            }
        })
        .collect();
    let metrics = comparison
        .metrics
        .iter()
        .map(|name| PageMetric {
            name: name.clone(),
            values: comparison
                .runs
                .iter()
                .map(|r| r.values.get(name).copied().flatten())
                .collect(),
            deltas: comparison
                .deltas
                .iter()
                .map(|d| d.deltas.get(name).copied().flatten())
                .collect(),
        })
        .collect();
    ComparePage {
        baseline: comparison.baseline.clone(),
        runs,
        metrics,
        warnings: comparison
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect(),
    }
}
