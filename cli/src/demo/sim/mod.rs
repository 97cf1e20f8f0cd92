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

mod execution;
mod market;
mod monitors;
mod strategy;

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

/// One attempt of an operation, as its `OperationExecutionEvent` says.
struct Attempt<'s> {
    id: &'s str,
    op: OperationType,
    amount: f64,
    status: OperationStatus,
    actual: IndexMap<String, f64>,
    fee: f64,
    duration_ms: f64,
    error: Option<(ErrorCode, &'s str)>,
}

/// An operation to execute and confirm, after `retries` failed attempts
/// that took `elapsed` ms, inside atomic group `group` if any.
struct Execution<'s> {
    id: &'s str,
    op: OperationType,
    amount: f64,
    fault: Fault,
    retries: u32,
    elapsed: f64,
    group: Option<&'s str>,
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
}
