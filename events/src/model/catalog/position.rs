//! Events of the PositionMonitor.

use crate::prelude::*;

/// Snapshot of every position after an update. Logged on every position update.
#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor, example = example)]
pub struct PositionSnapshot {
    /// Amount held per position key (`venue:kind:token`, e.g. `aave:aToken:aUSDT`).
    pub positions: IndexMap<String, f64>,
    /// Value of all positions in USD.
    pub total_value_usd: f64,
    /// Simulated (backtest) or real (live) positions.
    pub position_type: PositionType,
    /// The component whose action caused the update.
    pub trigger_source: String,
    /// Extra data; `{}` when none.
    #[serde(default)]
    pub metadata: Metadata,
}

fn example() -> PositionSnapshot {
    PositionSnapshot {
        positions: IndexMap::from([
            ("aave:aToken:aUSDT".to_owned(), 10000.0),
            ("wallet:BaseToken:USDT".to_owned(), 5000.0),
        ]),
        total_value_usd: 15000.0,
        position_type: PositionType::Simulated,
        trigger_source: "execution_manager".to_owned(),
        metadata: Metadata::new(),
    }
}
