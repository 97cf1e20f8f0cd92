//! A user's own events, component and error codes, declared with nothing but
//! `basis-events` as a dependency.

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

basis_events::component! {
    /// Watches perpetual funding rates and books funding payments.
    pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
}

/// The error codes of the [`FundingMonitor`].
pub mod codes {
    use super::FundingMonitor;

    basis_events::error_codes! {
        FUND_001 = "FUND-001" {
            component: FundingMonitor,
            severity: HIGH,
            message: "Funding rate feed stale",
            description: "No funding rate arrived from a venue for a full interval.",
            action: "Retried on the next interval. If it persists, check the venue's API status.",
        }
        FUND_002 = "FUND-002" {
            component: FundingMonitor,
            severity: CRITICAL,
            message: "Funding payment mismatch",
            description: "A booked funding payment differs from the venue's statement.",
            action: "Trading halts. Reconcile the payment with the venue, then restart.",
        }
        FUND_003 = "FUND-003" {
            component: FundingMonitor,
            severity: HIGH,
            message: "Funding rate feed stale",
            description: "The first number of FUND-001, before the registry was renumbered.",
            action: "Read it as FUND-001.",
            retired_by: "FUND-001",
        }
    }
}

/// One venue's funding rate for one perpetual.
#[basis_events::payload]
pub struct VenueRate {
    /// The venue, `"binance"`.
    pub venue: String,
    /// The rate for the interval, as a fraction (0.0001 is 1 bp).
    pub rate: f64,
    /// Hours between two funding payments.
    pub interval_hours: u32,
}

/// Funding rates of every watched perpetual, sampled once per interval.
#[domain_event(file = "funding_rates.jsonl", logged_by = FundingMonitor, example = rate_snapshot_example)]
pub struct FundingRateSnapshot {
    /// The perpetual, `"BTC-PERP"`.
    pub instrument: String,
    /// The best rate and where it is.
    pub best: VenueRate,
    /// Rate per venue.
    pub rates: BTreeMap<String, f64>,
}

/// A funding payment booked on a perpetual position.
#[domain_event(file = "funding_payments.jsonl", logged_by = FundingMonitor, example = payment_example)]
pub struct FundingPayment {
    /// The perpetual.
    pub instrument: String,
    /// The payment's sequence number on this position.
    pub payment_number: u64,
    /// Paid (negative) or received (positive), in USD.
    pub amount_usd: f64,
    /// Whether the position was long.
    pub is_long: bool,
    /// The venue's reference, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_reference: Option<String>,
}

/// The canonical [`FundingRateSnapshot`].
pub fn rate_snapshot_example() -> FundingRateSnapshot {
    FundingRateSnapshot {
        instrument: "BTC-PERP".to_owned(),
        best: VenueRate {
            venue: "binance".to_owned(),
            rate: 0.0001,
            interval_hours: 8,
        },
        rates: BTreeMap::from([("binance".to_owned(), 0.0001), ("okx".to_owned(), 0.00008)]),
    }
}

/// The canonical [`FundingPayment`].
pub fn payment_example() -> FundingPayment {
    FundingPayment {
        instrument: "BTC-PERP".to_owned(),
        payment_number: 1,
        amount_usd: 12.5,
        is_long: false,
        venue_reference: Some("pay-0001".to_owned()),
    }
}

mod funding_run {
    use basis_events::catalog::{PositionSnapshot, SystemErrorEvent};
    use basis_events::prelude::*;
    use basis_events::{EngineClock, LogDirectoryManager, RunOptions};

    use crate::{FundingMonitor, FundingPayment, codes, payment_example, rate_snapshot_example};

    /// Funding rate snapshots written.
    pub const SNAPSHOTS: u64 = 300;
    /// Funding payments written.
    pub const PAYMENTS: u64 = 200;

    /// Writes a real run with the FundingMonitor's own events, codes and log
    /// under `root` (`root/{correlation_id}/{pid}/`), for end-to-end tests of
    /// readers built without this crate, and returns its process directory.
    ///
    /// 300 funding rate snapshots, 200 funding payments, a few guide events, a
    /// `SystemErrorEvent` with FUND-002, and `funding_monitor.log` with
    /// error-code lines. The tracing layer is installed as the global
    /// subscriber unless one is already set.
    pub fn write_funding_run(
        root: &std::path::Path,
        correlation_id: &str,
    ) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
        let run = LogDirectoryManager::with_root(root).create_run_logs(
            RunOptions::new("funding_arb_btc", "funding_arb", 50_000.0)
                .correlation_id(correlation_id),
        )?;
        let clock = EngineClock::backtest(EngineTime::parse("2025-01-15T00:00:00")?);
        let events = run.event_logger().clock(clock.clone()).build()?;
        let logs = run.component_logs().clock(clock.clone()).build()?;
        let funding = logs.logger(FundingMonitor)?;
        // The tracing layer installs with basis-events' re-export of
        // tracing-subscriber: this crate depends on basis-events alone.
        {
            use basis_events::tracing_subscriber::layer::SubscriberExt;
            use basis_events::tracing_subscriber::util::SubscriberInitExt;
            basis_events::tracing_subscriber::registry()
                .with(
                    basis_events::StructuredLayer::new(logs.clone())
                        .default_component(FundingMonitor),
                )
                .try_init()
                .ok();
        }

        for i in 0..SNAPSHOTS.max(PAYMENTS) {
            // One sample a minute, from midnight.
            clock.set(EngineTime::parse(&format!(
                "2025-01-15T{:02}:{:02}:00",
                i / 60,
                i % 60
            ))?)?;
            if i < SNAPSHOTS {
                let mut snapshot = rate_snapshot_example();
                snapshot.best.rate = 0.0001 + (i as f64) * 1e-7;
                snapshot.rates.insert("bybit".to_owned(), 0.00009);
                events.emit_as(FundingMonitor, snapshot)?;
            }
            if i < PAYMENTS {
                events.emit_as(
                    FundingMonitor,
                    FundingPayment {
                        payment_number: i + 1,
                        amount_usd: 12.5 - i as f64 * 0.01,
                        is_long: i % 2 == 0,
                        venue_reference: (i % 3 != 0).then(|| format!("pay-{:04}", i + 1)),
                        ..payment_example()
                    },
                )?;
            }
            if i % 100 == 0 {
                events.emit(PositionSnapshot {
                    positions: IndexMap::from([("binance:perp:BTC".to_owned(), -0.5)]),
                    total_value_usd: 50_000.0,
                    position_type: PositionType::Simulated,
                    trigger_source: "funding_monitor".to_owned(),
                    metadata: Metadata::new(),
                })?;
                funding.info(
                    "Funding rates sampled",
                    basis_events::json!({ "instruments": 1, "venues": ["binance", "okx", "bybit"] }),
                );
            }
        }
        let mismatch = "booked 12.50 USD, venue says 12.40 USD";
        events.emit_as(
            FundingMonitor,
            SystemErrorEvent::from_code(codes::FUND_002, mismatch),
        )?;
        funding.error_code(codes::FUND_002, mismatch, ());
        funding.error_code(codes::FUND_001, "no rate from okx for 8h", ());

        logs.shutdown()?;
        run.shutdown(&events)?;
        Ok(run.dir().to_owned())
    }
}

pub use funding_run::{PAYMENTS, SNAPSHOTS, write_funding_run};

pub mod settlement;
