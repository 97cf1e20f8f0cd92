//! Execution: single operations, atomic groups, retries, rollbacks and the deltas they apply.

use super::*;

impl Sim<'_> {
    pub(super) fn next_operation_id(&mut self, op: OperationType) -> String {
        let counter = self.op_counters.entry(op).or_default();
        *counter += 1;
        format!("{}_{:03}", op.as_str(), counter)
    }

    /// The position changes `op` of `amount` causes.
    pub(super) fn deltas(op: OperationType, amount: f64) -> Vec<(&'static str, &'static str, f64)> {
        match op {
            OperationType::Supply => vec![(ATOKEN, "aUSDT", amount), (WALLET, "USDT", -amount)],
            OperationType::Borrow => vec![(WALLET, "USDT", amount), (DEBT, "debtUSDT", -amount)],
            OperationType::Withdraw => vec![(ATOKEN, "aUSDT", -amount), (WALLET, "USDT", amount)],
            OperationType::Repay => vec![(WALLET, "USDT", -amount), (DEBT, "debtUSDT", amount)],
            _ => Vec::new(),
        }
    }

    pub(super) fn tokens(op: OperationType) -> (&'static str, &'static str) {
        match op {
            OperationType::Supply => ("USDT", "aUSDT"),
            OperationType::Borrow => ("aUSDT", "USDT"),
            OperationType::Withdraw => ("aUSDT", "USDT"),
            OperationType::Repay => ("USDT", "debtUSDT"),
            _ => ("USDT", "USDT"),
        }
    }

    pub(super) fn apply(&mut self, deltas: &IndexMap<String, f64>) {
        for (key, amount) in deltas {
            match key.as_str() {
                ATOKEN => self.supplied = usdt(self.supplied + amount),
                WALLET => self.wallet = usdt(self.wallet + amount),
                // Debt positions are negative amounts: a repay is positive.
                DEBT => self.debt = usdt(self.debt - amount),
                _ => {}
            }
        }
    }

    pub(super) fn pay_gas(&mut self) -> f64 {
        let fee = usdt(self.rng.range(0.05, 0.60));
        self.wallet = usdt(self.wallet - fee);
        self.costs += fee;
        fee
    }

    pub(super) fn operation_event(&self, attempt: Attempt<'_>) -> OperationExecutionEvent {
        let Attempt {
            id,
            op,
            amount,
            status,
            actual,
            fee,
            duration_ms,
            error,
        } = attempt;
        let (source_token, target_token) = Self::tokens(op);
        OperationExecutionEvent {
            operation_id: id.to_owned(),
            operation_type: op,
            venue: VENUE.to_owned(),
            source_token: source_token.to_owned(),
            target_token: target_token.to_owned(),
            status,
            expected_deltas: Self::deltas(op, amount)
                .into_iter()
                .map(|(key, token, delta)| ExpectedDelta {
                    position_key: key.to_owned(),
                    delta_amount: delta,
                    token: token.to_owned(),
                    venue: VENUE.to_owned(),
                    operation_type: op,
                })
                .collect(),
            actual_deltas: actual,
            fee_amount: fee,
            fee_currency: "USDT".to_owned(),
            execution_duration_ms: duration_ms,
            simulated: true,
            error_code: error.map(|(code, _)| code),
            error_message: error.map(|(_, message)| message.to_owned()),
        }
    }

    pub(super) fn duration(&mut self) -> f64 {
        usdt(self.rng.range(80.0, 450.0)).round()
    }

    /// Executes one operation outside any group, then reconciles it.
    pub(super) fn single(&mut self, op: OperationType, amount: f64, fault: Fault) -> Result<()> {
        let id = self.next_operation_id(op);
        let mut retries = 0;
        let mut elapsed = 0.0;
        if fault == Fault::TransientTimeout {
            // The venue times out; the tight loop retries once.
            let fee = self.pay_gas();
            let message = format!("Venue timeout: {VENUE} did not confirm {id} within 30s");
            let event = self.operation_event(Attempt {
                id: &id,
                op,
                amount,
                status: OperationStatus::Failed,
                actual: IndexMap::new(),
                fee,
                duration_ms: VENUE_TIMEOUT_MS,
                error: Some((VENUE_TIMEOUT, &message)),
            });
            self.out.emit(self.now, event)?;
            self.stats.operations += 1;
            self.stats.failed_operations += 1;
            self.incident(VENUE_TIMEOUT, &message, Some(&id))?;
            self.health_check(
                &[(Component::VenueInterfaceManager, HealthStatus::Degraded)],
                "incident",
            )?;
            retries = 1;
            elapsed += VENUE_TIMEOUT_MS;
        }
        self.execute(Execution {
            id: &id,
            op,
            amount,
            fault,
            retries,
            elapsed,
            group: None,
        })?;
        self.snapshot("execution_manager", Some(&id))
    }

    /// Executes a confirmed operation (after `retries` failed attempts that
    /// took `elapsed` ms): the operation event, the deltas, the reconciliation
    /// and the tight loop event. Returns the tight loop's total duration.
    pub(super) fn execute(&mut self, execution: Execution<'_>) -> Result<f64> {
        let Execution {
            id,
            op,
            amount,
            fault,
            retries,
            elapsed,
            group,
        } = execution;
        let fee = self.pay_gas();
        let duration = self.duration();
        let mut actual: IndexMap<String, f64> = Self::deltas(op, amount)
            .into_iter()
            .map(|(key, _, delta)| (key.to_owned(), delta))
            .collect();
        if fault == Fault::ShortFill
            && let Some(first) = actual.values_mut().next()
        {
            // The venue rounds the minted aTokens down by a few units.
            *first = usdt(*first - 0.000002);
        }
        let event = self.operation_event(Attempt {
            id,
            op,
            amount,
            status: OperationStatus::Confirmed,
            actual: actual.clone(),
            fee,
            duration_ms: duration,
            error: None,
        });
        self.out.emit(self.now, event)?;
        self.stats.operations += 1;
        self.apply(&actual);
        let reconciled = fault != Fault::ShortFill;
        let delta_value: f64 = actual.values().map(|d| d.abs()).sum::<f64>() / 2.0;
        let mut link = vec![("operation_id", json!(id))];
        if let Some(group) = group {
            link.push(("atomic_group_id", json!(group)));
        }
        self.out.emit(
            self.now,
            ExecutionDeltaEvent {
                delta_type: "execution_deltas".to_owned(),
                trigger_source: "execution_manager".to_owned(),
                deltas_applied: actual.len() as u32,
                total_delta_value_usd: usdt(delta_value),
                metadata: meta(&link),
            },
        )?;
        let reconciliation_ms = usdt(self.rng.range(5.0, 40.0)).round();
        let mut reconciliation_meta = link.clone();
        if !reconciled {
            reconciliation_meta.push(("position_key", json!(ATOKEN)));
            reconciliation_meta.push(("expected", json!(amount)));
            reconciliation_meta.push(("actual", json!(usdt(amount - 0.000002))));
        }
        self.out.emit(
            self.now,
            ReconciliationEvent {
                reconciliation_type: "execution_deltas".to_owned(),
                trigger_source: "execution_manager".to_owned(),
                reconciliation_success: reconciled,
                expected_deltas_count: Self::deltas(op, amount).len() as u32,
                actual_deltas_count: actual.len() as u32,
                reconciliation_duration_ms: reconciliation_ms,
                metadata: meta(&reconciliation_meta),
            },
        )?;
        let total_ms = elapsed + duration + reconciliation_ms;
        self.out.emit(
            self.now,
            TightLoopExecutionEvent {
                operation_id: id.to_owned(),
                execution_success: true,
                reconciliation_success: reconciled,
                retry_count: retries,
                total_duration_ms: total_ms,
                execution_duration_ms: elapsed + duration,
                reconciliation_duration_ms: reconciliation_ms,
            },
        )?;
        self.out.log(
            Component::ExecutionManager,
            self.now,
            Level::Info,
            "Operation confirmed",
            fields(&[
                ("operation_id", json!(id)),
                ("operation_type", json!(op)),
                ("amount", json!(amount)),
                ("retry_count", json!(retries)),
            ]),
        )?;
        if !reconciled {
            let message = format!(
                "Position reconciliation mismatch after {id}: {ATOKEN} is 0.000002 below expected"
            );
            // The shortfall is a cost of execution.
            self.costs += 0.000002;
            self.incident(RECONCILIATION_MISMATCH, &message, Some(id))?;
            self.health_check(
                &[(Component::PositionMonitor, HealthStatus::Critical)],
                "incident",
            )?;
            // Positions are resynced from the venue, then reconcile.
            self.snapshot("position_update_handler", Some(id))?;
            self.out.emit(
                self.now,
                ReconciliationEvent {
                    reconciliation_type: "position_resync".to_owned(),
                    trigger_source: "position_monitor".to_owned(),
                    reconciliation_success: true,
                    expected_deltas_count: 1,
                    actual_deltas_count: 1,
                    reconciliation_duration_ms: usdt(self.rng.range(5.0, 40.0)).round(),
                    metadata: meta(&link),
                },
            )?;
        }
        Ok(total_ms)
    }

    pub(super) fn group(
        &mut self,
        first: OperationType,
        second: OperationType,
        amount: f64,
        fail_at: Option<usize>,
    ) -> Result<bool> {
        self.run_group(first, second, amount, fail_at, Fault::None)
    }

    pub(super) fn group_with_fault(
        &mut self,
        first: OperationType,
        second: OperationType,
        amount: f64,
        fault: Fault,
    ) -> Result<bool> {
        self.run_group(first, second, amount, None, fault)
    }

    /// Two operations executed atomically; when the one at `fail_at` is
    /// rejected, the ones before it are rolled back.
    pub(super) fn run_group(
        &mut self,
        first: OperationType,
        second: OperationType,
        amount: f64,
        fail_at: Option<usize>,
        fault: Fault,
    ) -> Result<bool> {
        self.group_counter += 1;
        let group_id = format!("group_{:03}", self.group_counter);
        let ops = [first, second];
        let ids: Vec<String> = ops.iter().map(|op| self.next_operation_id(*op)).collect();
        let mut confirmed: Vec<(String, OperationType)> = Vec::new();
        let mut total_ms = 0.0;
        let mut failed = false;
        for (i, (op, id)) in ops.iter().zip(&ids).enumerate() {
            if fail_at == Some(i) {
                let fee = self.pay_gas();
                let duration = self.duration();
                total_ms += duration;
                let message = format!(
                    "Order execution failed: {VENUE} rejected {id} ({} {amount} USDT): borrow cap reached",
                    op.as_str()
                );
                let event = self.operation_event(Attempt {
                    id,
                    op: *op,
                    amount,
                    status: OperationStatus::Failed,
                    actual: IndexMap::new(),
                    fee,
                    duration_ms: duration,
                    error: Some((ORDER_FAILED, &message)),
                });
                self.out.emit(self.now, event)?;
                self.out.emit(
                    self.now,
                    TightLoopExecutionEvent {
                        operation_id: id.clone(),
                        execution_success: false,
                        reconciliation_success: false,
                        retry_count: 0,
                        total_duration_ms: duration,
                        execution_duration_ms: duration,
                        reconciliation_duration_ms: 0.0,
                    },
                )?;
                self.stats.operations += 1;
                self.stats.failed_operations += 1;
                self.incident(ORDER_FAILED, &message, Some(id))?;
                failed = true;
                break;
            }
            let op_fault = if i == 0 { fault } else { Fault::None };
            total_ms += self.execute(Execution {
                id,
                op: *op,
                amount,
                fault: op_fault,
                retries: 0,
                elapsed: 0.0,
                group: Some(&group_id),
            })?;
            confirmed.push((id.clone(), *op));
        }
        if failed {
            // Undo what the group did, newest first.
            for (id, op) in confirmed.iter().rev() {
                let reverse: IndexMap<String, f64> = Self::deltas(*op, amount)
                    .into_iter()
                    .map(|(key, _, delta)| (key.to_owned(), -delta))
                    .collect();
                self.apply(&reverse);
                let duration = self.duration();
                total_ms += duration;
                let event = self.operation_event(Attempt {
                    id,
                    op: *op,
                    amount,
                    status: OperationStatus::RolledBack,
                    actual: reverse,
                    fee: 0.0,
                    duration_ms: duration,
                    error: None,
                });
                self.out.emit(self.now, event)?;
            }
            self.stats.rolled_back_groups += 1;
            self.health_check(
                &[(Component::ExecutionManager, HealthStatus::Degraded)],
                "incident",
            )?;
        }
        self.stats.atomic_groups += 1;
        self.out.emit(
            self.now,
            AtomicOperationGroupEvent {
                atomic_group_id: group_id.clone(),
                operation_ids: ids.clone(),
                operation_types: ops.to_vec(),
                all_succeeded: !failed,
                rollback_occurred: failed,
                total_duration_ms: total_ms,
            },
        )?;
        self.out.log(
            Component::ExecutionManager,
            self.now,
            if failed { Level::Warning } else { Level::Info },
            if failed {
                "Atomic group rolled back"
            } else {
                "Atomic group committed"
            },
            fields(&[
                ("atomic_group_id", json!(group_id)),
                ("operation_ids", json!(ids)),
            ]),
        )?;
        self.snapshot("execution_manager", Some(&group_id))?;
        Ok(!failed)
    }
}
