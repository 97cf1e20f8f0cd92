//! The `pure_lending_usdt` strategy, simulated hour by hour on the engine clock.
//!
//! The strategy holds USDT, supplies it to AAVE v3 (`aave:aToken:aUSDT`) and
//! earns the supply rate. It keeps a small loop: part of the supply is
//! borrowed back (`aave:debtToken:debtUSDT`) and supplied again, in atomic
//! supply+borrow groups, to a target loan-to-value that follows the supply
//! rate (more leverage when the rate is high). Once a day it rebalances to the
//! target; every hour it accrues interest and publishes positions, exposures,
//! risk, P&L and its decision; every six hours the health monitor checks in.
//!
//! The first day also plays the incidents the logging guide is about, so
//! every event type and every severity shows up in even the shortest run:
//! the first supply times out at the venue and is retried (`failed`, then
//! `confirmed`, and a tight loop with `retry_count` 1); one atomic group is
//! rolled back when its borrow is rejected; the retried group's supply comes
//! back a few units short and fails reconciliation; a rate data point is
//! missing. Each incident is a `SystemErrorEvent` and a line in the
//! component's `.log`.
//!
//! Atomic-group and tight-loop events are built here rather than with the
//! runtime's `AtomicGroup` guard and `TightLoopTimer`: those measure wall-clock
//! time, while a backtest's durations are simulated venue latencies that must
//! come out the same for the same seed.

use basis_events::catalog::{
    AssetExposure, AtomicOperationGroupEvent, DecisionType, ExecutionDeltaEvent, ExpectedDelta,
    ExposureSnapshot, HealthStatus, HealthStatusEvent, Metadata, OperationExecutionEvent,
    OperationStatus, OperationType, PnLCalculation, PnlAttribution, PositionSnapshot, PositionType,
    ReconciliationEvent, RiskAssessment, RiskLevel, StrategyDecision, SystemErrorEvent,
    TightLoopExecutionEvent,
};
use basis_events::time::EngineTime;
use basis_events::{Component, ErrorCode, codes};
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::rng::SplitMix64;
use super::sink::RunWriter;
use crate::Result;
use basis_events::structured::Level;

/// The position keys of the strategy, `venue:kind:token` as the guide writes them.
pub const ATOKEN: &str = "aave:aToken:aUSDT";
pub const WALLET: &str = "wallet:BaseToken:USDT";
pub const DEBT: &str = "aave:debtToken:debtUSDT";
/// The mode name the strategy logs its decisions under.
pub const STRATEGY_NAME: &str = "pure_lending_usdt";

const VENUE: &str = "aave_v3";
const HOURS_PER_YEAR: f64 = 8760.0;
/// AAVE v3's liquidation threshold and maximum LTV for USDT collateral.
const LIQUIDATION_THRESHOLD: f64 = 0.78;
const MAX_LTV: f64 = 0.75;
/// Share of the capital kept in the wallet: it funds the supply leg of each
/// loop step and pays gas.
const WALLET_BUFFER: f64 = 0.05;
/// A rebalance happens when the debt is this far (share of capital) from target.
const REBALANCE_TOLERANCE: f64 = 0.01;
/// The hour of the first day at which a rate data point is missing.
const DATA_GAP_TICK: u64 = 9;
/// The hour of the first day at which a log rotation fails.
const ROTATION_FAILED_TICK: u64 = 15;
/// The venue timeout of the first supply, in engine milliseconds.
const VENUE_TIMEOUT_MS: f64 = 30_000.0;

/// What the simulation is asked to do.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub ticks: u64,
    pub capital: f64,
    pub start: EngineTime,
}

/// What the simulation did, for the closing table.
#[derive(Debug, Clone, Default)]
pub struct SimStats {
    pub ticks: u64,
    pub operations: u64,
    pub failed_operations: u64,
    pub atomic_groups: u64,
    pub rolled_back_groups: u64,
    pub rebalances: u64,
    pub errors: u64,
    pub final_value: f64,
    pub total_pnl: f64,
}

/// What can go wrong with one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The venue times out once; the execution manager retries.
    TransientTimeout,
    /// The venue executes, but the resulting balance is a few units short.
    ShortFill,
}

// The registered codes of the incidents; each brings its component and
// severity from the registry. Together they cover every severity.
const VENUE_TIMEOUT: ErrorCode = codes::VEN_002;
const ORDER_FAILED: ErrorCode = codes::EXEC_001;
const RECONCILIATION_MISMATCH: ErrorCode = codes::POS_005;
const DATA_GAP: ErrorCode = codes::DATA_004;
const ROTATION_FAILED: ErrorCode = codes::LOG_005;

/// Runs the simulation, writing every event through `out`, and calls
/// `on_tick` after each hour.
pub fn simulate(
    config: &SimConfig,
    out: &mut RunWriter,
    on_tick: &mut dyn FnMut(u64),
) -> Result<SimStats> {
    let mut sim = Sim::new(config, out);
    for tick in 0..config.ticks {
        sim.tick(tick)?;
        on_tick(tick + 1);
    }
    sim.stats.ticks = config.ticks;
    sim.stats.final_value = sim.total_value();
    sim.stats.total_pnl = sim.total_value() - sim.capital;
    Ok(sim.stats)
}

struct Sim<'a> {
    out: &'a mut RunWriter,
    rng: SplitMix64,
    capital: f64,
    start: EngineTime,
    now: EngineTime,
    ticks: u64,
    wallet: f64,
    supplied: f64,
    debt: f64,
    supply_apr: f64,
    target_ltv: f64,
    supply_interest: f64,
    borrow_interest: f64,
    costs: f64,
    last_value: f64,
    op_counters: IndexMap<OperationType, u32>,
    group_counter: u32,
    decided_this_tick: bool,
    stats: SimStats,
}

/// Rounds to USDT's six decimals, so amounts read as a venue would report
/// them; a zero is always `0.0`, never `-0.0` (adding `0.0` turns a negative
/// zero positive and changes nothing else).
fn usdt(amount: f64) -> f64 {
    (amount * 1e6).round() / 1e6 + 0.0
}

fn meta(pairs: &[(&str, Value)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    meta(pairs).into_map()
}

impl<'a> Sim<'a> {
    fn new(config: &SimConfig, out: &'a mut RunWriter) -> Self {
        Sim {
            out,
            rng: SplitMix64::new(config.seed),
            capital: config.capital,
            start: config.start,
            now: config.start,
            ticks: config.ticks,
            wallet: usdt(config.capital),
            supplied: 0.0,
            debt: 0.0,
            supply_apr: 0.05,
            target_ltv: 0.20,
            supply_interest: 0.0,
            borrow_interest: 0.0,
            costs: 0.0,
            last_value: usdt(config.capital),
            op_counters: IndexMap::new(),
            group_counter: 0,
            decided_this_tick: false,
            stats: SimStats::default(),
        }
    }

    fn borrow_apr(&self) -> f64 {
        self.supply_apr * 1.15 + 0.005
    }

    fn total_value(&self) -> f64 {
        usdt(self.supplied + self.wallet - self.debt)
    }

    fn ltv(&self) -> f64 {
        if self.supplied > 0.0 {
            self.debt / self.supplied
        } else {
            0.0
        }
    }

    fn tick(&mut self, tick: u64) -> Result<()> {
        self.now = EngineTime::from_utc(
            self.start.as_utc() + chrono::Duration::hours(i64::try_from(tick).unwrap_or(i64::MAX)),
        );
        self.decided_this_tick = false;
        if tick > 0 {
            self.accrue();
        }
        let gap_tick = DATA_GAP_TICK.min(self.ticks.saturating_sub(1));
        if tick == gap_tick {
            self.data_gap()?;
        } else if tick > 0 {
            self.move_rates();
        }
        if tick == ROTATION_FAILED_TICK.min(self.ticks.saturating_sub(1)) {
            self.incident(
                ROTATION_FAILED,
                "Log file rotation failed: events/positions.jsonl could not be renamed; \
                 writing goes on in the current file (simulated)",
                None,
            )?;
        }
        if tick == 0 {
            self.enter()?;
        } else if tick.is_multiple_of(24) {
            self.daily_rebalance()?;
        }
        if tick % 24 == 12 {
            self.reconcile_venue_balances()?;
        }
        self.publish(tick)?;
        if tick.is_multiple_of(6) {
            self.health_check(&[], "scheduled")?;
        }
        Ok(())
    }

    // === market ===

    fn move_rates(&mut self) {
        let shock = self.rng.range(-0.0008, 0.0008);
        let reversion = 0.01 * (0.05 - self.supply_apr);
        self.supply_apr = (self.supply_apr + shock + reversion).clamp(0.02, 0.09);
    }

    fn accrue(&mut self) {
        let supply = usdt(self.supplied * self.supply_apr / HOURS_PER_YEAR);
        let borrow = usdt(self.debt * self.borrow_apr() / HOURS_PER_YEAR);
        self.supplied = usdt(self.supplied + supply);
        self.debt = usdt(self.debt + borrow);
        self.supply_interest += supply;
        self.borrow_interest += borrow;
    }

    // === strategy ===

    /// The debt change that brings the LTV to target with loop steps of equal
    /// supply and borrow: `(target * supplied - debt) / (1 - target)`.
    fn debt_gap(&self) -> f64 {
        (self.target_ltv * self.supplied - self.debt) / (1.0 - self.target_ltv)
    }

    fn loop_steps(&self, gap: f64) -> Vec<f64> {
        let step = self.capital * WALLET_BUFFER * 0.9;
        let mut left = gap.abs();
        let mut steps = Vec::new();
        while left > 1e-6 && steps.len() < 64 {
            let amount = usdt(left.min(step));
            steps.push(amount);
            left -= amount;
        }
        steps
    }

    fn enter(&mut self) -> Result<()> {
        let supply = usdt(self.capital * (1.0 - WALLET_BUFFER));
        // After the first supply, the loop to the target LTV.
        let gap = (self.target_ltv * supply) / (1.0 - self.target_ltv);
        let steps = self.loop_steps(gap);
        self.decide(
            DecisionType::Entry,
            1 + 2 * steps.len() as u32,
            supply + 2.0 * gap,
            "initial_deployment",
            meta(&[("target_ltv", json!(self.target_ltv))]),
        )?;
        self.out.log(
            Component::StrategyManager,
            self.now,
            Level::Info,
            "Entering pure lending position",
            fields(&[
                ("capital", json!(self.capital)),
                ("supply_amount", json!(supply)),
                ("target_ltv", json!(self.target_ltv)),
            ]),
        )?;
        self.single(OperationType::Supply, supply, Fault::TransientTimeout)?;
        for (i, amount) in steps.into_iter().enumerate() {
            match i {
                // The second loop step is rolled back: its borrow is rejected.
                // The strategy retries the step as a new group, whose supply
                // comes back short and fails reconciliation.
                1 => {
                    self.group(
                        OperationType::Supply,
                        OperationType::Borrow,
                        amount,
                        Some(1),
                    )?;
                    self.group_with_fault(
                        OperationType::Supply,
                        OperationType::Borrow,
                        amount,
                        Fault::ShortFill,
                    )?;
                }
                _ => {
                    self.group(OperationType::Supply, OperationType::Borrow, amount, None)?;
                }
            }
        }
        Ok(())
    }

    fn daily_rebalance(&mut self) -> Result<()> {
        // More leverage while supplying pays well; hysteresis avoids flapping.
        let before = self.target_ltv;
        if self.supply_apr > 0.052 {
            self.target_ltv = 0.25;
        } else if self.supply_apr < 0.048 {
            self.target_ltv = 0.15;
        }
        let gap = self.debt_gap();
        if gap.abs() < self.capital * REBALANCE_TOLERANCE {
            return Ok(());
        }
        let steps = self.loop_steps(gap);
        let reason = if before == self.target_ltv {
            "position_deviation_threshold_exceeded"
        } else {
            "target_ltv_changed"
        };
        self.decide(
            DecisionType::Rebalance,
            2 * steps.len() as u32,
            2.0 * gap.abs(),
            reason,
            meta(&[
                ("supply_apr", json!(usdt(self.supply_apr))),
                ("target_ltv", json!(self.target_ltv)),
                ("ltv_before", json!(usdt(self.ltv()))),
            ]),
        )?;
        self.out.log(
            Component::StrategyManager,
            self.now,
            Level::Info,
            "Rebalancing to target LTV",
            fields(&[
                ("target_ltv", json!(self.target_ltv)),
                ("debt_change", json!(usdt(gap))),
                ("orders", json!(2 * steps.len())),
            ]),
        )?;
        self.stats.rebalances += 1;
        for amount in steps {
            if gap > 0.0 {
                self.group(OperationType::Supply, OperationType::Borrow, amount, None)?;
            } else {
                self.group(OperationType::Withdraw, OperationType::Repay, amount, None)?;
            }
        }
        Ok(())
    }

    fn decide(
        &mut self,
        decision_type: DecisionType,
        orders: u32,
        value: f64,
        reason: &str,
        metadata: Metadata,
    ) -> Result<()> {
        self.decided_this_tick = true;
        self.out.emit(
            self.now,
            StrategyDecision {
                strategy_name: STRATEGY_NAME.to_owned(),
                decision_type,
                orders_generated: orders,
                total_order_value_usd: usdt(value),
                decision_reason: reason.to_owned(),
                metadata,
            },
        )
    }

    // === execution ===

    fn next_operation_id(&mut self, op: OperationType) -> String {
        let counter = self.op_counters.entry(op).or_default();
        *counter += 1;
        format!("{}_{:03}", op.as_str(), counter)
    }

    /// The position changes `op` of `amount` causes.
    fn deltas(op: OperationType, amount: f64) -> Vec<(&'static str, &'static str, f64)> {
        match op {
            OperationType::Supply => vec![(ATOKEN, "aUSDT", amount), (WALLET, "USDT", -amount)],
            OperationType::Borrow => vec![(WALLET, "USDT", amount), (DEBT, "debtUSDT", -amount)],
            OperationType::Withdraw => vec![(ATOKEN, "aUSDT", -amount), (WALLET, "USDT", amount)],
            OperationType::Repay => vec![(WALLET, "USDT", -amount), (DEBT, "debtUSDT", amount)],
            _ => Vec::new(),
        }
    }

    fn tokens(op: OperationType) -> (&'static str, &'static str) {
        match op {
            OperationType::Supply => ("USDT", "aUSDT"),
            OperationType::Borrow => ("aUSDT", "USDT"),
            OperationType::Withdraw => ("aUSDT", "USDT"),
            OperationType::Repay => ("USDT", "debtUSDT"),
            _ => ("USDT", "USDT"),
        }
    }

    fn apply(&mut self, deltas: &IndexMap<String, f64>) {
        for (key, amount) in deltas {
            match key.as_str() {
                ATOKEN => self.supplied = usdt(self.supplied + amount),
                WALLET => self.wallet = usdt(self.wallet + amount),
                // Debt positions are negative amounts: a repay is positive.
                DEBT => self.debt = usdt(self.debt - amount),
                _ => {}
            }
        }
    }

    fn pay_gas(&mut self) -> f64 {
        let fee = usdt(self.rng.range(0.05, 0.60));
        self.wallet = usdt(self.wallet - fee);
        self.costs += fee;
        fee
    }

    #[allow(clippy::too_many_arguments)]
    fn operation_event(
        &self,
        id: &str,
        op: OperationType,
        amount: f64,
        status: OperationStatus,
        actual: IndexMap<String, f64>,
        fee: f64,
        duration_ms: f64,
        error: Option<(ErrorCode, &str)>,
    ) -> OperationExecutionEvent {
        let (source_token, target_token) = Self::tokens(op);
        OperationExecutionEvent {
            operation_id: id.to_owned(),
            operation_type: op,
            venue: VENUE.to_owned(),
            source_token: source_token.to_owned(),
            target_token: target_token.to_owned(),
            status,
            expected_deltas: Self::deltas(op, amount)
                .into_iter()
                .map(|(key, token, delta)| ExpectedDelta {
                    position_key: key.to_owned(),
                    delta_amount: delta,
                    token: token.to_owned(),
                    venue: VENUE.to_owned(),
                    operation_type: op,
                })
                .collect(),
            actual_deltas: actual,
            fee_amount: fee,
            fee_currency: "USDT".to_owned(),
            execution_duration_ms: duration_ms,
            simulated: true,
            error_code: error.map(|(code, _)| code),
            error_message: error.map(|(_, message)| message.to_owned()),
        }
    }

    fn duration(&mut self) -> f64 {
        usdt(self.rng.range(80.0, 450.0)).round()
    }

    /// Executes one operation outside any group, then reconciles it.
    fn single(&mut self, op: OperationType, amount: f64, fault: Fault) -> Result<()> {
        let id = self.next_operation_id(op);
        let mut retries = 0;
        let mut elapsed = 0.0;
        if fault == Fault::TransientTimeout {
            // The venue times out; the tight loop retries once.
            let fee = self.pay_gas();
            let message = format!("Venue timeout: {VENUE} did not confirm {id} within 30s");
            let event = self.operation_event(
                &id,
                op,
                amount,
                OperationStatus::Failed,
                IndexMap::new(),
                fee,
                VENUE_TIMEOUT_MS,
                Some((VENUE_TIMEOUT, &message)),
            );
            self.out.emit(self.now, event)?;
            self.stats.operations += 1;
            self.stats.failed_operations += 1;
            self.incident(VENUE_TIMEOUT, &message, Some(&id))?;
            self.health_check(
                &[(Component::VenueInterfaceManager, HealthStatus::Degraded)],
                "incident",
            )?;
            retries = 1;
            elapsed += VENUE_TIMEOUT_MS;
        }
        self.execute(&id, op, amount, fault, retries, elapsed, None)?;
        self.snapshot("execution_manager", Some(&id))
    }

    /// Executes a confirmed operation (after `retries` failed attempts that
    /// took `elapsed` ms): the operation event, the deltas, the reconciliation
    /// and the tight loop event. Returns the tight loop's total duration.
    #[allow(clippy::too_many_arguments)]
    fn execute(
        &mut self,
        id: &str,
        op: OperationType,
        amount: f64,
        fault: Fault,
        retries: u32,
        elapsed: f64,
        group: Option<&str>,
    ) -> Result<f64> {
        let fee = self.pay_gas();
        let duration = self.duration();
        let mut actual: IndexMap<String, f64> = Self::deltas(op, amount)
            .into_iter()
            .map(|(key, _, delta)| (key.to_owned(), delta))
            .collect();
        if fault == Fault::ShortFill
            && let Some(first) = actual.values_mut().next()
        {
            // The venue rounds the minted aTokens down by a few units.
            *first = usdt(*first - 0.000002);
        }
        let event = self.operation_event(
            id,
            op,
            amount,
            OperationStatus::Confirmed,
            actual.clone(),
            fee,
            duration,
            None,
        );
        self.out.emit(self.now, event)?;
        self.stats.operations += 1;
        self.apply(&actual);
        let reconciled = fault != Fault::ShortFill;
        let delta_value: f64 = actual.values().map(|d| d.abs()).sum::<f64>() / 2.0;
        let mut link = vec![("operation_id", json!(id))];
        if let Some(group) = group {
            link.push(("atomic_group_id", json!(group)));
        }
        self.out.emit(
            self.now,
            ExecutionDeltaEvent {
                delta_type: "execution_deltas".to_owned(),
                trigger_source: "execution_manager".to_owned(),
                deltas_applied: actual.len() as u32,
                total_delta_value_usd: usdt(delta_value),
                metadata: meta(&link),
            },
        )?;
        let reconciliation_ms = usdt(self.rng.range(5.0, 40.0)).round();
        let mut reconciliation_meta = link.clone();
        if !reconciled {
            reconciliation_meta.push(("position_key", json!(ATOKEN)));
            reconciliation_meta.push(("expected", json!(amount)));
            reconciliation_meta.push(("actual", json!(usdt(amount - 0.000002))));
        }
        self.out.emit(
            self.now,
            ReconciliationEvent {
                reconciliation_type: "execution_deltas".to_owned(),
                trigger_source: "execution_manager".to_owned(),
                reconciliation_success: reconciled,
                expected_deltas_count: Self::deltas(op, amount).len() as u32,
                actual_deltas_count: actual.len() as u32,
                reconciliation_duration_ms: reconciliation_ms,
                metadata: meta(&reconciliation_meta),
            },
        )?;
        let total_ms = elapsed + duration + reconciliation_ms;
        self.out.emit(
            self.now,
            TightLoopExecutionEvent {
                operation_id: id.to_owned(),
                execution_success: true,
                reconciliation_success: reconciled,
                retry_count: retries,
                total_duration_ms: total_ms,
                execution_duration_ms: elapsed + duration,
                reconciliation_duration_ms: reconciliation_ms,
            },
        )?;
        self.out.log(
            Component::ExecutionManager,
            self.now,
            Level::Info,
            "Operation confirmed",
            fields(&[
                ("operation_id", json!(id)),
                ("operation_type", json!(op)),
                ("amount", json!(amount)),
                ("retry_count", json!(retries)),
            ]),
        )?;
        if !reconciled {
            let message = format!(
                "Position reconciliation mismatch after {id}: {ATOKEN} is 0.000002 below expected"
            );
            // The shortfall is a cost of execution.
            self.costs += 0.000002;
            self.incident(RECONCILIATION_MISMATCH, &message, Some(id))?;
            self.health_check(
                &[(Component::PositionMonitor, HealthStatus::Critical)],
                "incident",
            )?;
            // Positions are resynced from the venue, then reconcile.
            self.snapshot("position_update_handler", Some(id))?;
            self.out.emit(
                self.now,
                ReconciliationEvent {
                    reconciliation_type: "position_resync".to_owned(),
                    trigger_source: "position_monitor".to_owned(),
                    reconciliation_success: true,
                    expected_deltas_count: 1,
                    actual_deltas_count: 1,
                    reconciliation_duration_ms: usdt(self.rng.range(5.0, 40.0)).round(),
                    metadata: meta(&link),
                },
            )?;
        }
        Ok(total_ms)
    }

    fn group(
        &mut self,
        first: OperationType,
        second: OperationType,
        amount: f64,
        fail_at: Option<usize>,
    ) -> Result<bool> {
        self.run_group(first, second, amount, fail_at, Fault::None)
    }

    fn group_with_fault(
        &mut self,
        first: OperationType,
        second: OperationType,
        amount: f64,
        fault: Fault,
    ) -> Result<bool> {
        self.run_group(first, second, amount, None, fault)
    }

    /// Two operations executed atomically; when the one at `fail_at` is
    /// rejected, the ones before it are rolled back.
    fn run_group(
        &mut self,
        first: OperationType,
        second: OperationType,
        amount: f64,
        fail_at: Option<usize>,
        fault: Fault,
    ) -> Result<bool> {
        self.group_counter += 1;
        let group_id = format!("group_{:03}", self.group_counter);
        let ops = [first, second];
        let ids: Vec<String> = ops.iter().map(|op| self.next_operation_id(*op)).collect();
        let mut confirmed: Vec<(String, OperationType)> = Vec::new();
        let mut total_ms = 0.0;
        let mut failed = false;
        for (i, (op, id)) in ops.iter().zip(&ids).enumerate() {
            if fail_at == Some(i) {
                let fee = self.pay_gas();
                let duration = self.duration();
                total_ms += duration;
                let message = format!(
                    "Order execution failed: {VENUE} rejected {id} ({} {amount} USDT): borrow cap reached",
                    op.as_str()
                );
                let event = self.operation_event(
                    id,
                    *op,
                    amount,
                    OperationStatus::Failed,
                    IndexMap::new(),
                    fee,
                    duration,
                    Some((ORDER_FAILED, &message)),
                );
                self.out.emit(self.now, event)?;
                self.out.emit(
                    self.now,
                    TightLoopExecutionEvent {
                        operation_id: id.clone(),
                        execution_success: false,
                        reconciliation_success: false,
                        retry_count: 0,
                        total_duration_ms: duration,
                        execution_duration_ms: duration,
                        reconciliation_duration_ms: 0.0,
                    },
                )?;
                self.stats.operations += 1;
                self.stats.failed_operations += 1;
                self.incident(ORDER_FAILED, &message, Some(id))?;
                failed = true;
                break;
            }
            let op_fault = if i == 0 { fault } else { Fault::None };
            total_ms += self.execute(id, *op, amount, op_fault, 0, 0.0, Some(&group_id))?;
            confirmed.push((id.clone(), *op));
        }
        if failed {
            // Undo what the group did, newest first.
            for (id, op) in confirmed.iter().rev() {
                let reverse: IndexMap<String, f64> = Self::deltas(*op, amount)
                    .into_iter()
                    .map(|(key, _, delta)| (key.to_owned(), -delta))
                    .collect();
                self.apply(&reverse);
                let duration = self.duration();
                total_ms += duration;
                let event = self.operation_event(
                    id,
                    *op,
                    amount,
                    OperationStatus::RolledBack,
                    reverse,
                    0.0,
                    duration,
                    None,
                );
                self.out.emit(self.now, event)?;
            }
            self.stats.rolled_back_groups += 1;
            self.health_check(
                &[(Component::ExecutionManager, HealthStatus::Degraded)],
                "incident",
            )?;
        }
        self.stats.atomic_groups += 1;
        self.out.emit(
            self.now,
            AtomicOperationGroupEvent {
                atomic_group_id: group_id.clone(),
                operation_ids: ids.clone(),
                operation_types: ops.to_vec(),
                all_succeeded: !failed,
                rollback_occurred: failed,
                total_duration_ms: total_ms,
            },
        )?;
        self.out.log(
            Component::ExecutionManager,
            self.now,
            if failed { Level::Warning } else { Level::Info },
            if failed {
                "Atomic group rolled back"
            } else {
                "Atomic group committed"
            },
            fields(&[
                ("atomic_group_id", json!(group_id)),
                ("operation_ids", json!(ids)),
            ]),
        )?;
        self.snapshot("execution_manager", Some(&group_id))?;
        Ok(!failed)
    }

    // === monitors ===

    fn positions(&self) -> IndexMap<String, f64> {
        IndexMap::from([
            (ATOKEN.to_owned(), self.supplied),
            (WALLET.to_owned(), self.wallet),
            // `0.0 - x`, not `-x`: no debt is `0.0`, not `-0.0`.
            (DEBT.to_owned(), 0.0 - self.debt),
        ])
    }

    fn snapshot(&mut self, trigger: &str, link: Option<&str>) -> Result<()> {
        let metadata = match link {
            Some(id) if id.starts_with("group_") => meta(&[("atomic_group_id", json!(id))]),
            Some(id) => meta(&[("operation_id", json!(id))]),
            None => Metadata::new(),
        };
        let positions = self.positions();
        let count = positions.len();
        self.out.emit(
            self.now,
            PositionSnapshot {
                positions,
                total_value_usd: self.total_value(),
                position_type: PositionType::Simulated,
                trigger_source: trigger.to_owned(),
                metadata,
            },
        )?;
        if trigger != "position_monitor" {
            self.out.log(
                Component::PositionMonitor,
                self.now,
                Level::Info,
                "Position updated",
                fields(&[
                    ("trigger_source", json!(trigger)),
                    ("positions_count", json!(count)),
                ]),
            )?;
        }
        Ok(())
    }

    fn publish(&mut self, tick: u64) -> Result<()> {
        self.snapshot("position_monitor", None)?;
        let value = self.total_value();
        let gross = self.wallet + self.supplied + self.debt;
        let share = |amount: f64| {
            if gross > 0.0 {
                usdt(amount.abs() / gross)
            } else {
                0.0
            }
        };
        self.out.emit(
            self.now,
            ExposureSnapshot {
                // A USDT share class: USDT holdings carry no delta.
                net_delta_usd: 0.0,
                asset_exposures: IndexMap::from([
                    (
                        "USDT".to_owned(),
                        AssetExposure {
                            quantity: self.wallet,
                            usd_value: self.wallet,
                            percentage: share(self.wallet),
                        },
                    ),
                    (
                        "aUSDT".to_owned(),
                        AssetExposure {
                            quantity: self.supplied,
                            usd_value: self.supplied,
                            percentage: share(self.supplied),
                        },
                    ),
                    (
                        "debtUSDT".to_owned(),
                        AssetExposure {
                            quantity: -self.debt,
                            usd_value: -self.debt,
                            percentage: share(self.debt),
                        },
                    ),
                ]),
                total_value_usd: value,
                share_class_value: value,
                metadata: Metadata::new(),
            },
        )?;
        let ltv = self.ltv();
        let health_factor = if self.debt > 0.0 {
            usdt(self.supplied * LIQUIDATION_THRESHOLD / self.debt)
        } else {
            // No debt: nothing can be liquidated. The wire format has no
            // infinity, so the monitor reports a large finite factor.
            1000.0
        };
        let risk_level = match health_factor {
            h if h >= 2.0 => RiskLevel::Low,
            h if h >= 1.5 => RiskLevel::Medium,
            h if h >= 1.1 => RiskLevel::High,
            _ => RiskLevel::Critical,
        };
        self.out.emit(
            self.now,
            RiskAssessment {
                health_factor,
                ltv_ratio: usdt(ltv),
                liquidation_threshold: LIQUIDATION_THRESHOLD,
                margin_usage: usdt(ltv / MAX_LTV),
                risk_score: usdt(ltv / LIQUIDATION_THRESHOLD),
                risk_level,
                breach_detected: ltv > MAX_LTV,
                metadata: Metadata::new(),
            },
        )?;
        let supply_yield = usdt(self.supply_interest - self.borrow_interest);
        self.out.emit(
            self.now,
            PnLCalculation {
                total_pnl_usd: usdt(value - self.capital),
                total_pnl_share_class: usdt(value - self.capital),
                pnl_attribution: PnlAttribution {
                    supply_yield,
                    transaction_costs: -usdt(self.costs),
                    funding_pnl: 0.0,
                },
                period_start: self.start,
                period_end: self.now,
                metadata: meta(&[
                    ("period_pnl_usd", json!(usdt(value - self.last_value))),
                    ("supply_interest_usd", json!(usdt(self.supply_interest))),
                    ("borrow_interest_usd", json!(usdt(self.borrow_interest))),
                    ("supply_apr", json!(usdt(self.supply_apr))),
                ]),
            },
        )?;
        self.last_value = value;
        if !self.decided_this_tick {
            self.decide(
                DecisionType::Hold,
                0,
                0.0,
                "within_tolerance",
                meta(&[("ltv", json!(usdt(ltv)))]),
            )?;
        }
        if tick % 24 == 23 {
            self.out.log(
                Component::RiskMonitor,
                self.now,
                Level::Info,
                "Daily risk summary",
                fields(&[
                    ("health_factor", json!(health_factor)),
                    ("ltv_ratio", json!(usdt(ltv))),
                ]),
            )?;
            self.out.log(
                Component::PnLMonitor,
                self.now,
                Level::Info,
                "Daily P&L summary",
                fields(&[
                    ("total_pnl_usd", json!(usdt(value - self.capital))),
                    ("supply_yield", json!(supply_yield)),
                ]),
            )?;
            self.out.log(
                Component::ExposureMonitor,
                self.now,
                Level::Info,
                "Daily exposure summary",
                fields(&[("total_value_usd", json!(value))]),
            )?;
        }
        Ok(())
    }

    fn reconcile_venue_balances(&mut self) -> Result<()> {
        let duration = usdt(self.rng.range(20.0, 120.0)).round();
        self.out.emit(
            self.now,
            ReconciliationEvent {
                reconciliation_type: "venue_balances".to_owned(),
                trigger_source: "position_monitor".to_owned(),
                reconciliation_success: true,
                expected_deltas_count: 3,
                actual_deltas_count: 3,
                reconciliation_duration_ms: duration,
                metadata: Metadata::new(),
            },
        )
    }

    fn health_check(
        &mut self,
        overrides: &[(Component, HealthStatus)],
        trigger: &str,
    ) -> Result<()> {
        let components = [
            Component::PositionMonitor,
            Component::ExposureMonitor,
            Component::RiskMonitor,
            Component::PnLMonitor,
            Component::StrategyManager,
            Component::ExecutionManager,
            Component::VenueInterfaceManager,
            Component::DataProvider,
        ];
        let statuses: IndexMap<Component, HealthStatus> = components
            .into_iter()
            .map(|c| {
                let status = overrides
                    .iter()
                    .find(|(o, _)| *o == c)
                    .map_or(HealthStatus::Healthy, |(_, s)| *s);
                (c, status)
            })
            .collect();
        let overall = statuses
            .values()
            .copied()
            .max_by_key(|s| HealthStatus::ALL.iter().position(|x| x == s))
            .unwrap_or(HealthStatus::Healthy);
        let unhealthy = statuses
            .values()
            .filter(|s| **s != HealthStatus::Healthy)
            .count();
        let score = usdt(1.0 - unhealthy as f64 / statuses.len() as f64 * 2.0).clamp(0.0, 1.0);
        self.out.emit(
            self.now,
            HealthStatusEvent {
                overall_status: overall,
                component_statuses: statuses,
                health_score: score,
                metadata: meta(&[("trigger", json!(trigger))]),
            },
        )?;
        if overall != HealthStatus::Healthy {
            self.out.log(
                Component::HealthMonitor,
                self.now,
                Level::Warning,
                "Component health degraded",
                fields(&[
                    ("overall_status", json!(overall)),
                    ("health_score", json!(score)),
                ]),
            )?;
        }
        Ok(())
    }

    fn data_gap(&mut self) -> Result<()> {
        let message = "Historical data gap detected: no AAVE USDT supply rate for this hour; \
                       previous rate carried forward";
        self.incident(DATA_GAP, message, None)
    }

    /// Raises a registered error: the system error event and the line in the
    /// component's log, both with the code's registered severity.
    fn incident(&mut self, code: ErrorCode, message: &str, operation: Option<&str>) -> Result<()> {
        self.stats.errors += 1;
        let mut event = SystemErrorEvent::from_code(code, message);
        let mut log_fields = Map::new();
        if let Some(id) = operation {
            event = event
                .with_stack_trace(format!(
                    "{}::execute({id}) at {} (simulated)",
                    code.component().name(),
                    self.now
                ))
                .with_metadata("operation_id", id);
            log_fields.insert("operation_id".into(), json!(id));
        }
        self.out.emit(self.now, event)?;
        self.out.log_error(code, self.now, message, log_fields)
    }
}
