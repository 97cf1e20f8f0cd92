//! Helpers that measure execution and emit the ExecutionManager's events:
//! the atomic-group guard and the tight-loop timer.
//!
//! # Examples
//!
//! ```
//! use basis_events::DomainEventLogger;
//! use basis_events::catalog::OperationType;
//!
//! let dir = tempfile::tempdir()?;
//! let logger = DomainEventLogger::new(dir.path(), "abc123", 12345)?;
//!
//! let mut group = logger.atomic_group();
//! let supply = group.next_operation_id();
//! group.record(supply, OperationType::Supply);
//! let borrow = group.next_operation_id();
//! group.record(borrow, OperationType::Borrow);
//! group.commit()?; // AtomicOperationGroupEvent, all_succeeded: true
//!
//! let mut cycle = logger.tight_loop("supply_001");
//! cycle.execution_done(true);
//! cycle.reconciliation_done(true);
//! cycle.finish()?; // TightLoopExecutionEvent with the measured durations
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, Instant};

use crate::catalog::{AtomicOperationGroupEvent, OperationType, TightLoopExecutionEvent};
use crate::run_dir::generate_id;
use crate::{DomainEventLogger, LogError};

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

// === AtomicGroup ===

/// Operations executed atomically: all succeed, or all are rolled back
/// (the guide's "Atomic Group Pattern").
///
/// Emits one `AtomicOperationGroupEvent` when it ends: on
/// [`commit`](AtomicGroup::commit) with `all_succeeded: true`; on
/// [`rollback`](AtomicGroup::rollback), or when dropped without either (an
/// early return, `?`, a panic), with `all_succeeded: false` and
/// `rollback_occurred: true`. `total_duration_ms` runs from
/// [`DomainEventLogger::atomic_group`] to the end.
#[must_use = "an atomic group dropped without commit() is logged as rolled back"]
#[derive(Debug)]
pub struct AtomicGroup {
    logger: DomainEventLogger,
    id: String,
    operation_ids: Vec<String>,
    operation_types: Vec<OperationType>,
    started: Instant,
    ended: bool,
}

impl AtomicGroup {
    /// The group's id: generated (32 hex characters) or given.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id of the next operation, as the guide builds them:
    /// `{group id}_{n}`, counting from 1.
    pub fn next_operation_id(&self) -> String {
        format!("{}_{}", self.id, self.operation_ids.len() + 1)
    }

    /// Records an operation of the group, in execution order.
    pub fn record(&mut self, operation_id: impl Into<String>, operation_type: OperationType) {
        self.operation_ids.push(operation_id.into());
        self.operation_types.push(operation_type);
    }

    /// The operations recorded so far.
    pub fn operation_ids(&self) -> &[String] {
        &self.operation_ids
    }

    /// Every operation succeeded: emits the event with `all_succeeded: true`.
    pub fn commit(mut self) -> Result<(), LogError> {
        self.end(true)
    }

    /// The group failed and was rolled back: emits the event with
    /// `all_succeeded: false, rollback_occurred: true`.
    pub fn rollback(mut self) -> Result<(), LogError> {
        self.end(false)
    }

    fn end(&mut self, succeeded: bool) -> Result<(), LogError> {
        self.ended = true;
        self.logger.emit(AtomicOperationGroupEvent {
            atomic_group_id: std::mem::take(&mut self.id),
            operation_ids: std::mem::take(&mut self.operation_ids),
            operation_types: std::mem::take(&mut self.operation_types),
            all_succeeded: succeeded,
            rollback_occurred: !succeeded,
            total_duration_ms: millis(self.started.elapsed()),
        })
    }
}

impl Drop for AtomicGroup {
    fn drop(&mut self) {
        if !self.ended {
            // The error, if any, was counted and printed by the logger.
            let _ = self.end(false);
        }
    }
}

// === TightLoopTimer ===

/// Measures one tight-loop cycle (execute, then reconcile, with retries)
/// and emits `TightLoopExecutionEvent` with the measured durations.
///
/// `execution_duration_ms` runs from the start of the last attempt (the
/// timer's creation, or the last [`retry`](Self::retry)) to
/// [`execution_done`](Self::execution_done); `reconciliation_duration_ms`
/// from there to [`reconciliation_done`](Self::reconciliation_done);
/// `total_duration_ms` from the timer's creation to the end. A phase never
/// marked counts as failed, with a zero duration. Dropped without
/// [`finish`](Self::finish), the timer emits what it measured.
#[must_use = "a tight-loop timer emits its event when finished or dropped"]
#[derive(Debug)]
pub struct TightLoopTimer {
    logger: DomainEventLogger,
    operation_id: String,
    started: Instant,
    attempt_started: Instant,
    execution: Option<(bool, Duration)>,
    reconciliation: Option<(bool, Duration)>,
    retry_count: u32,
    ended: bool,
}

impl TightLoopTimer {
    /// The execution of this attempt ended.
    pub fn execution_done(&mut self, success: bool) {
        self.execution = Some((success, self.attempt_started.elapsed()));
    }

    /// The reconciliation of this attempt ended.
    pub fn reconciliation_done(&mut self, success: bool) {
        let execution = self.execution.map_or(Duration::ZERO, |(_, took)| took);
        let took = self.attempt_started.elapsed().saturating_sub(execution);
        self.reconciliation = Some((success, took));
    }

    /// A new attempt begins: the retry count goes up and the phase timers
    /// restart.
    pub fn retry(&mut self) {
        self.retry_count += 1;
        self.attempt_started = Instant::now();
        self.execution = None;
        self.reconciliation = None;
    }

    /// Emits the event.
    pub fn finish(mut self) -> Result<(), LogError> {
        self.end()
    }

    fn end(&mut self) -> Result<(), LogError> {
        self.ended = true;
        let (execution_success, execution) = self.execution.unwrap_or((false, Duration::ZERO));
        let (reconciliation_success, reconciliation) =
            self.reconciliation.unwrap_or((false, Duration::ZERO));
        self.logger.emit(TightLoopExecutionEvent {
            operation_id: std::mem::take(&mut self.operation_id),
            execution_success,
            reconciliation_success,
            retry_count: self.retry_count,
            total_duration_ms: millis(self.started.elapsed()),
            execution_duration_ms: millis(execution),
            reconciliation_duration_ms: millis(reconciliation),
        })
    }
}

impl Drop for TightLoopTimer {
    fn drop(&mut self) {
        if !self.ended {
            // The error, if any, was counted and printed by the logger.
            let _ = self.end();
        }
    }
}

// === constructors on the logger ===

impl DomainEventLogger {
    /// Starts an atomic group with a generated id (32 hex characters).
    pub fn atomic_group(&self) -> AtomicGroup {
        self.atomic_group_with_id(generate_id())
    }

    /// Starts an atomic group with the given id.
    pub fn atomic_group_with_id(&self, id: impl Into<String>) -> AtomicGroup {
        AtomicGroup {
            logger: self.clone(),
            id: id.into(),
            operation_ids: Vec::new(),
            operation_types: Vec::new(),
            started: Instant::now(),
            ended: false,
        }
    }

    /// Starts timing a tight-loop cycle of `operation_id`.
    pub fn tight_loop(&self, operation_id: impl Into<String>) -> TightLoopTimer {
        let now = Instant::now();
        TightLoopTimer {
            logger: self.clone(),
            operation_id: operation_id.into(),
            started: now,
            attempt_started: now,
            execution: None,
            reconciliation: None,
            retry_count: 0,
            ended: false,
        }
    }
}
