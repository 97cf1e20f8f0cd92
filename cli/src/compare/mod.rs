//! `basis-log compare RUN_A RUN_B [RUN …] [--baseline RUN_A]`: the figures
//! of runs side by side, each run's deltas against the baseline, and a
//! warning for everything that makes two runs not comparable.
//!
//! A RUN is a results directory (`results/{correlation_id}`). Its figures
//! come from `summary.json` (through [`crate::dataset::figures`], the one
//! reader of summaries) and its drawdown from `parquet/positions.parquet`.

pub mod page;
pub mod series;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dataset::figures::{Figures, SUMMARY_FILE};
use crate::{Error, Result};
use series::{Points, drawdown, event_parquet, read_points};

/// What `compare` is asked to do.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The runs, in the order given; at least two.
    pub runs: Vec<PathBuf>,
    /// The run the others are compared with; the first run by default.
    pub baseline: Option<PathBuf>,
    /// Keep every run's series (for `--report`); without it each run's
    /// series are dropped once its drawdown is known.
    pub keep_series: bool,
}

/// The comparison, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The baseline's correlation id.
    pub baseline: String,
    /// Every run, the baseline first.
    pub runs: Vec<RunFacts>,
    /// Every metric of any run, in table order.
    pub metrics: Vec<String>,
    /// Every run but the baseline: value minus the baseline's, per metric.
    pub deltas: Vec<RunDeltas>,
    /// What makes runs not comparable.
    pub warnings: Vec<Warning>,
}

/// What is known of one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunFacts {
    pub correlation_id: String,
    pub dir: PathBuf,
    pub status: String,
    pub strategy: Option<String>,
    pub initial_capital: Option<f64>,
    pub writer_version: Option<String>,
    pub catalog_hash: String,
    pub engine_start: Option<String>,
    pub engine_end: Option<String>,
    pub parameters: BTreeMap<String, String>,
    /// Each metric's value; `null` when the run does not have it.
    pub values: BTreeMap<String, Option<f64>>,
    /// Total value, total P&L and drawdown over engine time; kept only
    /// with [`CompareOptions::keep_series`].
    #[serde(skip)]
    pub series: Option<RunSeries>,
}

/// A run's values over engine time.
#[derive(Debug, Clone, Default)]
pub struct RunSeries {
    pub total_value: Points,
    pub pnl: Points,
    pub drawdown: Points,
}

/// One run's deltas against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct RunDeltas {
    pub correlation_id: String,
    /// Value minus the baseline's; `null` when either is missing.
    pub deltas: BTreeMap<String, Option<f64>>,
}

/// One way in which a run is not comparable with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub run: String,
    /// `binary version`, `catalog`, `strategy`, `initial capital`,
    /// `engine time range` or `status`.
    pub what: String,
    pub baseline: String,
    pub value: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.what == "status" {
            write!(f, "{} did not complete (status {})", self.run, self.value)
        } else {
            write!(
                f,
                "{} has a different {}: {} (baseline {})",
                self.run, self.what, self.value, self.baseline
            )
        }
    }
}

/// Metrics whose absence means zero (counts), as opposed to values.
const COUNT_PREFIXES: [&str; 4] = ["operations.", "failures.", "errors.", "health."];

/// Compares the runs.
pub fn compare(options: &CompareOptions) -> Result<Comparison> {
    if options.runs.len() < 2 {
        return Err(Error::Usage(
            "compare needs at least two runs (results directories)".to_owned(),
        ));
    }
    let baseline_at = match &options.baseline {
        None => 0,
        Some(baseline) => options
            .runs
            .iter()
            .position(|run| same_path(run, baseline))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--baseline `{}` is not one of the runs compared",
                    baseline.display()
                ))
            })?,
    };
    let mut order: Vec<usize> = (0..options.runs.len()).collect();
    order.remove(baseline_at);
    order.insert(0, baseline_at);
    let mut runs = Vec::with_capacity(order.len());
    for i in order {
        runs.push(read_run(&options.runs[i], options.keep_series)?);
    }
    let mut seen = BTreeSet::new();
    for run in &runs {
        if !seen.insert(run.correlation_id.clone()) {
            return Err(Error::Usage(format!(
                "run `{}` is given twice",
                run.correlation_id
            )));
        }
    }
    let metrics = metric_order(&runs);
    for run in &mut runs {
        for metric in &metrics {
            if !run.values.contains_key(metric) {
                let zero = COUNT_PREFIXES.iter().any(|p| metric.starts_with(p));
                run.values.insert(metric.clone(), zero.then_some(0.0));
            }
        }
    }
    let base = &runs[0];
    let deltas = runs[1..]
        .iter()
        .map(|run| RunDeltas {
            correlation_id: run.correlation_id.clone(),
            deltas: metrics
                .iter()
                .map(|m| {
                    let delta = match (run.values[m], base.values[m]) {
                        (Some(v), Some(b)) => Some(v - b),
                        _ => None,
                    };
                    (m.clone(), delta)
                })
                .collect(),
        })
        .collect();
    let warnings = warnings(&runs);
    Ok(Comparison {
        baseline: base.correlation_id.clone(),
        runs,
        metrics,
        deltas,
        warnings,
    })
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Reads one results directory.
fn read_run(dir: &Path, keep_series: bool) -> Result<RunFacts> {
    if !dir.join(SUMMARY_FILE).is_file() {
        let hint = if dir.join("metadata.json").is_file() || dir.join("events").is_dir() {
            "; it looks like a run's logs: export it first with `basis-log export`"
        } else {
            ""
        };
        return Err(Error::Usage(format!(
            "`{}` is not a results directory: it has no {SUMMARY_FILE}{hint}",
            dir.display()
        )));
    }
    let figures = Figures::read(dir)?;
    let catalog_hash = crate::dataset::source::catalog_hash(dir, &figures)?;
    let mut values = BTreeMap::new();
    let mut put = |name: String, value: Option<f64>| {
        values.insert(name, value);
    };
    put(
        "final_total_value_usd".into(),
        figures.final_total_value_usd,
    );
    put("total_return".into(), figures.total_return);
    put("total_pnl_usd".into(), figures.total_pnl_usd());
    for (name, value) in figures.attribution() {
        put(format!("pnl_attribution.{name}"), Some(value));
    }
    let total_value = match event_parquet(dir, &figures, "PositionSnapshot") {
        Some(path) => read_points(&path, "timestamp", "total_value_usd")?,
        None => Points::new(),
    };
    let (max, drawdown_series) = drawdown(&total_value);
    let has_values = !total_value.is_empty();
    put("max_drawdown_usd".into(), has_values.then_some(max.usd));
    put(
        "max_drawdown_fraction".into(),
        has_values.then_some(max.fraction),
    );
    let count = |n: u64| Some(n as f64);
    put("operations.total".into(), count(figures.operations.total));
    put(
        "operations.retried".into(),
        count(figures.operations.retried),
    );
    for (status, n) in &figures.operations.by_status {
        put(format!("operations.status.{status}"), count(*n));
    }
    for (kind, statuses) in &figures.operations.by_type {
        for (status, n) in statuses {
            put(format!("operations.{kind}.{status}"), count(*n));
        }
    }
    put(
        "failures.total".into(),
        count(figures.failures.len() as u64),
    );
    for (code, n) in figures.failures_by_code() {
        put(format!("failures.{code}"), count(n));
    }
    put("errors.total".into(), count(figures.errors.total));
    for (severity, n) in &figures.errors.by_severity {
        put(format!("errors.{severity}"), count(*n));
    }
    for (status, n) in &figures.health_checks {
        put(format!("health.{status}"), count(*n));
    }
    let series = if keep_series {
        let pnl = match event_parquet(dir, &figures, "PnLCalculation") {
            Some(path) => read_points(&path, "timestamp", "total_pnl_usd")?,
            None => Points::new(),
        };
        Some(RunSeries {
            total_value,
            pnl,
            drawdown: drawdown_series,
        })
    } else {
        None
    };
    let correlation_id = if figures.correlation_id.is_empty() {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        figures.correlation_id.clone()
    };
    Ok(RunFacts {
        correlation_id,
        dir: dir.to_owned(),
        status: figures.status().to_owned(),
        strategy: figures.strategy.clone(),
        initial_capital: figures.initial_capital,
        writer_version: figures.writer_version(),
        catalog_hash,
        engine_start: figures.time_range.start.clone(),
        engine_end: figures.time_range.end.clone(),
        parameters: figures.parameters(),
        values,
        series,
    })
}

/// Headline values first, then the counts, each group sorted.
fn metric_order(runs: &[RunFacts]) -> Vec<String> {
    const HEAD: [&str; 5] = [
        "final_total_value_usd",
        "total_return",
        "total_pnl_usd",
        "max_drawdown_usd",
        "max_drawdown_fraction",
    ];
    let all: BTreeSet<&String> = runs.iter().flat_map(|r| r.values.keys()).collect();
    let group = |name: &str| -> usize {
        if let Some(at) = HEAD.iter().position(|h| *h == name) {
            return at;
        }
        let prefixes = [
            "pnl_attribution.",
            "operations.",
            "failures.",
            "errors.",
            "health.",
        ];
        prefixes
            .iter()
            .position(|p| name.starts_with(p))
            .map_or(HEAD.len() + prefixes.len(), |at| HEAD.len() + at)
    };
    let mut metrics: Vec<String> = all.into_iter().cloned().collect();
    metrics.sort_by(|a, b| group(a).cmp(&group(b)).then_with(|| a.cmp(b)));
    metrics
}

/// Every difference from the baseline that makes a delta misleading.
fn warnings(runs: &[RunFacts]) -> Vec<Warning> {
    let base = &runs[0];
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".to_owned());
    let money = |v: Option<f64>| v.map_or_else(|| "unknown".to_owned(), |v| v.to_string());
    let range = |r: &RunFacts| {
        format!(
            "{} to {}",
            r.engine_start.as_deref().unwrap_or("?"),
            r.engine_end.as_deref().unwrap_or("?")
        )
    };
    let mut warnings = Vec::new();
    for run in runs {
        if run.status != "completed" {
            warnings.push(Warning {
                run: run.correlation_id.clone(),
                what: "status".to_owned(),
                baseline: base.status.clone(),
                value: run.status.clone(),
            });
        }
    }
    for run in &runs[1..] {
        let mut differs = |what: &str, baseline: String, value: String| {
            if baseline != value {
                warnings.push(Warning {
                    run: run.correlation_id.clone(),
                    what: what.to_owned(),
                    baseline,
                    value,
                });
            }
        };
        differs(
            "binary version",
            text(&base.writer_version),
            text(&run.writer_version),
        );
        differs(
            "catalog",
            base.catalog_hash.clone(),
            run.catalog_hash.clone(),
        );
        differs("strategy", text(&base.strategy), text(&run.strategy));
        differs(
            "initial capital",
            money(base.initial_capital),
            money(run.initial_capital),
        );
        differs("engine time range", range(base), range(run));
    }
    warnings
}
