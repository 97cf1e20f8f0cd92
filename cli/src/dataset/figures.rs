//! A run's figures as `summary.json` states them: the one place the dataset
//! and `compare` read a summary, so a renamed or redefined key is a one-file
//! edit. Nothing here is recomputed from the event files.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The summary's name in a results directory.
pub const SUMMARY_FILE: &str = "summary.json";

/// The figures of one run. Every key may be absent (an older or partial
/// summary); absent counts read as zero and absent values as `None`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Figures {
    pub correlation_id: String,
    pub generated_by: String,
    /// Each process's manifest, by pid.
    pub manifest: BTreeMap<String, ManifestFigures>,
    pub strategy: Option<String>,
    pub initial_capital: Option<f64>,
    pub time_range: TimeRange,
    pub total_events: u64,
    /// Which event each event file holds, and how many lines it had.
    pub files: Vec<FileFigures>,
    pub operations: Operations,
    pub failures: Vec<Failure>,
    pub errors: Errors,
    pub final_total_value_usd: Option<f64>,
    pub pnl: Option<Pnl>,
    pub total_return: Option<f64>,
    /// Health checks by status (`healthy`, `degraded`, `critical`).
    pub health_checks: BTreeMap<String, u64>,
}

/// The keys of one process's `metadata.json` that tell runs apart.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ManifestFigures {
    pub mode: Option<String>,
    pub strategy: Option<String>,
    pub initial_capital: Option<f64>,
    /// `running`, `completed` or `failed`.
    pub status: Option<String>,
    pub end_time: Option<String>,
    /// The version of basis-events that wrote the run.
    pub crate_version: Option<String>,
    pub schema_versions: BTreeMap<String, u32>,
    pub parameters: BTreeMap<String, String>,
}

/// Engine time of the first and last event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeRange {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// One event file of the run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FileFigures {
    pub file: String,
    pub event: Option<String>,
    pub events: u64,
}

/// Operations by type and status.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Operations {
    pub total: u64,
    pub by_type: BTreeMap<String, BTreeMap<String, u64>>,
    pub by_status: BTreeMap<String, u64>,
    pub retried: u64,
}

/// One failure; only its code is read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Failure {
    pub error_code: Option<String>,
}

/// System errors by severity and code.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Errors {
    pub total: u64,
    pub by_severity: BTreeMap<String, u64>,
    pub by_code: BTreeMap<String, u64>,
}

/// The last P&L calculation.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Pnl {
    pub total_pnl_usd: Option<f64>,
    pub attribution: BTreeMap<String, f64>,
}

impl Figures {
    /// Reads `{results_dir}/summary.json`.
    pub fn read(results_dir: &Path) -> Result<Figures> {
        let path = results_dir.join(SUMMARY_FILE);
        let text = std::fs::read(&path).map_err(Error::io(&path))?;
        serde_json::from_slice(&text).map_err(|source| Error::Json { path, source })
    }

    /// The run's status over its processes: `running` if any process never
    /// finished (killed mid-write: status `running` or no end time), else
    /// `failed` if any failed, else `completed`; `unknown` with no manifest.
    pub fn status(&self) -> &'static str {
        if self.manifest.is_empty() {
            return "unknown";
        }
        let unfinished = self
            .manifest
            .values()
            .any(|m| m.status.as_deref() == Some("running") || m.end_time.is_none());
        if unfinished {
            "running"
        } else if self
            .manifest
            .values()
            .any(|m| m.status.as_deref() != Some("completed"))
        {
            "failed"
        } else {
            "completed"
        }
    }

    /// The distinct values of one manifest key over the processes, joined
    /// by `,`: one value for a run written by one binary.
    fn joined(&self, key: impl Fn(&ManifestFigures) -> Option<&str>) -> Option<String> {
        let mut values: Vec<&str> = self.manifest.values().filter_map(key).collect();
        values.sort_unstable();
        values.dedup();
        (!values.is_empty()).then(|| values.join(","))
    }

    /// The mode (`pure_lending_usdt`) the processes ran.
    pub fn mode(&self) -> Option<String> {
        self.joined(|m| m.mode.as_deref())
    }

    /// The version of basis-events that wrote the run.
    pub fn writer_version(&self) -> Option<String> {
        self.joined(|m| m.crate_version.as_deref())
    }

    /// The run's parameters: every process's, the first process's value
    /// winning when two disagree.
    pub fn parameters(&self) -> BTreeMap<String, String> {
        let mut parameters = BTreeMap::new();
        for manifest in self.manifest.values() {
            for (name, value) in &manifest.parameters {
                parameters
                    .entry(name.clone())
                    .or_insert_with(|| value.clone());
            }
        }
        parameters
    }

    /// The seed among the parameters, when it is an integer.
    pub fn seed(&self) -> Option<i64> {
        self.parameters().get("seed")?.parse().ok()
    }

    /// The event of each event file, by file name (`positions.jsonl`).
    pub fn event_of_file(&self, file: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.file == file)
            .and_then(|f| f.event.as_deref())
    }

    /// The event files holding `event`.
    pub fn files_of_event<'a>(&'a self, event: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files
            .iter()
            .filter(move |f| f.event.as_deref() == Some(event))
            .map(|f| f.file.as_str())
    }

    /// Failures by error code (`none` for a failure without one).
    pub fn failures_by_code(&self) -> BTreeMap<String, u64> {
        let mut by_code = BTreeMap::new();
        for failure in &self.failures {
            let code = failure.error_code.as_deref().unwrap_or("none");
            *by_code.entry(code.to_owned()).or_insert(0) += 1;
        }
        by_code
    }

    /// Total P&L of the last calculation.
    pub fn total_pnl_usd(&self) -> Option<f64> {
        self.pnl.as_ref()?.total_pnl_usd
    }

    /// P&L attribution of the last calculation.
    pub fn attribution(&self) -> BTreeMap<String, f64> {
        self.pnl
            .as_ref()
            .map(|pnl| pnl.attribution.clone())
            .unwrap_or_default()
    }

    /// The schema version of every event, over the processes: what the
    /// catalog hash falls back on when a run has no `catalog.json`.
    pub fn schema_versions(&self) -> BTreeMap<&str, u32> {
        self.manifest
            .values()
            .flat_map(|m| m.schema_versions.iter())
            .map(|(name, version)| (name.as_str(), *version))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(json: serde_json::Value) -> Figures {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn absent_keys_read_as_empty() {
        let f = figures(serde_json::json!({"correlation_id": "abc"}));
        assert_eq!(f.correlation_id, "abc");
        assert_eq!(f.final_total_value_usd, None);
        assert_eq!(f.operations.total, 0);
        assert_eq!(f.status(), "unknown");
    }

    #[test]
    fn a_process_that_never_finished_makes_the_run_running() {
        let done = serde_json::json!({"status": "completed", "end_time": "2026-01-01T00:00:00"});
        let f = figures(serde_json::json!({"manifest": {"1": done.clone(), "2": done}}));
        assert_eq!(f.status(), "completed");
        let killed = serde_json::json!({"status": "running", "end_time": null});
        let f = figures(serde_json::json!({"manifest": {"1": done.clone(), "2": killed}}));
        assert_eq!(f.status(), "running");
        let no_end = serde_json::json!({"status": "completed"});
        let f = figures(serde_json::json!({"manifest": {"1": no_end}}));
        assert_eq!(f.status(), "running");
        let failed = serde_json::json!({"status": "failed", "end_time": "2026-01-01T00:00:00"});
        let f = figures(serde_json::json!({"manifest": {"1": done, "2": failed}}));
        assert_eq!(f.status(), "failed");
    }

    #[test]
    fn failures_are_counted_by_code_and_the_seed_is_read() {
        let f = figures(serde_json::json!({
            "failures": [{"error_code": "VEN-002"}, {"error_code": "VEN-002"}, {}],
            "manifest": {"1": {"parameters": {"seed": "7", "days": "30"}}},
        }));
        assert_eq!(
            f.failures_by_code(),
            BTreeMap::from([("VEN-002".to_owned(), 2), ("none".to_owned(), 1)])
        );
        assert_eq!(f.seed(), Some(7));
    }
}
