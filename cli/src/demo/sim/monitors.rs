//! The monitors: positions, exposures, risk, P&L, health checks, reconciliations and incidents.

use super::*;

impl Sim<'_> {
    pub(super) fn positions(&self) -> IndexMap<String, f64> {
        IndexMap::from([
            (ATOKEN.to_owned(), self.supplied),
            (WALLET.to_owned(), self.wallet),
            // `0.0 - x`, not `-x`: no debt is `0.0`, not `-0.0`.
            (DEBT.to_owned(), 0.0 - self.debt),
        ])
    }

    pub(super) fn snapshot(&mut self, trigger: &str, link: Option<&str>) -> Result<()> {
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

    pub(super) fn publish(&mut self, tick: u64) -> Result<()> {
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

    pub(super) fn reconcile_venue_balances(&mut self) -> Result<()> {
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

    pub(super) fn health_check(
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

    pub(super) fn data_gap(&mut self) -> Result<()> {
        let message = "Historical data gap detected: no AAVE USDT supply rate for this hour; \
                       previous rate carried forward";
        self.incident(DATA_GAP, message, None)
    }

    /// Raises a registered error: the system error event and the line in the
    /// component's log, both with the code's registered severity.
    pub(super) fn incident(
        &mut self,
        code: ErrorCode,
        message: &str,
        operation: Option<&str>,
    ) -> Result<()> {
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
