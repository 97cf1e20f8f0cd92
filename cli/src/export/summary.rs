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

/// Operations counted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Operations {
    pub total: u64,
    /// `{"supply": {"confirmed": 5, "failed": 1}}`.
    pub by_type: BTreeMap<String, BTreeMap<String, u64>>,
    pub by_status: BTreeMap<String, u64>,
    /// Tight-loop cycles that needed at least one retry.
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
    /// Health checks per overall status.
    pub health_checks: BTreeMap<String, u64>,
}

/// Builds a [`Summary`] one record at a time.
#[derive(Debug)]
pub struct SummaryBuilder {
    summary: Summary,
    last_position: Option<String>,
}

fn text(record: &Value, key: &str) -> Option<String> {
    match record.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn timestamp(record: &Value) -> String {
    text(record, "timestamp").unwrap_or_default()
}

impl SummaryBuilder {
    /// An empty summary of the run `correlation_id`, exported as `backtest_id`.
    pub fn new(backtest_id: &str, correlation_id: &str, manifest: BTreeMap<String, Value>) -> Self {
        let first = manifest.values().next();
        let strategy = first.and_then(|m| text(m, "mode"));
        let initial_capital = first.and_then(|m| m.get("initial_capital")?.as_f64());
        let mut events_per_type = BTreeMap::new();
        if let Ok(events) = basis_events::registered_events() {
            for event in events {
                events_per_type.insert(event.name().to_owned(), 0);
            }
        }
        let mut errors = Errors::default();
        for severity in SEVERITIES {
            errors.by_severity.insert(severity.to_owned(), 0);
        }
        SummaryBuilder {
            summary: Summary {
                backtest_id: backtest_id.to_owned(),
                correlation_id: correlation_id.to_owned(),
                generated_by: format!("basis-log {}", env!("CARGO_PKG_VERSION")),
                manifest,
                strategy,
                initial_capital,
                time_range: TimeRange::default(),
                total_events: 0,
                events_per_type,
                files: Vec::new(),
                operations: Operations::default(),
                failures: Vec::new(),
                errors,
                reconciliation_failures: Vec::new(),
                atomic_groups: AtomicGroups::default(),
                final_total_value_usd: None,
                final_positions: None,
                pnl: None,
                total_return: None,
                health_checks: BTreeMap::new(),
            },
            last_position: None,
        }
    }

    /// Records how an event file went.
    pub fn file(&mut self, file: FileSummary) {
        if let Some(event) = &file.event {
            *self
                .summary
                .events_per_type
                .entry(event.clone())
                .or_default() += file.events;
        }
        self.summary.total_events += file.events;
        self.summary.files.push(file);
    }

    /// Takes one valid record of `file` into account.
    pub fn observe(&mut self, file: &str, record: &Value) {
        let ts = timestamp(record);
        let range = &mut self.summary.time_range;
        if range.start.as_ref().is_none_or(|s| ts < *s) {
            range.start = Some(ts.clone());
        }
        if range.end.as_ref().is_none_or(|e| ts > *e) {
            range.end = Some(ts.clone());
        }
        match file {
            "operation_executions.jsonl" => self.operation(record, ts),
            "system_errors.jsonl" => self.error(record, ts),
            "reconciliation.jsonl" => self.reconciliation(file, record, ts),
            "tight_loop.jsonl" => {
                if record
                    .get("retry_count")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    > 0
                {
                    self.summary.operations.retried += 1;
                }
                if record.get("reconciliation_success") == Some(&Value::Bool(false))
                    && record.get("execution_success") == Some(&Value::Bool(true))
                {
                    self.summary
                        .reconciliation_failures
                        .push(ReconciliationFailure {
                            timestamp: ts,
                            source: file.to_owned(),
                            reconciliation_type: None,
                            operation_id: text(record, "operation_id"),
                        });
                }
            }
            "atomic_groups.jsonl" => {
                let groups = &mut self.summary.atomic_groups;
                groups.total += 1;
                if record.get("rollback_occurred") == Some(&Value::Bool(true)) {
                    groups.rolled_back += 1;
                    groups.rolled_back_groups.push(RolledBackGroup {
                        timestamp: ts,
                        atomic_group_id: text(record, "atomic_group_id").unwrap_or_default(),
                        operation_ids: record
                            .get("operation_ids")
                            .and_then(Value::as_array)
                            .map(|ids| {
                                ids.iter()
                                    .filter_map(|v| v.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        total_duration_ms: record
                            .get("total_duration_ms")
                            .and_then(Value::as_f64)
                            .unwrap_or(0.0),
                    });
                }
            }
            "positions.jsonl" => self.position(record, ts),
            "pnl_calculations.jsonl" => self.pnl(record, ts),
            "health_status.jsonl" => {
                if let Some(status) = text(record, "overall_status") {
                    *self.summary.health_checks.entry(status).or_default() += 1;
                }
            }
            _ => {}
        }
    }

    fn reconciliation(&mut self, file: &str, record: &Value, ts: String) {
        if record.get("reconciliation_success") == Some(&Value::Bool(false)) {
            self.summary
                .reconciliation_failures
                .push(ReconciliationFailure {
                    timestamp: ts,
                    source: file.to_owned(),
                    reconciliation_type: text(record, "reconciliation_type"),
                    operation_id: record.get("metadata").and_then(|m| text(m, "operation_id")),
                });
        }
    }

    // The latest snapshot on the engine clock; ties go to the later line.
    fn position(&mut self, record: &Value, ts: String) {
        if self.last_position.as_ref().is_some_and(|last| ts < *last) {
            return;
        }
        self.summary.final_total_value_usd = record.get("total_value_usd").and_then(Value::as_f64);
        self.summary.final_positions =
            record.get("positions").and_then(Value::as_object).map(|p| {
                p.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
                    .collect()
            });
        self.last_position = Some(ts);
    }

    fn pnl(&mut self, record: &Value, ts: String) {
        if self.summary.pnl.as_ref().is_some_and(|p| ts < p.timestamp) {
            return;
        }
        let number = |key: &str| record.get(key).and_then(Value::as_f64).unwrap_or(0.0);
        self.summary.pnl = Some(Pnl {
            total_pnl_usd: number("total_pnl_usd"),
            total_pnl_share_class: number("total_pnl_share_class"),
            attribution: record
                .get("pnl_attribution")
                .and_then(Value::as_object)
                .map(|a| {
                    a.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
                        .collect()
                })
                .unwrap_or_default(),
            period_start: text(record, "period_start"),
            period_end: text(record, "period_end"),
            timestamp: ts,
        });
    }

    fn operation(&mut self, record: &Value, ts: String) {
        let ops = &mut self.summary.operations;
        let op_type = text(record, "operation_type").unwrap_or_default();
        let status = text(record, "status").unwrap_or_default();
        ops.total += 1;
        *ops.by_status.entry(status.clone()).or_default() += 1;
        *ops.by_type
            .entry(op_type.clone())
            .or_default()
            .entry(status.clone())
            .or_default() += 1;
        if status == "failed" {
            self.summary.failures.push(Failure {
                timestamp: ts,
                operation_id: text(record, "operation_id").unwrap_or_default(),
                operation_type: op_type,
                venue: text(record, "venue").unwrap_or_default(),
                error_code: text(record, "error_code"),
                error_message: text(record, "error_message"),
            });
        }
    }

    fn error(&mut self, record: &Value, ts: String) {
        let errors = &mut self.summary.errors;
        let severity = text(record, "severity").unwrap_or_default();
        let code = text(record, "error_code").unwrap_or_default();
        errors.total += 1;
        *errors.by_severity.entry(severity.clone()).or_default() += 1;
        *errors.by_code.entry(code.clone()).or_default() += 1;
        errors.list.push(ErrorEntry {
            timestamp: ts,
            error_code: code,
            severity,
            component: text(record, "component").unwrap_or_default(),
            error_message: text(record, "error_message").unwrap_or_default(),
        });
    }

    /// The finished summary, lists in time order.
    pub fn finish(mut self) -> Summary {
        let s = &mut self.summary;
        s.failures.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        s.errors.list.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        s.reconciliation_failures
            .sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        s.atomic_groups
            .rolled_back_groups
            .sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        s.total_return = match (&s.pnl, s.initial_capital) {
            (Some(pnl), Some(capital)) if capital > 0.0 => Some(pnl.total_pnl_usd / capital),
            _ => None,
        };
        self.summary
    }
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
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
        let _ = writeln!(md, "# Backtest `{}`\n", self.backtest_id);
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(md, "| correlation id | `{}` |", self.correlation_id);
        let _ = writeln!(md, "| strategy | {} |", opt(self.strategy.as_deref()));
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
            let _ = writeln!(md, "| {event} | {count} |");
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
            let _ = write!(md, "| {op} |");
            for status in &statuses {
                let _ = write!(md, " {} |", by_status.get(*status).copied().unwrap_or(0));
            }
            let _ = writeln!(md, " {} |", by_status.values().sum::<u64>());
        }
        let _ = writeln!(
            md,
            "\n{} operation(s) in total; {} tight-loop cycle(s) needed a retry.",
            self.operations.total, self.operations.retried
        );

        let _ = writeln!(md, "\n## Failures\n");
        if self.failures.is_empty() {
            let _ = writeln!(md, "No failed operations.");
        } else {
            let _ = writeln!(
                md,
                "| time | operation | type | venue | error code | message |\n|---|---|---|---|---|---|"
            );
            for f in &self.failures {
                let _ = writeln!(
                    md,
                    "| {} | `{}` | {} | {} | {} | {} |",
                    f.timestamp,
                    f.operation_id,
                    f.operation_type,
                    f.venue,
                    opt(f.error_code.as_deref()),
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
                    e.error_code,
                    e.severity,
                    e.component,
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
                    opt(r.reconciliation_type.as_deref()),
                    opt(r.operation_id.as_deref())
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
                    "| {} | `{}` | {} |",
                    g.timestamp,
                    g.atomic_group_id,
                    g.operation_ids.join(", ")
                );
            }
        }

        let _ = writeln!(md, "\n## Final positions\n");
        match &self.final_positions {
            Some(positions) => {
                let _ = writeln!(md, "| position | amount |\n|---|---:|");
                for (key, amount) in positions {
                    let _ = writeln!(md, "| `{key}` | {amount:.6} |");
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
