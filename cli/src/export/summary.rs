//! The summary report of a run, built from its event files: `summary.json`
//! for scripts (numbers are numbers) and `summary.md` for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};

/// Severities in the guide's order, most severe first.
pub const SEVERITIES: [&str; 4] = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];

/// One failed operation.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub timestamp: String,
    pub operation_id: String,
    pub operation_type: String,
    pub venue: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Which attempt of its operation this was, from 1.
    pub attempt: u32,
    /// How many attempts the operation had.
    pub attempts: u32,
    /// The operation's outcome: the status of its last attempt.
    pub outcome: String,
}

/// One system error.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    pub timestamp: String,
    pub error_code: String,
    pub severity: String,
    pub component: String,
    pub error_message: String,
}

/// One failed reconciliation.
#[derive(Debug, Clone, Serialize)]
pub struct ReconciliationFailure {
    pub timestamp: String,
    /// `reconciliation.jsonl` or `tight_loop.jsonl`.
    pub source: String,
    pub reconciliation_type: Option<String>,
    pub operation_id: Option<String>,
}

/// One atomic group that was rolled back.
#[derive(Debug, Clone, Serialize)]
pub struct RolledBackGroup {
    pub timestamp: String,
    pub atomic_group_id: String,
    pub operation_ids: Vec<String>,
    pub total_duration_ms: f64,
}

/// Operations counted: an operation is one operation id, each of its
/// events an attempt, its outcome the status of its last attempt.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Operations {
    /// Distinct operation ids.
    pub total: u64,
    /// OperationExecutionEvent lines.
    pub attempts: u64,
    /// Operations per type and outcome: `{"supply": {"confirmed": 5}}`.
    pub by_type: BTreeMap<String, BTreeMap<String, u64>>,
    /// Operations per outcome.
    pub by_status: BTreeMap<String, u64>,
    /// Attempts per status.
    pub attempts_by_status: BTreeMap<String, u64>,
    /// Operations with more than one attempt.
    pub retried: u64,
}

/// Errors counted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Errors {
    pub total: u64,
    /// Every severity, most severe first, with 0 where none occurred.
    pub by_severity: IndexMap<String, u64>,
    pub by_code: BTreeMap<String, u64>,
    pub list: Vec<ErrorEntry>,
}

/// Atomic groups counted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AtomicGroups {
    pub total: u64,
    pub rolled_back: u64,
    pub rolled_back_groups: Vec<RolledBackGroup>,
}

/// The engine-clock span of the run's events.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TimeRange {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// The last P&L calculation of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Pnl {
    pub timestamp: String,
    pub total_pnl_usd: f64,
    pub total_pnl_share_class: f64,
    pub attribution: IndexMap<String, f64>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

/// One event file, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub event: Option<String>,
    pub events: u64,
    pub segments: usize,
    pub skipped_lines: u64,
    pub torn_tails: u64,
}

/// The whole summary; serialized as `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub backtest_id: String,
    pub correlation_id: String,
    pub generated_by: String,
    /// Whether every process's manifest says the run completed.
    pub complete: bool,
    /// `completed`, or `not complete (…)` with each process's status.
    pub status: String,
    /// What could not be read, as the report's data notes state it.
    pub gaps: Vec<String>,
    /// The run manifest of each process (`metadata.json`), by pid.
    pub manifest: BTreeMap<String, Value>,
    pub strategy: Option<String>,
    pub initial_capital: Option<f64>,
    pub time_range: TimeRange,
    pub total_events: u64,
    /// Events per event type (all registered types, 0 where absent).
    pub events_per_type: BTreeMap<String, u64>,
    pub files: Vec<FileSummary>,
    pub operations: Operations,
    pub failures: Vec<Failure>,
    pub errors: Errors,
    pub reconciliation_failures: Vec<ReconciliationFailure>,
    pub atomic_groups: AtomicGroups,
    pub final_total_value_usd: Option<f64>,
    pub final_positions: Option<IndexMap<String, f64>>,
    pub pnl: Option<Pnl>,
    /// Total P&L over the initial capital, when both are known.
    pub total_return: Option<f64>,
    /// The largest fall of total value from its running peak, as a fraction.
    pub max_drawdown: Option<f64>,
    /// Health checks per overall status.
    pub health_checks: BTreeMap<String, u64>,
}

impl Summary {
    /// The summary of a run read into `loaded` (its digest built in the
    /// export's one pass), exported as `backtest_id`; `files` says how each
    /// event file went. Every figure comes from the digest, whose module
    /// docs define each one (`basis_report::digest`), so the summary and the
    /// report page state the same numbers.
    pub fn from_loaded(
        backtest_id: &str,
        loaded: &basis_report::LoadedRun,
        catalog_events: &[String],
        files: Vec<FileSummary>,
    ) -> Summary {
        let digest = &loaded.digest;
        let manifest: BTreeMap<String, Value> = loaded
            .manifests
            .iter()
            .map(|(pid, m)| (pid.clone(), serde_json::to_value(m).unwrap_or(Value::Null)))
            .collect();
        let first = loaded.manifests.first().map(|(_, m)| m);
        let mut events_per_type: BTreeMap<String, u64> = catalog_events
            .iter()
            .map(|name| (name.clone(), 0))
            .collect();
        for (name, count) in digest.events_per_type() {
            events_per_type.insert(name.clone(), count.events);
        }
        let time =
            |t: basis_report::digest::Time| basis_events::EngineTime::from_utc(t).to_string();
        let operations = digest.operations.figures().clone();
        let mut errors = Errors::default();
        for severity in SEVERITIES {
            errors.by_severity.insert(severity.to_owned(), 0);
        }
        for row in &digest.errors {
            errors.total += 1;
            *errors
                .by_severity
                .entry(row.severity.to_string())
                .or_default() += 1;
            *errors.by_code.entry(row.error_code.clone()).or_default() += 1;
            errors.list.push(ErrorEntry {
                timestamp: time(row.time),
                error_code: row.error_code.clone(),
                severity: row.severity.to_string(),
                component: row.component.to_string(),
                error_message: row.error_message.clone(),
            });
        }
        let rolled_back_groups: Vec<RolledBackGroup> = digest
            .atomic_groups
            .iter()
            .filter(|g| g.rollback_occurred)
            .map(|g| RolledBackGroup {
                timestamp: time(g.time),
                atomic_group_id: g.atomic_group_id.clone(),
                operation_ids: g.operation_ids.clone(),
                total_duration_ms: g.total_duration_ms,
            })
            .collect();
        let pnl = digest.last_pnl.as_ref().map(|last| Pnl {
            timestamp: digest
                .total_pnl()
                .map(|row| time(row.time))
                .unwrap_or_default(),
            total_pnl_usd: last.total_pnl_usd,
            total_pnl_share_class: last.total_pnl_share_class,
            attribution: serde_json::to_value(&last.pnl_attribution)
                .ok()
                .and_then(|v| v.as_object().cloned())
                .map(|a| {
                    a.into_iter()
                        .filter_map(|(k, v)| Some((k, v.as_f64()?)))
                        .collect()
                })
                .unwrap_or_default(),
            period_start: Some(last.period_start.to_string()),
            period_end: Some(last.period_end.to_string()),
        });
        let initial_capital = first.map(|m| m.initial_capital);
        let total_return = match (&pnl, initial_capital) {
            (Some(pnl), Some(capital)) if capital > 0.0 => Some(pnl.total_pnl_usd / capital),
            _ => None,
        };
        let mut health_checks = BTreeMap::new();
        for row in &digest.health {
            *health_checks
                .entry(row.overall_status.to_string())
                .or_default() += 1;
        }
        let complete = loaded.is_complete();
        let status = if complete {
            "completed".to_owned()
        } else {
            let statuses: Vec<String> = loaded
                .processes
                .iter()
                .map(|pid| {
                    let status = loaded
                        .manifests
                        .iter()
                        .find(|(p, _)| p == pid)
                        .map_or("unknown (no metadata.json)", |(_, m)| {
                            basis_report::status_name(m.status)
                        });
                    format!("process {pid}: {status}")
                })
                .collect();
            format!("not complete ({})", statuses.join("; "))
        };
        Summary {
            backtest_id: backtest_id.to_owned(),
            correlation_id: loaded.correlation_id.clone(),
            generated_by: format!("basis-log {}", env!("CARGO_PKG_VERSION")),
            complete,
            status,
            gaps: loaded.gaps.iter().map(ToString::to_string).collect(),
            manifest,
            strategy: first.map(|m| m.mode.clone()),
            initial_capital,
            time_range: TimeRange {
                start: digest.time_range().map(|(start, _)| time(start)),
                end: digest.time_range().map(|(_, end)| time(end)),
            },
            total_events: digest.total_events(),
            events_per_type,
            files,
            operations: Operations {
                total: operations.operations,
                attempts: operations.attempts,
                by_type: operations.by_type,
                by_status: operations.by_outcome,
                attempts_by_status: operations.attempts_by_status,
                retried: operations.retried,
            },
            failures: digest
                .failures()
                .into_iter()
                .map(|f| Failure {
                    timestamp: time(f.time),
                    operation_id: f.operation_id,
                    operation_type: f.operation_type.to_owned(),
                    venue: f.venue,
                    error_code: f.error_code,
                    error_message: f.error_message,
                    attempt: f.attempt,
                    attempts: f.attempts,
                    outcome: f.outcome.to_owned(),
                })
                .collect(),
            errors,
            reconciliation_failures: digest
                .reconciliation_failure_rows
                .iter()
                .map(|r| ReconciliationFailure {
                    timestamp: time(r.time),
                    source: r.event.to_owned(),
                    reconciliation_type: r.reconciliation_type.clone(),
                    operation_id: r.operation_id.clone(),
                })
                .collect(),
            atomic_groups: AtomicGroups {
                total: digest.atomic_groups.len() as u64,
                rolled_back: rolled_back_groups.len() as u64,
                rolled_back_groups,
            },
            final_total_value_usd: digest.final_total_value(),
            final_positions: digest.final_positions.clone(),
            pnl,
            total_return,
            max_drawdown: digest.max_drawdown(),
            health_checks,
        }
    }
}

/// Text for a Markdown table cell: HTML has no effect (`<`, `>` and `&` as
/// entities), `|` does not end the cell, a newline does not end the row,
/// and a backtick cannot open a code span.
fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '`' => out.push_str("\\`"),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn opt(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

impl Summary {
    /// The summary as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|err| json!({ "error": err.to_string() }))
    }

    /// The summary as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Backtest {}\n", md_escape(&self.backtest_id));
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(
            md,
            "| correlation id | {} |",
            md_escape(&self.correlation_id)
        );
        let _ = writeln!(md, "| status | {} |", md_escape(&self.status));
        let _ = writeln!(
            md,
            "| strategy | {} |",
            md_escape(opt(self.strategy.as_deref()))
        );
        if let Some(capital) = self.initial_capital {
            let _ = writeln!(md, "| initial capital | {capital:.2} |");
        }
        let _ = writeln!(
            md,
            "| processes | {} |",
            self.manifest.keys().cloned().collect::<Vec<_>>().join(", ")
        );
        let _ = writeln!(
            md,
            "| engine time | {} to {} |",
            opt(self.time_range.start.as_deref()),
            opt(self.time_range.end.as_deref())
        );
        let _ = writeln!(md, "| events | {} |", self.total_events);
        if let Some(value) = self.final_total_value_usd {
            let _ = writeln!(md, "| final total value (USD) | {value:.6} |");
        }
        if let Some(pnl) = &self.pnl {
            let _ = writeln!(md, "| total P&L (USD) | {:.6} |", pnl.total_pnl_usd);
        }
        if let Some(ret) = self.total_return {
            let _ = writeln!(md, "| total return | {:.4}% |", ret * 100.0);
        }
        let _ = writeln!(md, "| generated by | {} |", self.generated_by);

        let _ = writeln!(md, "\n## Events per type\n\n| event | events |\n|---|---:|");
        for (event, count) in &self.events_per_type {
            let _ = writeln!(md, "| {} | {count} |", md_escape(event));
        }
        if !self.gaps.is_empty() {
            let _ = writeln!(md, "\n## Data notes\n");
            for gap in &self.gaps {
                let _ = writeln!(md, "- {}", md_escape(gap));
            }
        }
        let skipped: u64 = self.files.iter().map(|f| f.skipped_lines).sum();
        let torn: u64 = self.files.iter().map(|f| f.torn_tails).sum();
        if skipped + torn > 0 {
            let _ = writeln!(
                md,
                "\n{skipped} invalid line(s) and {torn} torn tail(s) were skipped; run `basis-log validate` for details."
            );
        }

        let _ = writeln!(md, "\n## Operations by type and status\n");
        let statuses: Vec<&String> = self.operations.by_status.keys().collect();
        let _ = write!(md, "| operation |");
        for status in &statuses {
            let _ = write!(md, " {status} |");
        }
        let _ = write!(md, " total |\n|---|");
        for _ in &statuses {
            let _ = write!(md, "---:|");
        }
        let _ = writeln!(md, "---:|");
        for (op, by_status) in &self.operations.by_type {
            let _ = write!(md, "| {} |", md_escape(op));
            for status in &statuses {
                let _ = write!(md, " {} |", by_status.get(*status).copied().unwrap_or(0));
            }
            let _ = writeln!(md, " {} |", by_status.values().sum::<u64>());
        }
        let _ = writeln!(
            md,
            "\n{} operation(s) in {} attempt(s); {} operation(s) needed more than one attempt.",
            self.operations.total, self.operations.attempts, self.operations.retried
        );

        let _ = writeln!(md, "\n## Failures\n");
        if self.failures.is_empty() {
            let _ = writeln!(md, "No failed operations.");
        } else {
            let _ = writeln!(
                md,
                "| time | operation | attempt | outcome | type | venue | error code | message |\n|---|---|---|---|---|---|---|---|"
            );
            for f in &self.failures {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} of {} | {} | {} | {} | {} | {} |",
                    f.timestamp,
                    md_escape(&f.operation_id),
                    f.attempt,
                    f.attempts,
                    f.outcome,
                    f.operation_type,
                    md_escape(&f.venue),
                    md_escape(opt(f.error_code.as_deref())),
                    md_escape(opt(f.error_message.as_deref()))
                );
            }
        }

        let _ = writeln!(
            md,
            "\n## Errors by severity\n\n| severity | errors |\n|---|---:|"
        );
        for (severity, count) in &self.errors.by_severity {
            let _ = writeln!(md, "| {severity} | {count} |");
        }
        if !self.errors.list.is_empty() {
            let _ = writeln!(
                md,
                "\n| time | code | severity | component | message |\n|---|---|---|---|---|"
            );
            for e in &self.errors.list {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} |",
                    e.timestamp,
                    md_escape(&e.error_code),
                    e.severity,
                    md_escape(&e.component),
                    md_escape(&e.error_message)
                );
            }
        }

        let _ = writeln!(md, "\n## Reconciliation failures\n");
        if self.reconciliation_failures.is_empty() {
            let _ = writeln!(md, "None.");
        } else {
            let _ = writeln!(
                md,
                "| time | source | type | operation |\n|---|---|---|---|"
            );
            for r in &self.reconciliation_failures {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    r.timestamp,
                    r.source,
                    md_escape(opt(r.reconciliation_type.as_deref())),
                    md_escape(opt(r.operation_id.as_deref()))
                );
            }
        }

        let _ = writeln!(
            md,
            "\n## Atomic groups\n\n{} group(s), {} rolled back.",
            self.atomic_groups.total, self.atomic_groups.rolled_back
        );
        if !self.atomic_groups.rolled_back_groups.is_empty() {
            let _ = writeln!(md, "\n| time | group | operations |\n|---|---|---|");
            for g in &self.atomic_groups.rolled_back_groups {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    g.timestamp,
                    md_escape(&g.atomic_group_id),
                    md_escape(&g.operation_ids.join(", "))
                );
            }
        }

        let _ = writeln!(md, "\n## Final positions\n");
        match &self.final_positions {
            Some(positions) => {
                let _ = writeln!(md, "| position | amount |\n|---|---:|");
                for (key, amount) in positions {
                    let _ = writeln!(md, "| {} | {amount:.6} |", md_escape(key));
                }
                if let Some(value) = self.final_total_value_usd {
                    let _ = writeln!(md, "| **total value (USD)** | **{value:.6}** |");
                }
            }
            None => {
                let _ = writeln!(md, "No position snapshot.");
            }
        }

        let _ = writeln!(md, "\n## P&L\n");
        match &self.pnl {
            Some(pnl) => {
                let _ = writeln!(md, "| component | USD |\n|---|---:|");
                for (name, value) in &pnl.attribution {
                    let _ = writeln!(md, "| {name} | {value:.6} |");
                }
                let _ = writeln!(md, "| **total P&L** | **{:.6}** |", pnl.total_pnl_usd);
                let _ = writeln!(
                    md,
                    "\nPeriod: {} to {}.",
                    opt(pnl.period_start.as_deref()),
                    opt(pnl.period_end.as_deref())
                );
            }
            None => {
                let _ = writeln!(md, "No P&L calculation.");
            }
        }

        if !self.health_checks.is_empty() {
            let _ = writeln!(
                md,
                "\n## Health checks\n\n| overall status | checks |\n|---|---:|"
            );
            for (status, count) in &self.health_checks {
                let _ = writeln!(md, "| {status} | {count} |");
            }
        }
        md
    }
}
