//! Events of the ExposureMonitor.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::prelude::*;

/// Exposure per asset and in total. Logged on every exposure calculation.
#[domain_event(file = "exposures.jsonl", logged_by = ExposureMonitor, example = example)]
pub struct ExposureSnapshot {
    /// Net delta of all positions, in USD; 0 when fully hedged.
    pub net_delta_usd: f64,
    /// Exposure per asset symbol.
    pub asset_exposures: IndexMap<String, AssetExposure>,
    /// Value of all positions in USD.
    pub total_value_usd: f64,
    /// Value in the strategy's share class currency.
    pub share_class_value: f64,
    /// Extra data; `{}` when none.
    #[serde(default)]
    pub metadata: Metadata,
}

/// How much of one asset the strategy holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetExposure {
    pub quantity: f64,
    pub usd_value: f64,
    /// Share of the total value, from 0 to 1.
    pub percentage: f64,
}

fn example() -> ExposureSnapshot {
    ExposureSnapshot {
        net_delta_usd: 0.0,
        asset_exposures: IndexMap::from([
            (
                "USDT".to_owned(),
                AssetExposure {
                    quantity: 10000.0,
                    usd_value: 10000.0,
                    percentage: 0.67,
                },
            ),
            (
                "ETH".to_owned(),
                AssetExposure {
                    quantity: 2.0,
                    usd_value: 5000.0,
                    percentage: 0.33,
                },
            ),
        ]),
        total_value_usd: 15000.0,
        share_class_value: 15000.0,
        metadata: Metadata::new(),
    }
}
