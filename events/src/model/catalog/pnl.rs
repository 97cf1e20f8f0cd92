//! Events of the PnLMonitor.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::prelude::*;

/// P&L over a period, with its attribution. Logged on every P&L calculation.
#[domain_event(file = "pnl_calculations.jsonl", logged_by = PnLMonitor, example = example)]
pub struct PnLCalculation {
    /// P&L over the period, in USD.
    pub total_pnl_usd: f64,
    /// P&L in the strategy's share class currency.
    pub total_pnl_share_class: f64,
    /// Where the P&L came from.
    pub pnl_attribution: PnlAttribution,
    /// Start of the period, on the engine clock.
    pub period_start: EngineTime,
    /// End of the period, on the engine clock.
    pub period_end: EngineTime,
    /// Extra data; `{}` when none.
    #[serde(default)]
    pub metadata: Metadata,
}

/// Where the P&L came from, in USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PnlAttribution {
    /// Interest earned on supplied assets.
    pub supply_yield: f64,
    /// Fees and gas, negative.
    pub transaction_costs: f64,
    /// Funding paid or received on perpetual futures.
    pub funding_pnl: f64,
}

fn example() -> PnLCalculation {
    PnLCalculation {
        total_pnl_usd: 150.25,
        total_pnl_share_class: 150.25,
        pnl_attribution: PnlAttribution {
            supply_yield: 45.50,
            transaction_costs: -2.25,
            funding_pnl: 0.0,
        },
        period_start: EngineTime::parse("2025-01-15T09:30:00").expect("valid literal"),
        period_end: EngineTime::parse("2025-01-15T10:30:00").expect("valid literal"),
        metadata: Metadata::new(),
    }
}
