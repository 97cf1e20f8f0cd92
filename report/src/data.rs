//! What the page needs of each event, kept compact, in engine-time order.
//!
//! A year of minute ticks is half a million snapshots per file; keeping whole
//! records would hold every position map in memory. Each event is reduced to
//! the numbers its chart and table show as it is read ([`Ingest`]), and every
//! list is then put in engine-time order by a *stable* sort ([`RunData::finish`]),
//! so events with the same timestamp keep their file order.

use std::collections::HashMap;

use basis_events::EventRecord;
use basis_events::catalog::{
    AtomicOperationGroupEvent, ExecutionDeltaEvent, ExposureSnapshot, HealthStatus,
    HealthStatusEvent, OperationExecutionEvent, OperationStatus, OperationType, PnLCalculation,
    PositionSnapshot, ReconciliationEvent, RiskAssessment, RiskLevel, StrategyDecision,
    SystemErrorEvent, TightLoopExecutionEvent,
};
use basis_events::{Component, DomainEvent, Severity};
use chrono::{DateTime, Utc};

/// A time on the engine clock.
pub(crate) type Time = DateTime<Utc>;

/// The total value of all positions at one time (PositionSnapshot).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PositionRow {
    pub time: Time,
    pub total_value_usd: f64,
}

/// Total P&L and its attribution at one time (PnLCalculation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PnlRow {
    pub time: Time,
    pub total_pnl_usd: f64,
    pub supply_yield: f64,
    pub transaction_costs: f64,
    pub funding_pnl: f64,
}

/// USD exposure per asset at one time (ExposureSnapshot).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExposureRow {
    pub time: Time,
    pub net_delta_usd: f64,
    /// `(index into RunData::assets, usd_value)`.
    pub assets: Vec<(usize, f64)>,
}

/// One risk calculation (RiskAssessment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RiskRow {
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
pub(crate) struct OperationRow {
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
pub(crate) struct TightLoopRow {
    pub time: Time,
    pub operation_id: String,
    pub execution_success: bool,
    pub reconciliation_success: bool,
    pub retry_count: u32,
    pub total_duration_ms: f64,
}

/// One atomic group (AtomicOperationGroupEvent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AtomicGroupRow {
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
pub(crate) struct ErrorRow {
    pub time: Time,
    pub error_code: String,
    pub error_message: String,
    pub component: Component,
    pub severity: Severity,
}

/// One health check (HealthStatusEvent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HealthRow {
    pub time: Time,
    pub overall_status: HealthStatus,
    pub health_score: f64,
    /// Components that were not healthy, in the event's order.
    pub not_healthy: Vec<(Component, HealthStatus)>,
}

/// Everything the page shows, reduced from the event files.
#[derive(Debug, Default)]
pub(crate) struct RunData {
    pub positions: Vec<PositionRow>,
    pub pnl: Vec<PnlRow>,
    pub exposures: Vec<ExposureRow>,
    /// Asset symbols of the exposures, in the order first seen.
    pub assets: Vec<String>,
    asset_index: HashMap<String, usize>,
    pub risk: Vec<RiskRow>,
    pub operations: Vec<OperationRow>,
    pub tight_loops: Vec<TightLoopRow>,
    pub atomic_groups: Vec<AtomicGroupRow>,
    pub errors: Vec<ErrorRow>,
    pub health: Vec<HealthRow>,
    pub strategy_decisions: u64,
    pub reconciliations: u64,
    pub reconciliation_failures: u64,
    pub execution_deltas: u64,
    /// The first strategy name a StrategyDecision gave, for runs without a manifest.
    pub strategy_name: Option<String>,
    /// The first correlation id seen in an envelope.
    pub correlation_id: Option<String>,
    /// Earliest and latest engine time over every event read.
    pub first: Option<Time>,
    pub last: Option<Time>,
}

impl RunData {
    /// Puts every list in engine-time order, keeping file order among events
    /// with the same timestamp. Call once, after the last event is ingested.
    pub(crate) fn finish(&mut self) {
        self.positions.sort_by_key(|row| row.time);
        self.pnl.sort_by_key(|row| row.time);
        self.exposures.sort_by_key(|row| row.time);
        self.risk.sort_by_key(|row| row.time);
        self.operations.sort_by_key(|row| row.time);
        self.tight_loops.sort_by_key(|row| row.time);
        self.atomic_groups.sort_by_key(|row| row.time);
        self.errors.sort_by_key(|row| row.time);
        self.health.sort_by_key(|row| row.time);
    }

    /// The final total value of the run: `total_value_usd` of the last
    /// PositionSnapshot, where *last* means the latest engine `timestamp`
    /// and, among snapshots with that timestamp, the one read last (file
    /// order: processes by pid, rotated segments oldest first, lines in
    /// order). Torn and invalid lines are never counted.
    ///
    /// The results store's `summary.json` states the same number by the same
    /// rule, so the page and the summary always agree.
    pub(crate) fn final_total_value(&self) -> Option<f64> {
        self.positions.last().map(|row| row.total_value_usd)
    }

    /// The total P&L of the run: `total_pnl_usd` of the last PnLCalculation,
    /// *last* by the same rule as [`RunData::final_total_value`].
    pub(crate) fn total_pnl(&self) -> Option<&PnlRow> {
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

/// Reduces one typed record into [`RunData`].
pub(crate) trait Ingest: DomainEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunData);
}

/// Records the envelope's time and id, then hands back time and payload.
fn open<E>(record: EventRecord<E>, data: &mut RunData) -> (Time, E) {
    let (envelope, event) = record.into_parts();
    let time = envelope.timestamp.as_utc();
    data.saw(time, &envelope.correlation_id);
    (time, event)
}

impl Ingest for PositionSnapshot {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
        let (time, event) = open(record, data);
        data.positions.push(PositionRow {
            time,
            total_value_usd: event.total_value_usd,
        });
    }
}

impl Ingest for PnLCalculation {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
        let (time, event) = open(record, data);
        data.pnl.push(PnlRow {
            time,
            total_pnl_usd: event.total_pnl_usd,
            supply_yield: event.pnl_attribution.supply_yield,
            transaction_costs: event.pnl_attribution.transaction_costs,
            funding_pnl: event.pnl_attribution.funding_pnl,
        });
    }
}

impl Ingest for ExposureSnapshot {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
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
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
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
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
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
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
        let (time, event) = open(record, data);
        data.tight_loops.push(TightLoopRow {
            time,
            operation_id: event.operation_id,
            execution_success: event.execution_success,
            reconciliation_success: event.reconciliation_success,
            retry_count: event.retry_count,
            total_duration_ms: event.total_duration_ms,
        });
    }
}

impl Ingest for AtomicOperationGroupEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
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

impl Ingest for SystemErrorEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
        let (time, event) = open(record, data);
        data.errors.push(ErrorRow {
            time,
            error_code: event.error_code().code().to_owned(),
            component: event.component(),
            severity: event.severity(),
            error_message: event.error_message,
        });
    }
}

impl Ingest for HealthStatusEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
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
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
        let (_, event) = open(record, data);
        data.strategy_decisions += 1;
        if data.strategy_name.is_none() {
            data.strategy_name = Some(event.strategy_name);
        }
    }
}

impl Ingest for ReconciliationEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
        let (_, event) = open(record, data);
        data.reconciliations += 1;
        if !event.reconciliation_success {
            data.reconciliation_failures += 1;
        }
    }
}

impl Ingest for ExecutionDeltaEvent {
    fn ingest(record: EventRecord<Self>, data: &mut RunData) {
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
        let mut data = RunData::default();
        for (time, value) in [
            ("2025-01-15T10:00:00", 1.0),
            ("2025-01-15T12:00:00", 2.0),
            ("2025-01-15T12:00:00", 3.0),
            ("2025-01-15T11:00:00", 4.0),
        ] {
            PositionSnapshot::ingest(snapshot(time, value), &mut data);
        }
        data.finish();
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
        let mut data = RunData::default();
        data.finish();
        assert_eq!(data.final_total_value(), None);
        assert!(data.total_pnl().is_none());
    }
}
