//! Events of the StrategyManager.

use crate::prelude::*;

/// What the strategy decided, and why. Logged on every strategy decision.
#[domain_event(file = "strategy_decisions.jsonl", logged_by = StrategyManager, example = example)]
pub struct StrategyDecision {
    /// The mode that decided (`pure_lending_usdt`).
    pub strategy_name: String,
    /// What the strategy decided to do.
    pub decision_type: DecisionType,
    /// How many orders the decision produced.
    pub orders_generated: u32,
    /// Value of the generated orders, in USD.
    pub total_order_value_usd: f64,
    /// Why, as a machine-readable reason (`position_deviation_threshold_exceeded`).
    pub decision_reason: String,
    /// Extra data; `{}` when none.
    #[serde(default)]
    pub metadata: Metadata,
}

fn example() -> StrategyDecision {
    StrategyDecision {
        strategy_name: "pure_lending_usdt".to_owned(),
        decision_type: DecisionType::Rebalance,
        orders_generated: 2,
        total_order_value_usd: 10000.0,
        decision_reason: "position_deviation_threshold_exceeded".to_owned(),
        metadata: Metadata::new(),
    }
}
