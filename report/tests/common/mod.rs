//! Synthetic runs on disk, written line by line with serde_json from typed
//! `EventRecord`s, exactly as the logger lays them out.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use basis_events::catalog::{
    AssetExposure, AtomicOperationGroupEvent, DecisionType, ExecutionDeltaEvent, ExpectedDelta,
    ExposureSnapshot, HealthStatus, HealthStatusEvent, OperationExecutionEvent, OperationStatus,
    OperationType, PnLCalculation, PnlAttribution, PositionSnapshot, PositionType,
    ReconciliationEvent, RiskAssessment, RiskLevel, StrategyDecision, SystemErrorEvent,
    TightLoopExecutionEvent,
};
use basis_events::prelude::IndexMap;
use basis_events::{
    Component, DomainEvent, EngineTime, Envelope, EventRecord, RealUtcTime, Severity,
};
use basis_registry::ErrorCode;
use chrono::{Duration, TimeZone, Utc};

pub const CORRELATION_ID: &str = "0f3c9a1e5b7d4c2a8e6f1b3d5a7c9e0f";
pub const PID: u32 = 4242;

/// Hours of the synthetic run.
pub const HOURS: i64 = 48;

/// The chart ids of the page, in page order.
pub const CHARTS: [&str; 11] = [
    "chart-total-value",
    "chart-pnl",
    "chart-exposure",
    "chart-health-factor",
    "chart-ltv",
    "chart-operations",
    "chart-durations",
    "chart-atomic-groups",
    "chart-errors-severity",
    "chart-errors-component",
    "chart-health",
];

/// Engine time `hours` (and `minutes`) after the run's start.
pub fn at(hours: i64, minutes: i64) -> EngineTime {
    let start = Utc.with_ymd_and_hms(2025, 1, 15, 0, 0, 0).unwrap();
    EngineTime::from_utc(start + Duration::hours(hours) + Duration::minutes(minutes))
}

pub fn record<E>(time: EngineTime, pid: u32, event: E) -> EventRecord<E> {
    EventRecord {
        envelope: Envelope {
            timestamp: time,
            real_utc_time: RealUtcTime::parse("2026-03-01T12:00:00.000001").unwrap(),
            correlation_id: CORRELATION_ID.to_owned(),
            pid,
            seq: None,
        },
        event,
    }
}

/// The lines of `records`, each ending in a newline.
pub fn lines<E: DomainEvent>(records: &[EventRecord<E>]) -> String {
    records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect()
}

/// A registered, current code of `severity`.
pub fn code_of(severity: Severity) -> ErrorCode {
    *ErrorCode::ALL
        .iter()
        .find(|code| code.severity() == severity && !code.is_retired())
        .unwrap()
}

/// `logs/{correlation_id}/` in a temporary directory.
#[derive(Debug)]
pub struct RunDir {
    pub root: tempfile::TempDir,
}

impl RunDir {
    pub fn new() -> RunDir {
        RunDir {
            root: tempfile::tempdir().unwrap(),
        }
    }

    /// `logs/{correlation_id}`.
    pub fn correlation_dir(&self) -> PathBuf {
        self.root.path().join("logs").join(CORRELATION_ID)
    }

    /// `logs/{correlation_id}/{pid}`, with its `events/` created.
    pub fn process(&self, pid: u32) -> PathBuf {
        let dir = self.correlation_dir().join(pid.to_string());
        fs::create_dir_all(dir.join("events")).unwrap();
        dir
    }

    pub fn manifest(&self, pid: u32) {
        let manifest = serde_json::json!({
            "correlation_id": CORRELATION_ID,
            "pid": pid,
            "mode": "pure_lending_usdt",
            "strategy": "pure_lending",
            "initial_capital": 10000.0,
            "start_time": "2026-03-01T12:00:00.000001",
            "log_directory": self.process(pid),
            "events_directory": self.process(pid).join("events"),
            "execution_mode": "backtest",
            "host": "test",
            "crate_version": "0.1.0",
            "schema_versions": {},
            "status": "completed",
            "end_time": "2026-03-01T12:00:01.000001",
            "event_counts": {},
        });
        fs::write(
            self.process(pid).join("metadata.json"),
            serde_json::to_string_pretty(&manifest).unwrap(),
        )
        .unwrap();
    }

    /// Writes `text` to `events/{name}` of `pid` (a segment or the active file).
    pub fn write(&self, pid: u32, name: &str, text: &str) -> PathBuf {
        let path = self.process(pid).join("events").join(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// Appends `text` to `events/{name}` of `pid`.
    pub fn append(&self, pid: u32, name: &str, text: &str) {
        let path = self.process(pid).join("events").join(name);
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    /// Writes every record of `records` to `E::FILE` of `pid`.
    pub fn events<E: DomainEvent>(&self, pid: u32, records: &[EventRecord<E>]) {
        self.write(pid, E::FILE, &lines(records));
    }
}

// === The events of a complete run ===

pub fn position(hour: i64, value: f64) -> PositionSnapshot {
    PositionSnapshot {
        positions: IndexMap::from([
            ("aave:aToken:aUSDT".to_owned(), value - 100.0),
            ("wallet:BaseToken:USDT".to_owned(), 100.0),
        ]),
        total_value_usd: value,
        position_type: PositionType::Simulated,
        trigger_source: format!("tick {hour}"),
        metadata: Default::default(),
    }
}

/// Total value at `hour`: a slow rise, with one dip at hour 20.
pub fn value_at(hour: i64) -> f64 {
    let base = 10_000.0 + 1.25 * hour as f64;
    if hour == 20 { base - 500.0 } else { base }
}

pub fn pnl(hour: i64) -> PnLCalculation {
    let yield_ = 1.5 * hour as f64;
    let costs = -0.25 * (hour / 6) as f64;
    PnLCalculation {
        total_pnl_usd: yield_ + costs,
        total_pnl_share_class: yield_ + costs,
        pnl_attribution: PnlAttribution {
            supply_yield: yield_,
            transaction_costs: costs,
            funding_pnl: 0.0,
        },
        period_start: at(0, 0),
        period_end: at(hour, 0),
        metadata: Default::default(),
    }
}

pub fn exposure(hour: i64) -> ExposureSnapshot {
    let usdt = value_at(hour) - 2_000.0;
    ExposureSnapshot {
        net_delta_usd: 0.0,
        asset_exposures: IndexMap::from([
            (
                "USDT".to_owned(),
                AssetExposure {
                    quantity: usdt,
                    usd_value: usdt,
                    percentage: usdt / value_at(hour),
                },
            ),
            (
                "ETH".to_owned(),
                AssetExposure {
                    quantity: 0.8,
                    usd_value: 2_000.0,
                    percentage: 2_000.0 / value_at(hour),
                },
            ),
        ]),
        total_value_usd: value_at(hour),
        share_class_value: value_at(hour),
        metadata: Default::default(),
    }
}

/// The breach of the synthetic run is at hour 30.
pub const BREACH_HOUR: i64 = 30;

pub fn risk(hour: i64) -> RiskAssessment {
    let breach = hour == BREACH_HOUR;
    RiskAssessment {
        health_factor: if breach {
            1.02
        } else {
            1.8 - 0.005 * hour as f64
        },
        ltv_ratio: if breach {
            0.79
        } else {
            0.5 + 0.002 * hour as f64
        },
        liquidation_threshold: 0.8,
        margin_usage: 0.3,
        risk_score: if breach { 0.9 } else { 0.2 },
        risk_level: if breach {
            RiskLevel::Critical
        } else {
            RiskLevel::Low
        },
        breach_detected: breach,
        metadata: Default::default(),
    }
}

pub fn operation(
    id: &str,
    operation_type: OperationType,
    status: OperationStatus,
    error: Option<(ErrorCode, &str)>,
) -> OperationExecutionEvent {
    OperationExecutionEvent {
        operation_id: id.to_owned(),
        operation_type,
        venue: "aave_v3".to_owned(),
        source_token: "USDT".to_owned(),
        target_token: "aUSDT".to_owned(),
        status,
        expected_deltas: vec![ExpectedDelta {
            position_key: "aave:aToken:aUSDT".to_owned(),
            delta_amount: 100.0,
            token: "aUSDT".to_owned(),
            venue: "aave_v3".to_owned(),
            operation_type,
        }],
        actual_deltas: IndexMap::new(),
        fee_amount: 0.5,
        fee_currency: "USDT".to_owned(),
        execution_duration_ms: 100.0 + id.len() as f64,
        simulated: true,
        error_code: error.map(|(code, _)| code),
        error_message: error.map(|(_, message)| message.to_owned()),
    }
}

pub fn tight_loop(id: &str, retry_count: u32, success: bool) -> TightLoopExecutionEvent {
    TightLoopExecutionEvent {
        operation_id: id.to_owned(),
        execution_success: success,
        reconciliation_success: success,
        retry_count,
        total_duration_ms: 150.0 + 50.0 * f64::from(retry_count),
        execution_duration_ms: 120.0,
        reconciliation_duration_ms: 30.0,
    }
}

pub fn group(id: &str, ok: bool) -> AtomicOperationGroupEvent {
    AtomicOperationGroupEvent {
        atomic_group_id: id.to_owned(),
        operation_ids: vec![format!("{id}_1"), format!("{id}_2")],
        operation_types: vec![OperationType::Supply, OperationType::Borrow],
        all_succeeded: ok,
        rollback_occurred: !ok,
        total_duration_ms: 250.0,
    }
}

pub fn health(hour: i64) -> HealthStatusEvent {
    let degraded = hour == 12;
    HealthStatusEvent {
        overall_status: if degraded {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        },
        component_statuses: IndexMap::from([
            (Component::PositionMonitor, HealthStatus::Healthy),
            (
                Component::ExecutionManager,
                if degraded {
                    HealthStatus::Degraded
                } else {
                    HealthStatus::Healthy
                },
            ),
        ]),
        health_score: if degraded { 0.6 } else { 0.97 },
        metadata: Default::default(),
    }
}

/// The message of the HIGH error: markup that must come out escaped.
pub const HOSTILE_MESSAGE: &str = "venue said <script>alert(1)</script> & left";

/// Writes a complete run of `HOURS` hourly ticks for `pid`: every event type
/// of the catalog, one failed and retried operation, a rolled-back atomic
/// group, a breach, a degraded health check and an error of each severity.
pub fn complete_process(run: &RunDir, pid: u32) {
    run.manifest(pid);
    let hours = 0..HOURS;
    run.events(
        pid,
        &hours
            .clone()
            .map(|h| record(at(h, 0), pid, position(h, value_at(h))))
            .collect::<Vec<_>>(),
    );
    run.events(
        pid,
        &hours
            .clone()
            .map(|h| record(at(h, 0), pid, pnl(h)))
            .collect::<Vec<_>>(),
    );
    run.events(
        pid,
        &hours
            .clone()
            .map(|h| record(at(h, 0), pid, exposure(h)))
            .collect::<Vec<_>>(),
    );
    run.events(
        pid,
        &hours
            .clone()
            .map(|h| record(at(h, 0), pid, risk(h)))
            .collect::<Vec<_>>(),
    );
    run.events(
        pid,
        &hours
            .clone()
            .map(|h| record(at(h, 0), pid, health(h)))
            .collect::<Vec<_>>(),
    );

    let high = code_of(Severity::High);
    let ops = vec![
        record(
            at(0, 1),
            pid,
            operation(
                "supply_001",
                OperationType::Supply,
                OperationStatus::Confirmed,
                None,
            ),
        ),
        record(
            at(10, 1),
            pid,
            operation(
                "supply_002",
                OperationType::Supply,
                OperationStatus::Failed,
                Some((high, HOSTILE_MESSAGE)),
            ),
        ),
        record(
            at(10, 2),
            pid,
            operation(
                "supply_002",
                OperationType::Supply,
                OperationStatus::Confirmed,
                None,
            ),
        ),
        record(
            at(20, 1),
            pid,
            operation(
                "grp_a_1",
                OperationType::Supply,
                OperationStatus::Confirmed,
                None,
            ),
        ),
        record(
            at(20, 1),
            pid,
            operation(
                "grp_a_2",
                OperationType::Borrow,
                OperationStatus::Confirmed,
                None,
            ),
        ),
        record(
            at(30, 1),
            pid,
            operation(
                "grp_b_1",
                OperationType::Supply,
                OperationStatus::RolledBack,
                None,
            ),
        ),
        record(
            at(30, 1),
            pid,
            operation(
                "grp_b_2",
                OperationType::Borrow,
                OperationStatus::Failed,
                Some((high, "borrow cap reached")),
            ),
        ),
        record(
            at(40, 1),
            pid,
            operation(
                "withdraw_001",
                OperationType::Withdraw,
                OperationStatus::Confirmed,
                None,
            ),
        ),
    ];
    run.events(pid, &ops);
    run.events(
        pid,
        &[
            record(at(0, 1), pid, tight_loop("supply_001", 0, true)),
            record(at(10, 1), pid, tight_loop("supply_002", 0, false)),
            record(at(10, 2), pid, tight_loop("supply_002", 1, true)),
            record(at(40, 1), pid, tight_loop("withdraw_001", 0, true)),
        ],
    );
    run.events(
        pid,
        &[
            record(at(20, 1), pid, group("grp_a", true)),
            record(at(30, 1), pid, group("grp_b", false)),
        ],
    );
    let errors: Vec<_> = Severity::ALL
        .iter()
        .enumerate()
        .map(|(i, &severity)| {
            let message = if severity == Severity::High {
                HOSTILE_MESSAGE
            } else {
                "synthetic error"
            };
            record(
                at(5 + 10 * i as i64, 3),
                pid,
                SystemErrorEvent::from_code(code_of(severity), message),
            )
        })
        .collect();
    run.events(pid, &errors);
    run.events(
        pid,
        &[record(
            at(0, 0),
            pid,
            StrategyDecision {
                strategy_name: "pure_lending_usdt".to_owned(),
                decision_type: DecisionType::Entry,
                orders_generated: 1,
                total_order_value_usd: 10_000.0,
                decision_reason: "initial_entry".to_owned(),
                metadata: Default::default(),
            },
        )],
    );
    run.events(
        pid,
        &[record(
            at(0, 1),
            pid,
            ReconciliationEvent {
                reconciliation_type: "execution_deltas".to_owned(),
                trigger_source: "execution_manager".to_owned(),
                reconciliation_success: true,
                expected_deltas_count: 2,
                actual_deltas_count: 2,
                reconciliation_duration_ms: 25.0,
                metadata: Default::default(),
            },
        )],
    );
    run.events(
        pid,
        &[record(
            at(0, 1),
            pid,
            ExecutionDeltaEvent {
                delta_type: "execution_deltas".to_owned(),
                trigger_source: "execution_manager".to_owned(),
                deltas_applied: 2,
                total_delta_value_usd: 10_000.0,
                metadata: Default::default(),
            },
        )],
    );
}

/// A complete single-process run; returns the directory and its process dir.
pub fn complete_run() -> (RunDir, PathBuf) {
    let run = RunDir::new();
    complete_process(&run, PID);
    let process = run.process(PID);
    (run, process)
}

/// The `data-value` of the element with `id`, parsed.
pub fn data_value(html: &str, id: &str) -> Option<f64> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[start..tag_end];
    let value = tag.split("data-value=\"").nth(1)?.split('"').next()?;
    value.parse().ok()
}

/// The text of the `<figure>` with `id`.
pub fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<figure class=\"chart\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no figure {id}"));
    let end = start + html[start..].find("</figure>").unwrap();
    &html[start..end]
}

pub fn path_str(path: &Path) -> String {
    path.display().to_string()
}
