//! A user's own event, declared with nothing but `basis-events` as a dependency.

use basis_events::prelude::*;

/// A vault moved funds between lending markets.
#[domain_event(file = "vault_rebalances.jsonl", logged_by = StrategyManager, example = example)]
pub struct VaultRebalanced {
    /// The vault that moved funds.
    pub vault: String,
    /// Amount moved, per market.
    pub moved: BTreeMap<String, f64>,
    #[serde(rename = "reason_code")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub metadata: Metadata,
}

fn example() -> VaultRebalanced {
    VaultRebalanced {
        vault: "usdt_vault".to_owned(),
        moved: BTreeMap::from([("aave_v3".to_owned(), 2500.0)]),
        reason: "rate_spread".to_owned(),
        note: None,
        metadata: Metadata::new(),
    }
}
