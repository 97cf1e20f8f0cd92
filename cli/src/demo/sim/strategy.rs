//! The strategy: entering the position, the daily rebalance, decisions.

use super::*;

impl Sim<'_> {
    /// The debt change that brings the LTV to target with loop steps of equal
    /// supply and borrow: `(target * supplied - debt) / (1 - target)`.
    pub(super) fn debt_gap(&self) -> f64 {
        (self.target_ltv * self.supplied - self.debt) / (1.0 - self.target_ltv)
    }

    pub(super) fn loop_steps(&self, gap: f64) -> Vec<f64> {
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

    pub(super) fn enter(&mut self) -> Result<()> {
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

    pub(super) fn daily_rebalance(&mut self) -> Result<()> {
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

    pub(super) fn decide(
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
}
