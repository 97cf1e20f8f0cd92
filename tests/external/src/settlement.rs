//! `FundingSettlement`: an event with a real history, v1 → v2 → v3, to
//! prove that lines written under every past version stay readable.
//!
//! - v1: `amount`, sides `long` and `short`.
//! - v2: `amount` renamed `amount_usd` (breaking: a bump, and an upcast).
//! - v3: `fee_usd` added with a default, side `flat` added (neither is
//!   breaking; the bump documents them, and the gate warns that it was not
//!   needed).

use basis_events::prelude::*;

use crate::FundingMonitor;

/// Version 1, as first released.
pub mod v1 {
    /// Which side of the perpetual was held (v1: two sides).
    #[basis_events::payload]
    #[serde(rename_all = "snake_case")]
    pub enum Side {
        Long,
        Short,
    }

    /// A funding settlement, version 1.
    #[basis_events::past_event(version = 1)]
    pub struct FundingSettlement {
        /// The perpetual.
        pub instrument: String,
        /// Paid (negative) or received (positive), in USD.
        pub amount: f64,
        /// The side held.
        pub side: Side,
    }
}

/// Version 2: `amount` renamed `amount_usd`.
pub mod v2 {
    pub use super::v1::Side;

    /// A funding settlement, version 2.
    #[basis_events::past_event(version = 2, previous = super::v1::FundingSettlement)]
    pub struct FundingSettlement {
        /// The perpetual.
        pub instrument: String,
        /// Paid (negative) or received (positive), in USD.
        pub amount_usd: f64,
        /// The side held.
        pub side: Side,
    }

    impl From<super::v1::FundingSettlement> for FundingSettlement {
        fn from(old: super::v1::FundingSettlement) -> Self {
            FundingSettlement {
                instrument: old.instrument,
                amount_usd: old.amount,
                side: old.side,
            }
        }
    }
}

/// Which side of the perpetual was held.
#[basis_events::payload]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Long,
    Short,
    /// Added in v3: no position at settlement.
    Flat,
}

impl From<v1::Side> for Side {
    fn from(side: v1::Side) -> Self {
        match side {
            v1::Side::Long => Side::Long,
            v1::Side::Short => Side::Short,
        }
    }
}

/// A funding settlement on a perpetual position.
#[domain_event(
    file = "funding_settlements.jsonl",
    logged_by = FundingMonitor,
    version = 3,
    previous = v2::FundingSettlement
)]
pub struct FundingSettlement {
    /// The perpetual.
    pub instrument: String,
    /// Paid (negative) or received (positive), in USD.
    pub amount_usd: f64,
    /// The side held.
    pub side: Side,
    /// The venue's fee on the settlement, in USD (v3; 0 before).
    #[serde(default)]
    pub fee_usd: f64,
}

impl From<v2::FundingSettlement> for FundingSettlement {
    fn from(old: v2::FundingSettlement) -> Self {
        FundingSettlement {
            instrument: old.instrument,
            amount_usd: old.amount_usd,
            side: old.side.into(),
            fee_usd: 0.0,
        }
    }
}

/// Settlements written per run.
pub const SETTLEMENTS: u64 = 20;

/// The `i`-th settlement's amount, the same under every version.
pub fn settlement_amount(i: u64) -> f64 {
    (i as f64) * 1.25 - 10.0
}

/// Writes a completed run under `root/{correlation_id}/{pid}` as a binary
/// of `version` (1, 2 or 3) of `FundingSettlement` would have: its
/// `catalog.json` names that version with that version's schema, and its
/// [`SETTLEMENTS`] lines have that version's fields. Returns the process
/// directory.
///
/// # Errors
///
/// Any error creating the run or writing its files.
pub fn write_settlement_run(
    root: &std::path::Path,
    correlation_id: &str,
    version: u32,
) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    use basis_events::run_dir::RunStatus;
    use basis_events::{EventRecord, LogDirectoryManager, RunOptions};

    let run = LogDirectoryManager::with_root(root).create_run_logs(
        RunOptions::new("funding_arb_btc", "funding_arb", 50_000.0).correlation_id(correlation_id),
    )?;
    let dir = run.dir().to_owned();
    // The catalog an older binary would have written: this event at
    // `version`, with that version's schema.
    let catalog_path = dir.join("catalog.json");
    let mut catalog: serde_json::Value = serde_json::from_slice(&std::fs::read(&catalog_path)?)?;
    let info = basis_events::event_named("FundingSettlement").ok_or("not registered")?;
    let schema = info.schema_at(version).ok_or("no such version")?;
    for event in catalog["events"].as_array_mut().ok_or("no events")? {
        if event["name"] == "FundingSettlement" {
            event["version"] = version.into();
            event["schema"] = schema.clone();
        }
    }
    std::fs::write(&catalog_path, serde_json::to_vec_pretty(&catalog)?)?;

    let mut text = String::new();
    for i in 0..SETTLEMENTS {
        let envelope = Envelope {
            correlation_id: correlation_id.to_owned(),
            pid: run.pid(),
            seq: Some(i + 1),
            timestamp: EngineTime::parse(&format!("2025-01-15T{:02}:00:00", i))?,
            ..Envelope::example()
        };
        let amount = settlement_amount(i);
        let line = match version {
            1 => serde_json::to_string(&EventRecord {
                envelope,
                event: v1::FundingSettlement {
                    instrument: "BTC-PERP".to_owned(),
                    amount,
                    side: if i % 2 == 0 {
                        v1::Side::Long
                    } else {
                        v1::Side::Short
                    },
                },
            })?,
            2 => serde_json::to_string(&EventRecord {
                envelope,
                event: v2::FundingSettlement {
                    instrument: "BTC-PERP".to_owned(),
                    amount_usd: amount,
                    side: if i % 2 == 0 {
                        v1::Side::Long
                    } else {
                        v1::Side::Short
                    },
                },
            })?,
            _ => serde_json::to_string(&EventRecord {
                envelope,
                event: FundingSettlement {
                    instrument: "BTC-PERP".to_owned(),
                    amount_usd: amount,
                    side: match i % 3 {
                        0 => Side::Long,
                        1 => Side::Short,
                        _ => Side::Flat,
                    },
                    fee_usd: 0.5,
                },
            })?,
        };
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(dir.join("events/funding_settlements.jsonl"), text)?;
    let logger = run.event_logger().build()?;
    let report = logger.shutdown()?;
    run.finish(RunStatus::Completed, &report)?;
    Ok(dir)
}
