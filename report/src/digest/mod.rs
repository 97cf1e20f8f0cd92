//! The typed digest of a run: every figure the results summary and the
//! report page show, computed once, from one pass over the run's records.
//!
//! A year of minute ticks is half a million snapshots per file; keeping whole
//! records would hold every position map in memory. Each event is reduced to
//! the numbers its chart and table show as it is read ([`Ingest`]), and every
//! list is then put in engine-time order by a *stable* sort ([`RunDigest::finish`]),
//! so events with the same timestamp keep their emit order. Operation
//! attempts, a million and a half a gigabyte, are not listed at all: they are
//! reduced as they are read in memory that does not grow with the run
//! ([`Operations`]). Every event type
//! of the run's catalog, custom ones included, is counted with its engine-time
//! range ([`RunDigest::events_per_type`]).
//!
//! # One definition of each figure
//!
//! - An **operation** is one `operation_id`; each `OperationExecutionEvent`
//!   line is an **attempt** of it. An operation's **outcome** is the status
//!   of its last attempt in emit order: `supply_001` that failed, was retried
//!   and confirmed has two attempts and the outcome `confirmed`.
//! - A **failure** is a failed attempt (status `failed`), listed with its
//!   operation's outcome, so a failure that a retry recovered says so.
//! - An **error** is one `SystemErrorEvent`. Errors and failures are counted
//!   apart: the error an operation's failure raised is not a second failure.
//! - The **final total value** is `total_value_usd` of the last
//!   `PositionSnapshot`, the **total P&L** `total_pnl_usd` of the last
//!   `PnLCalculation`: last by engine timestamp, then by emit order.
//! - The **total return** is total P&L over the initial capital of the run
//!   manifest; the **maximum drawdown** the largest fall of total value from
//!   its running peak, as a fraction of that peak.

mod operations;

use std::collections::{BTreeMap, HashMap};

use basis_events::EventRecord;
use basis_events::catalog::{
    AtomicOperationGroupEvent, ExecutionDeltaEvent, ExposureSnapshot, HealthStatus,
    HealthStatusEvent, OperationExecutionEvent, OperationStatus, OperationType, PnLCalculation,
    PositionSnapshot, ReconciliationEvent, RiskAssessment, RiskLevel, StrategyDecision,
    SystemErrorEvent, TightLoopExecutionEvent,
};
use basis_events::prelude::IndexMap;
use basis_events::reader::{Problem, RawRecord};
use basis_events::{Component, DomainEvent, Severity};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use self::operations::{DurationStats, Incident, Operations};
use crate::error::ReportError;

/// A time on the engine clock.
pub type Time = DateTime<Utc>;

/// The total value of all positions at one time (PositionSnapshot).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionRow {
    pub time: Time,
    pub total_value_usd: f64,
}

/// Total P&L and its attribution at one time (PnLCalculation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PnlRow {
    pub time: Time,
    pub total_pnl_usd: f64,
    pub supply_yield: f64,
    pub transaction_costs: f64,
    pub funding_pnl: f64,
}

/// USD exposure per asset at one time (ExposureSnapshot).
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRow {
    pub time: Time,
    pub net_delta_usd: f64,
    /// `(index into RunDigest::assets, usd_value)`.
    pub assets: Vec<(usize, f64)>,
}

/// One risk calculation (RiskAssessment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskRow {
    pub time: Time,
    pub health_factor: f64,
    pub ltv_ratio: f64,
    pub liquidation_threshold: f64,
    pub margin_usage: f64,
    pub risk_level: RiskLevel,
    pub breach_detected: bool,
}

/// One operation sent to a venue (OperationExecutionEvent).
#[derive(Debug, Clone, PartialEq)]
pub struct OperationRow {
    pub time: Time,
    pub operation_id: String,
    pub operation_type: OperationType,
    pub status: OperationStatus,
    pub venue: String,
    pub execution_duration_ms: f64,
    pub fee_amount: f64,
    pub fee_currency: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// One execute-then-reconcile cycle (TightLoopExecutionEvent).
#[derive(Debug, Clone, PartialEq)]
pub struct TightLoopRow {
    pub time: Time,
    pub operation_id: String,
    pub execution_success: bool,
    pub reconciliation_success: bool,
    pub retry_count: u32,
    pub total_duration_ms: f64,
}

/// One atomic group (AtomicOperationGroupEvent).
#[derive(Debug, Clone, PartialEq)]
pub struct AtomicGroupRow {
    pub time: Time,
    pub atomic_group_id: String,
    pub operation_ids: Vec<String>,
    pub operation_types: Vec<OperationType>,
    pub all_succeeded: bool,
    pub rollback_occurred: bool,
    pub total_duration_ms: f64,
}

/// One error raised by a component (SystemErrorEvent).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRow {
    pub time: Time,
    /// `metadata.operation_id`: the operation the error is about, if any.
    pub operation_id: Option<String>,
    pub error_code: String,
    pub error_message: String,
    /// The component's name, as the line writes it: an engine's own
    /// component is one this binary may not know.
    pub component: String,
    pub severity: Severity,
}

/// One health check (HealthStatusEvent).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthRow {
    pub time: Time,
    pub overall_status: HealthStatus,
    pub health_score: f64,
    /// Components that were not healthy, in the event's order.
    pub not_healthy: Vec<(Component, HealthStatus)>,
}

/// The fields of a `SystemErrorEvent` line the digest keeps, read without
/// resolving the code in this binary's registry.
#[derive(serde::Deserialize)]
struct ErrorLine {
    error_code: String,
    error_message: String,
    component: String,
    severity: Severity,
    #[serde(default)]
    metadata: serde_json::Map<String, serde_json::Value>,
}

/// One failed reconciliation: a `ReconciliationEvent` that failed, or a
/// tight-loop cycle that executed but did not reconcile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconciliationFailureRow {
    #[serde(rename = "timestamp", serialize_with = "engine_time")]
    pub time: Time,
    /// The event that says so: `ReconciliationEvent` or `TightLoopExecutionEvent`.
    pub event: &'static str,
    pub reconciliation_type: Option<String>,
    pub operation_id: Option<String>,
}

/// How many events of one type a run holds, and over which engine times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCount {
    /// Records read.
    pub events: u64,
    /// The earliest and latest engine time among them.
    pub first: Time,
    pub last: Time,
}

/// Everything the summary and the page show, reduced from the event files.
#[derive(Debug, Default)]
pub struct RunDigest {
    /// Every event type read, by name, custom ones included.
    pub(crate) events_per_type: BTreeMap<String, EventCount>,
    pub positions: Vec<PositionRow>,
    pub pnl: Vec<PnlRow>,
    pub exposures: Vec<ExposureRow>,
    /// Asset symbols of the exposures, in the order first seen.
    pub assets: Vec<String>,
    asset_index: HashMap<String, usize>,
    pub risk: Vec<RiskRow>,
    /// Every `OperationExecutionEvent`, reduced as it is read.
    pub operations: Operations,
    /// `TightLoopExecutionEvent`s read.
    pub tight_loops: u64,
    /// The tight-loop cycles that retried (`retry_count > 0`).
    pub retried_tight_loops: Vec<TightLoopRow>,
    pub atomic_groups: Vec<AtomicGroupRow>,
    pub errors: Vec<ErrorRow>,
    pub health: Vec<HealthRow>,
    pub strategy_decisions: u64,
    pub reconciliations: u64,
    pub reconciliation_failures: u64,
    pub execution_deltas: u64,
    /// The positions of the last PositionSnapshot (same rule as the final value).
    pub final_positions: Option<IndexMap<String, f64>>,
    final_positions_at: Option<Time>,
    /// The last PnLCalculation whole (same rule as the total P&L).
    pub last_pnl: Option<PnLCalculation>,
    last_pnl_at: Option<Time>,
    /// Every failed reconciliation, of either kind.
    pub reconciliation_failure_rows: Vec<ReconciliationFailureRow>,
    /// The first strategy name a StrategyDecision gave, for runs without a manifest.
    pub strategy_name: Option<String>,
    /// The first correlation id seen in an envelope.
    pub correlation_id: Option<String>,
    /// Earliest and latest engine time over every event read.
    pub first: Option<Time>,
    pub last: Option<Time>,
}

impl RunDigest {
    /// Takes one record into account: counted under its event type (any
    /// type), and reduced to its rows when it is one of the guide's events.
    ///
    /// # Errors
    ///
    /// The record's [`Problem`] when it is one of the guide's events but not
    /// a valid one; nothing of it is counted then.
    pub fn ingest(&mut self, record: &RawRecord) -> Result<(), Problem> {
        // An error's code may be an engine's own, which this binary's
        // registry does not know (the run's catalog does, and the reader's
        // Checker has checked it there): read its fields as written.
        if record.is::<SystemErrorEvent>() {
            let line: ErrorLine =
                serde_json::from_str(record.line()).map_err(|err| Problem::BadLine {
                    position: record.position().clone(),
                    reason: basis_events::reader::LineFault::NotJson(std::sync::Arc::new(err)),
                })?;
            self.count(record);
            let envelope = record.envelope();
            let time = envelope.timestamp.as_utc();
            self.saw(time, &envelope.correlation_id);
            self.errors.push(ErrorRow {
                time,
                operation_id: line
                    .metadata
                    .get("operation_id")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                error_code: line.error_code,
                error_message: line.error_message,
                component: line.component,
                severity: line.severity,
            });
            return Ok(());
        }
        macro_rules! guide_events {
            ($($event:ty),* $(,)?) => {
                $(
                    if record.is::<$event>() {
                        let typed = record.parse::<$event>()?;
                        self.count(record);
                        <$event as Ingest>::ingest(typed, self);
                        return Ok(());
                    }
                )*
            };
        }
        guide_events!(
            PositionSnapshot,
            OperationExecutionEvent,
            TightLoopExecutionEvent,
            ExposureSnapshot,
            RiskAssessment,
            PnLCalculation,
            StrategyDecision,
            AtomicOperationGroupEvent,
            ReconciliationEvent,
            ExecutionDeltaEvent,
            HealthStatusEvent,
        );
        self.count(record);
        let envelope = record.envelope();
        self.saw(envelope.timestamp.as_utc(), &envelope.correlation_id);
        Ok(())
    }

    fn count(&mut self, record: &RawRecord) {
        let time = record.envelope().timestamp.as_utc();
        self.events_per_type
            .entry(record.event().to_owned())
            .and_modify(|count| {
                count.events += 1;
                count.first = count.first.min(time);
                count.last = count.last.max(time);
            })
            .or_insert(EventCount {
                events: 1,
                first: time,
                last: time,
            });
    }

    /// Every event type read, by name, with its count and time range.
    pub fn events_per_type(&self) -> &BTreeMap<String, EventCount> {
        &self.events_per_type
    }

    /// Records read, over every type.
    pub fn total_events(&self) -> u64 {
        self.events_per_type
            .values()
            .map(|count| count.events)
            .sum()
    }

    /// The earliest and latest engine time over every event read.
    pub fn time_range(&self) -> Option<(Time, Time)> {
        Some((self.first?, self.last?))
    }

    /// Puts every list in engine-time order, keeping emit order among events
    /// with the same timestamp, and groups the operations' attempts. Call
    /// once, after the last event is ingested.
    ///
    /// # Errors
    ///
    /// [`ReportError::Spill`] when the temporary files that group the
    /// attempts could not be written or read back.
    pub fn finish(&mut self) -> Result<(), ReportError> {
        self.positions.sort_by_key(|row| row.time);
        self.pnl.sort_by_key(|row| row.time);
        self.exposures.sort_by_key(|row| row.time);
        self.risk.sort_by_key(|row| row.time);
        self.operations
            .finish()
            .map_err(|source| ReportError::Spill { source })?;
        self.retried_tight_loops.sort_by_key(|row| row.time);
        self.atomic_groups.sort_by_key(|row| row.time);
        self.errors.sort_by_key(|row| row.time);
        self.health.sort_by_key(|row| row.time);
        self.reconciliation_failure_rows.sort_by_key(|row| row.time);
        Ok(())
    }

    /// Every failed attempt, in engine-time order, with its operation's
    /// outcome: a failure a retry recovered says `confirmed`. Complete after
    /// [`RunDigest::finish`].
    pub fn failures(&self) -> Vec<FailedAttempt> {
        self.operations
            .incidents()
            .iter()
            .filter(|incident| incident.row.status == OperationStatus::Failed)
            .map(|incident| FailedAttempt {
                time: incident.row.time,
                operation_id: incident.row.operation_id.clone(),
                operation_type: incident.row.operation_type.as_str(),
                venue: incident.row.venue.clone(),
                error_code: incident.row.error_code.clone(),
                error_message: incident.row.error_message.clone(),
                attempt: incident.attempt,
                attempts: incident.attempts,
                outcome: incident.outcome.as_str(),
            })
            .collect()
    }

    /// The largest fall of total value from its running peak, as a fraction
    /// of the peak (0.05 is 5%); `None` without positions.
    pub fn max_drawdown(&self) -> Option<f64> {
        let mut peak = f64::NEG_INFINITY;
        let mut worst: Option<f64> = None;
        for row in &self.positions {
            peak = peak.max(row.total_value_usd);
            let drawdown = if peak > 0.0 {
                (peak - row.total_value_usd) / peak
            } else {
                0.0
            };
            worst = Some(worst.map_or(drawdown, |w| w.max(drawdown)));
        }
        worst
    }

    /// The final total value of the run: `total_value_usd` of the last
    /// PositionSnapshot, where *last* means the latest engine `timestamp`
    /// and, among snapshots with that timestamp, the one read last (file
    /// order: processes by pid, rotated segments oldest first, lines in
    /// order). Torn and invalid lines are never counted.
    ///
    /// The results store's `summary.json` states the same number by the same
    /// rule, so the page and the summary always agree.
    pub fn final_total_value(&self) -> Option<f64> {
        self.positions.last().map(|row| row.total_value_usd)
    }

    /// The total P&L of the run: `total_pnl_usd` of the last PnLCalculation,
    /// *last* by the same rule as [`RunDigest::final_total_value`].
    pub fn total_pnl(&self) -> Option<&PnlRow> {
        self.pnl.last()
    }

    pub(crate) fn asset(&mut self, name: &str) -> usize {
        if let Some(&index) = self.asset_index.get(name) {
            return index;
        }
        let index = self.assets.len();
        self.assets.push(name.to_owned());
        self.asset_index.insert(name.to_owned(), index);
        index
    }

    fn saw(&mut self, record_time: Time, correlation_id: &str) {
        self.first = Some(self.first.map_or(record_time, |t| t.min(record_time)));
        self.last = Some(self.last.map_or(record_time, |t| t.max(record_time)));
        if self.correlation_id.is_none() {
            self.correlation_id = Some(correlation_id.to_owned());
        }
    }
}

/// Operations counted by the module docs' definitions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OperationFigures {
    /// Distinct operation ids.
    pub operations: u64,
    /// `OperationExecutionEvent` lines: every attempt of every operation.
    pub attempts: u64,
    /// Operations with more than one attempt.
    pub retried: u64,
    /// Operations per outcome (the status of their last attempt).
    pub by_outcome: BTreeMap<String, u64>,
    /// Operations per type, then per outcome.
    pub by_type: BTreeMap<String, BTreeMap<String, u64>>,
    /// Attempts per status.
    pub attempts_by_status: BTreeMap<String, u64>,
}

/// One failed attempt of an operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedAttempt {
    #[serde(rename = "timestamp", serialize_with = "engine_time")]
    pub time: Time,
    pub operation_id: String,
    pub operation_type: &'static str,
    pub venue: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Which attempt of its operation this was, from 1.
    pub attempt: u32,
    /// How many attempts the operation had in all.
    pub attempts: u32,
    /// The operation's outcome: `confirmed` when a retry recovered it.
    pub outcome: &'static str,
}

/// Writes a time as the events write engine time: `2025-01-15T10:30:00`.
pub fn engine_time<S: serde::Serializer>(time: &Time, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&basis_events::EngineTime::from_utc(*time))
}

/// Reduces one typed record into [`RunDigest`].
pub(crate) trait Ingest: DomainEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest);
}

/// Records the envelope's time and id, then hands back time and payload.
fn open<E>(record: EventRecord<E>, data: &mut RunDigest) -> (Time, E) {
    let (envelope, event) = record.into_parts();
    let time = envelope.timestamp.as_utc();
    data.saw(time, &envelope.correlation_id);
    (time, event)
}

impl Ingest for PositionSnapshot {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        data.positions.push(PositionRow {
            time,
            total_value_usd: event.total_value_usd,
        });
        if data.final_positions_at.is_none_or(|at| time >= at) {
            data.final_positions = Some(event.positions);
            data.final_positions_at = Some(time);
        }
    }
}

impl Ingest for PnLCalculation {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        data.pnl.push(PnlRow {
            time,
            total_pnl_usd: event.total_pnl_usd,
            supply_yield: event.pnl_attribution.supply_yield,
            transaction_costs: event.pnl_attribution.transaction_costs,
            funding_pnl: event.pnl_attribution.funding_pnl,
        });
        if data.last_pnl_at.is_none_or(|at| time >= at) {
            data.last_pnl = Some(event);
            data.last_pnl_at = Some(time);
        }
    }
}

impl Ingest for ExposureSnapshot {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        let assets = event
            .asset_exposures
            .iter()
            .map(|(asset, exposure)| (data.asset(asset), exposure.usd_value))
            .collect();
        data.exposures.push(ExposureRow {
            time,
            net_delta_usd: event.net_delta_usd,
            assets,
        });
    }
}

impl Ingest for RiskAssessment {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        data.risk.push(RiskRow {
            time,
            health_factor: event.health_factor,
            ltv_ratio: event.ltv_ratio,
            liquidation_threshold: event.liquidation_threshold,
            margin_usage: event.margin_usage,
            risk_level: event.risk_level,
            breach_detected: event.breach_detected,
        });
    }
}

impl Ingest for OperationExecutionEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        data.operations.push(OperationRow {
            time,
            operation_id: event.operation_id,
            operation_type: event.operation_type,
            status: event.status,
            venue: event.venue,
            execution_duration_ms: event.execution_duration_ms,
            fee_amount: event.fee_amount,
            fee_currency: event.fee_currency,
            error_code: event.error_code.map(|code| code.code().to_owned()),
            error_message: event.error_message,
        });
    }
}

impl Ingest for TightLoopExecutionEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        if event.execution_success && !event.reconciliation_success {
            data.reconciliation_failure_rows
                .push(ReconciliationFailureRow {
                    time,
                    event: Self::NAME,
                    reconciliation_type: None,
                    operation_id: Some(event.operation_id.clone()),
                });
        }
        data.tight_loops += 1;
        if event.retry_count > 0 {
            data.retried_tight_loops.push(TightLoopRow {
                time,
                operation_id: event.operation_id,
                execution_success: event.execution_success,
                reconciliation_success: event.reconciliation_success,
                retry_count: event.retry_count,
                total_duration_ms: event.total_duration_ms,
            });
        }
    }
}

impl Ingest for AtomicOperationGroupEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        data.atomic_groups.push(AtomicGroupRow {
            time,
            atomic_group_id: event.atomic_group_id,
            operation_ids: event.operation_ids,
            operation_types: event.operation_types,
            all_succeeded: event.all_succeeded,
            rollback_occurred: event.rollback_occurred,
            total_duration_ms: event.total_duration_ms,
        });
    }
}

impl Ingest for HealthStatusEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        data.health.push(HealthRow {
            time,
            overall_status: event.overall_status,
            health_score: event.health_score,
            not_healthy: event
                .component_statuses
                .into_iter()
                .filter(|(_, status)| *status != HealthStatus::Healthy)
                .collect(),
        });
    }
}

impl Ingest for StrategyDecision {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (_, event) = open(record, data);
        data.strategy_decisions += 1;
        if data.strategy_name.is_none() {
            data.strategy_name = Some(event.strategy_name);
        }
    }
}

impl Ingest for ReconciliationEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        let (time, event) = open(record, data);
        data.reconciliations += 1;
        if !event.reconciliation_success {
            data.reconciliation_failures += 1;
            data.reconciliation_failure_rows
                .push(ReconciliationFailureRow {
                    time,
                    event: Self::NAME,
                    reconciliation_type: Some(event.reconciliation_type),
                    operation_id: event
                        .metadata
                        .get("operation_id")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned),
                });
        }
    }
}

impl Ingest for ExecutionDeltaEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunDigest) {
        open(record, data);
        data.execution_deltas += 1;
    }
}

#[cfg(test)]
mod tests {
    use basis_events::catalog::PositionType;
    use basis_events::prelude::IndexMap;
    use basis_events::{EngineTime, Envelope, RealUtcTime};

    use super::*;

    fn snapshot(time: &str, value: f64) -> EventRecord<PositionSnapshot> {
        EventRecord {
            envelope: Envelope {
                timestamp: EngineTime::parse(time).unwrap(),
                real_utc_time: RealUtcTime::parse("2025-01-15T10:30:00.123456").unwrap(),
                correlation_id: "abc".to_owned(),
                pid: 1,
                seq: None,
            },
            event: PositionSnapshot {
                positions: IndexMap::new(),
                total_value_usd: value,
                position_type: PositionType::Simulated,
                trigger_source: "test".to_owned(),
                metadata: Default::default(),
            },
        }
    }

    #[test]
    fn the_final_value_is_the_latest_timestamp_then_the_last_in_file_order() {
        let mut data = RunDigest::default();
        for (time, value) in [
            ("2025-01-15T10:00:00", 1.0),
            ("2025-01-15T12:00:00", 2.0),
            ("2025-01-15T12:00:00", 3.0),
            ("2025-01-15T11:00:00", 4.0),
        ] {
            PositionSnapshot::ingest(snapshot(time, value), &mut data);
        }
        data.finish().unwrap();
        assert_eq!(data.final_total_value(), Some(3.0));
        assert_eq!(
            data.first.unwrap(),
            EngineTime::parse("2025-01-15T10:00:00").unwrap().as_utc()
        );
        assert_eq!(
            data.last.unwrap(),
            EngineTime::parse("2025-01-15T12:00:00").unwrap().as_utc()
        );
    }

    #[test]
    fn no_snapshot_no_final_value() {
        let mut data = RunDigest::default();
        data.finish().unwrap();
        assert_eq!(data.final_total_value(), None);
        assert!(data.total_pnl().is_none());
    }
}
