//! Operation attempts, reduced as they are read, in memory that does not
//! grow with the run.
//!
//! A gigabyte of `operation_executions.jsonl` is a million and a half
//! attempts; a row each held the report at half a gigabyte. What the page
//! and the summary show needs far less:
//!
//! - counts by type and status, and fees, summed as the attempts are read;
//! - the failed and rolled-back attempts whole (the summary lists every
//!   one, so they are kept: a run's *failures*, not its attempts);
//! - the attempts to draw, from a `TimeSampler` (`crate::downsample`);
//! - each operation's outcome, which needs all its attempts together: one
//!   small record per attempt (id, engine time, read order, type, status)
//!   goes to an external sort (`crate::external_sort`) and the sorted stream is walked once by
//!   [`Operations::finish`];
//! - exact duration quantiles, the same way: one record per attempt (type,
//!   duration) sorted, and the nearest ranks picked from the stream.
//!
//! The figures are those of the module docs of [`crate::digest`], computed
//! from the same order as before: an operation's attempts in engine time,
//! ties in read order.

use std::collections::BTreeMap;
use std::io;

use basis_events::catalog::{OperationStatus, OperationType};

use super::{OperationFigures, OperationRow, Time};
use crate::downsample::{Sample, TimeSampler};
use crate::external_sort::{ExternalSort, from_total_order_key, total_order_key};

/// Attempts kept whole for the durations chart while there are at most
/// this many: a small run's chart is drawn from every attempt.
const DRAWN_RETAIN_ALL: usize = 8_192;
/// Time buckets of the durations chart beyond that (two samples each).
const DRAWN_BUCKETS: usize = 2_048;

/// A failed or rolled-back attempt, with where it stands in its operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub row: OperationRow,
    /// Which attempt of its operation this was, from 1.
    pub attempt: u32,
    /// How many attempts the operation had in all.
    pub attempts: u32,
    /// The status of the operation's last attempt.
    pub outcome: OperationStatus,
}

/// Execution durations of one operation type, milliseconds: exact
/// nearest-rank quantiles over every attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationStats {
    pub operation_type: OperationType,
    pub count: u64,
    pub min: f64,
    pub median: f64,
    pub p95: f64,
    pub max: f64,
}

/// Every `OperationExecutionEvent` of a run, reduced (see the module docs).
#[derive(Debug)]
pub struct Operations {
    attempts: u64,
    by_type_status: BTreeMap<(OperationType, OperationStatus), u64>,
    /// Fee sums per type, per currency in the order first read.
    fees: BTreeMap<OperationType, Vec<(String, f64)>>,
    /// Failed and rolled-back attempts, in read order until `finish`
    /// annotates them in place and puts them in time order.
    incidents: Vec<Incident>,
    /// The read order of each of `incidents` (increasing), until `finish`.
    incident_orders: Vec<u64>,
    drawn: TimeSampler<OperationRow>,
    drawn_rows: Vec<OperationRow>,
    attempts_by_id: ExternalSort,
    durations: ExternalSort,
    /// The first failure of a temporary file, reported by `finish`.
    spill_error: Option<io::Error>,
    figures: OperationFigures,
    duration_stats: Vec<DurationStats>,
}

impl Default for Operations {
    fn default() -> Self {
        Operations::with_sorts(ExternalSort::default(), ExternalSort::default())
    }
}

impl Operations {
    fn with_sorts(attempts_by_id: ExternalSort, durations: ExternalSort) -> Self {
        Operations {
            attempts: 0,
            by_type_status: BTreeMap::new(),
            fees: BTreeMap::new(),
            incidents: Vec::new(),
            incident_orders: Vec::new(),
            drawn: TimeSampler::new(DRAWN_RETAIN_ALL, DRAWN_BUCKETS),
            drawn_rows: Vec::new(),
            attempts_by_id,
            durations,
            spill_error: None,
            figures: OperationFigures::default(),
            duration_stats: Vec::new(),
        }
    }
}

/// Orders times as their bytes: seconds with the sign bit flipped, then
/// nanoseconds, both big-endian.
fn time_key(time: Time) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&((time.timestamp() as u64) ^ 1 << 63).to_be_bytes());
    key[8..].copy_from_slice(&time.timestamp_subsec_nanos().to_be_bytes());
    key
}

fn type_code(operation_type: OperationType) -> u8 {
    OperationType::ALL
        .iter()
        .position(|t| *t == operation_type)
        .unwrap_or(0) as u8
}

fn status_code(status: OperationStatus) -> u8 {
    OperationStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or(0) as u8
}

fn type_of(code: u8) -> OperationType {
    OperationType::ALL[usize::from(code).min(OperationType::ALL.len() - 1)]
}

fn status_of(code: u8) -> OperationStatus {
    OperationStatus::ALL[usize::from(code).min(OperationStatus::ALL.len() - 1)]
}

/// Whether an attempt of this status is listed whole.
fn is_incident(status: OperationStatus) -> bool {
    matches!(
        status,
        OperationStatus::Failed | OperationStatus::RolledBack
    )
}

/// One attempt's record in the sort by operation: the id (length first, so
/// equal ids group whatever their bytes), engine time, read order, type
/// and status.
fn attempt_record(record: &mut Vec<u8>, row: &OperationRow, order: u64) {
    record.clear();
    record.extend_from_slice(&(row.operation_id.len() as u32).to_be_bytes());
    record.extend_from_slice(row.operation_id.as_bytes());
    record.extend_from_slice(&time_key(row.time));
    record.extend_from_slice(&order.to_be_bytes());
    record.push(type_code(row.operation_type));
    record.push(status_code(row.status));
}

/// The parts of an [`attempt_record`] `finish` needs back.
struct AttemptKey<'a> {
    id: &'a [u8],
    order: u64,
    operation_type: OperationType,
    status: OperationStatus,
}

fn read_attempt(record: &[u8]) -> io::Result<AttemptKey<'_>> {
    let corrupt = || io::Error::other("a sorted operation record is cut short");
    let len = u32::from_be_bytes(
        record
            .get(..4)
            .ok_or_else(corrupt)?
            .try_into()
            .map_err(|_| corrupt())?,
    ) as usize;
    let rest = record.get(4..).ok_or_else(corrupt)?;
    if rest.len() != len + 12 + 8 + 2 {
        return Err(corrupt());
    }
    let (id, rest) = rest.split_at(len);
    let order = u64::from_be_bytes(rest[12..20].try_into().map_err(|_| corrupt())?);
    Ok(AttemptKey {
        id,
        order,
        operation_type: type_of(rest[20]),
        status: status_of(rest[21]),
    })
}

impl Operations {
    /// Takes one attempt into account.
    pub fn push(&mut self, row: OperationRow) {
        let order = self.attempts;
        self.attempts += 1;
        *self
            .by_type_status
            .entry((row.operation_type, row.status))
            .or_default() += 1;
        if row.fee_amount != 0.0 {
            let sums = self.fees.entry(row.operation_type).or_default();
            match sums
                .iter_mut()
                .find(|(currency, _)| *currency == row.fee_currency)
            {
                Some((_, sum)) => *sum += row.fee_amount,
                None => sums.push((row.fee_currency.clone(), row.fee_amount)),
            }
        }
        if self.spill_error.is_none() {
            let mut record = Vec::with_capacity(row.operation_id.len() + 26);
            attempt_record(&mut record, &row, order);
            let mut duration = [0u8; 9];
            duration[0] = type_code(row.operation_type);
            duration[1..].copy_from_slice(&total_order_key(row.execution_duration_ms));
            if let Err(err) = self
                .attempts_by_id
                .push(&record)
                .and_then(|()| self.durations.push(&duration))
            {
                self.spill_error = Some(err);
            }
        }
        if is_incident(row.status) {
            self.incident_orders.push(order);
            self.incidents.push(Incident {
                row: row.clone(),
                attempt: 1,
                attempts: 1,
                outcome: row.status,
            });
        }
        self.drawn.push(Sample {
            time: row.time,
            order,
            value: row.execution_duration_ms,
            item: row,
        });
    }

    /// Attempts read: every `OperationExecutionEvent` line.
    pub fn attempts(&self) -> u64 {
        self.attempts
    }

    /// Attempts of `operation_type` with `status`.
    pub fn count(&self, operation_type: OperationType, status: OperationStatus) -> u64 {
        self.by_type_status
            .get(&(operation_type, status))
            .copied()
            .unwrap_or(0)
    }

    /// Attempts with `status`, of any type.
    pub fn count_status(&self, status: OperationStatus) -> u64 {
        OperationType::ALL
            .iter()
            .map(|&t| self.count(t, status))
            .sum()
    }

    /// Attempts of `operation_type`, of any status.
    pub fn count_type(&self, operation_type: OperationType) -> u64 {
        OperationStatus::ALL
            .iter()
            .map(|&s| self.count(operation_type, s))
            .sum()
    }

    /// Nonzero fees of `operation_type`'s attempts, summed per currency in
    /// the order the currencies were first read.
    pub fn fees(&self, operation_type: OperationType) -> &[(String, f64)] {
        self.fees.get(&operation_type).map_or(&[], Vec::as_slice)
    }

    /// Operations, attempts and outcomes; complete after `finish`.
    pub fn figures(&self) -> &OperationFigures {
        &self.figures
    }

    /// Every failed and rolled-back attempt, in engine-time order (ties in
    /// read order), with its operation's attempts and outcome; after `finish`.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    /// The attempts worth drawing, in engine-time order: every attempt of
    /// a small run, else each time bucket's fastest and slowest and the
    /// first and last; after `finish`.
    pub fn drawn(&self) -> &[OperationRow] {
        &self.drawn_rows
    }

    /// Exact duration figures per operation type, in the guide's order of
    /// types, for the types with attempts; after `finish`.
    pub fn duration_stats(&self) -> &[DurationStats] {
        &self.duration_stats
    }

    /// Groups the attempts by operation and orders the durations; call once,
    /// after the last attempt.
    ///
    /// # Errors
    ///
    /// A temporary file of the sorts that could not be written or read back.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        if let Some(err) = self.spill_error.take() {
            return Err(err);
        }
        self.drawn_rows = std::mem::replace(
            &mut self.drawn,
            TimeSampler::new(DRAWN_RETAIN_ALL, DRAWN_BUCKETS),
        )
        .into_samples()
        .into_iter()
        .map(|sample| sample.item)
        .collect();
        self.outcomes()?;
        self.duration_stats = self.quantiles()?;
        // Read order is increasing along the list, so a stable sort by time
        // orders by (time, read order).
        self.incident_orders = Vec::new();
        self.incidents.sort_by_key(|incident| incident.row.time);
        for status in OperationStatus::ALL {
            let count = self.count_status(*status);
            if count > 0 {
                self.figures
                    .attempts_by_status
                    .insert(status.as_str().to_owned(), count);
            }
        }
        self.figures.attempts = self.attempts;
        Ok(())
    }

    /// Walks the attempts grouped by operation, each group in engine-time
    /// order: counts operations, retries and outcomes into the figures, and
    /// gives each incident its attempt number, its operation's attempts and
    /// outcome.
    fn outcomes(&mut self) -> io::Result<()> {
        let sort = std::mem::take(&mut self.attempts_by_id);
        let mut group = Group::default();
        let figures = &mut self.figures;
        let mut annotations = Annotations {
            incidents: &mut self.incidents,
            orders: &self.incident_orders,
        };
        sort.merge::<io::Error>(|record| {
            let attempt = read_attempt(record)?;
            if !group.open || group.id != attempt.id {
                group.close(figures, &mut annotations);
                group.open(&attempt);
            }
            group.attempts += 1;
            group.outcome = Some(attempt.status);
            if is_incident(attempt.status) {
                group.incidents.push((attempt.order, group.attempts));
            }
            Ok(())
        })?;
        group.close(figures, &mut annotations);
        Ok(())
    }

    /// The min, nearest-rank median and p95, and max of each type's
    /// durations, from the sorted stream.
    fn quantiles(&mut self) -> io::Result<Vec<DurationStats>> {
        let sort = std::mem::take(&mut self.durations);
        let mut stats: Vec<DurationStats> = Vec::new();
        let mut rank = 0u64;
        let counts: Vec<u64> = OperationType::ALL
            .iter()
            .map(|&t| self.count_type(t))
            .collect();
        let nearest = |q: f64, n: u64| ((q * n as f64).ceil() as u64).clamp(1, n);
        sort.merge::<io::Error>(|record| {
            let corrupt = || io::Error::other("a sorted duration record is cut short");
            let code = *record.first().ok_or_else(corrupt)?;
            let value = from_total_order_key(
                record
                    .get(1..9)
                    .ok_or_else(corrupt)?
                    .try_into()
                    .map_err(|_| corrupt())?,
            );
            let operation_type = type_of(code);
            // `type_of` reads a corrupt code as a valid type: in range.
            let n = counts[usize::from(type_code(operation_type))];
            if stats
                .last()
                .is_none_or(|s| s.operation_type != operation_type)
            {
                rank = 0;
                stats.push(DurationStats {
                    operation_type,
                    count: n,
                    min: value,
                    median: value,
                    p95: value,
                    max: value,
                });
            }
            rank += 1;
            let current = stats.last_mut().ok_or_else(corrupt)?;
            if rank == nearest(0.5, n) {
                current.median = value;
            }
            if rank == nearest(0.95, n) {
                current.p95 = value;
            }
            current.max = value;
            Ok(())
        })?;
        Ok(stats)
    }
}

/// The incidents, to be told where each stands in its operation.
struct Annotations<'a> {
    incidents: &'a mut [Incident],
    /// The read order of each incident, increasing.
    orders: &'a [u64],
}

impl Annotations<'_> {
    fn annotate(&mut self, order: u64, attempt: u32, attempts: u32, outcome: OperationStatus) {
        if let Ok(index) = self.orders.binary_search(&order) {
            let incident = &mut self.incidents[index];
            incident.attempt = attempt;
            incident.attempts = attempts;
            incident.outcome = outcome;
        }
    }
}

/// The attempts of one operation, as the sorted stream gives them.
#[derive(Default)]
struct Group {
    id: Vec<u8>,
    open: bool,
    operation_type: Option<OperationType>,
    attempts: u32,
    outcome: Option<OperationStatus>,
    /// `(read order, attempt number)` of its failed and rolled-back attempts.
    incidents: Vec<(u64, u32)>,
}

impl Group {
    fn open(&mut self, first: &AttemptKey<'_>) {
        self.id.clear();
        self.id.extend_from_slice(first.id);
        self.open = true;
        self.operation_type = Some(first.operation_type);
        self.attempts = 0;
        self.outcome = None;
        self.incidents.clear();
    }

    fn close(&mut self, figures: &mut OperationFigures, annotations: &mut Annotations<'_>) {
        if !self.open {
            return;
        }
        self.open = false;
        let (Some(operation_type), Some(outcome)) = (self.operation_type, self.outcome) else {
            return;
        };
        figures.operations += 1;
        if self.attempts > 1 {
            figures.retried += 1;
        }
        *figures
            .by_outcome
            .entry(outcome.as_str().to_owned())
            .or_default() += 1;
        *figures
            .by_type
            .entry(operation_type.as_str().to_owned())
            .or_default()
            .entry(outcome.as_str().to_owned())
            .or_default() += 1;
        for &(order, attempt) in &self.incidents {
            annotations.annotate(order, attempt, self.attempts, outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::{Duration, TimeZone, Utc};
    use proptest::prelude::*;

    use super::*;

    /// The figures as the digest defined them on the whole list: attempts
    /// sorted by engine time (stable), outcomes by operation, failures with
    /// their attempt numbers, quantiles of the sorted durations.
    struct Oracle {
        figures: OperationFigures,
        incidents: Vec<Incident>,
        stats: Vec<DurationStats>,
    }

    fn quantile(sorted: &[f64], q: f64) -> f64 {
        let rank = (q * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    fn oracle(rows: &[OperationRow]) -> Oracle {
        let mut sorted = rows.to_vec();
        sorted.sort_by_key(|row| row.time);
        let mut outcomes: HashMap<&str, (OperationType, u32, OperationStatus)> = HashMap::new();
        for row in &sorted {
            outcomes
                .entry(row.operation_id.as_str())
                .and_modify(|o| {
                    o.1 += 1;
                    o.2 = row.status;
                })
                .or_insert((row.operation_type, 1, row.status));
        }
        let mut figures = OperationFigures {
            attempts: rows.len() as u64,
            ..OperationFigures::default()
        };
        for row in &sorted {
            *figures
                .attempts_by_status
                .entry(row.status.as_str().to_owned())
                .or_default() += 1;
        }
        for (operation_type, attempts, outcome) in outcomes.values() {
            figures.operations += 1;
            if *attempts > 1 {
                figures.retried += 1;
            }
            *figures
                .by_outcome
                .entry(outcome.as_str().to_owned())
                .or_default() += 1;
            *figures
                .by_type
                .entry(operation_type.as_str().to_owned())
                .or_default()
                .entry(outcome.as_str().to_owned())
                .or_default() += 1;
        }
        let mut attempt_of: HashMap<&str, u32> = HashMap::new();
        let mut incidents = Vec::new();
        for row in &sorted {
            let attempt = attempt_of.entry(row.operation_id.as_str()).or_insert(0);
            *attempt += 1;
            if is_incident(row.status) {
                let (_, attempts, outcome) = outcomes[row.operation_id.as_str()];
                incidents.push(Incident {
                    row: row.clone(),
                    attempt: *attempt,
                    attempts,
                    outcome,
                });
            }
        }
        let mut stats = Vec::new();
        for &operation_type in OperationType::ALL {
            let mut values: Vec<f64> = rows
                .iter()
                .filter(|row| row.operation_type == operation_type)
                .map(|row| row.execution_duration_ms)
                .collect();
            if values.is_empty() {
                continue;
            }
            values.sort_by(f64::total_cmp);
            stats.push(DurationStats {
                operation_type,
                count: values.len() as u64,
                min: values[0],
                median: quantile(&values, 0.5),
                p95: quantile(&values, 0.95),
                max: values[values.len() - 1],
            });
        }
        Oracle {
            figures,
            incidents,
            stats,
        }
    }

    fn row(id: u8, second: i64, kind: u8, status: u8, duration: f64) -> OperationRow {
        OperationRow {
            time: Utc.timestamp_opt(1_736_935_200, 0).unwrap() + Duration::seconds(second),
            operation_id: format!("op_{id}"),
            operation_type: type_of(kind % OperationType::ALL.len() as u8),
            status: status_of(status % OperationStatus::ALL.len() as u8),
            venue: "aave_v3".to_owned(),
            execution_duration_ms: duration,
            fee_amount: 0.5,
            fee_currency: if id.is_multiple_of(2) { "USDT" } else { "ETH" }.to_owned(),
            error_code: (status % 4 == 1).then(|| "EXEC-001".to_owned()),
            error_message: None,
        }
    }

    fn streamed(rows: &[OperationRow], arena_limit: usize) -> Operations {
        let mut operations = Operations::with_sorts(
            ExternalSort::with_arena_limit(arena_limit),
            ExternalSort::with_arena_limit(arena_limit),
        );
        for row in rows {
            operations.push(row.clone());
        }
        operations.finish().unwrap();
        operations
    }

    #[test]
    fn time_keys_order_times_across_the_epoch() {
        let times = [
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap() + Duration::milliseconds(500),
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2025, 1, 15, 10, 30, 0).unwrap(),
        ];
        for pair in times.windows(2) {
            assert!(time_key(pair[0]) < time_key(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn codes_round_trip_and_a_code_out_of_range_reads_as_the_last() {
        for &operation_type in OperationType::ALL {
            assert_eq!(type_of(type_code(operation_type)), operation_type);
        }
        for &status in OperationStatus::ALL {
            assert_eq!(status_of(status_code(status)), status);
        }
        assert_eq!(type_of(u8::MAX), *OperationType::ALL.last().unwrap());
        assert_eq!(status_of(u8::MAX), *OperationStatus::ALL.last().unwrap());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the order the attempts arrive in (processes read one
        /// after the other, retries out of time order, equal times) and
        /// however many runs the sorts spill, the streamed figures are the
        /// whole list's.
        #[test]
        fn streamed_figures_are_those_of_the_whole_list(
            attempts in proptest::collection::vec(
                (0u8..12, 0i64..40, 0u8..8, 0u8..8, prop_oneof![Just(5.0), Just(250.5), 0.0f64..1_000.0]),
                0..200,
            ),
            arena_limit in prop_oneof![Just(48usize), Just(300), Just(1 << 20)],
        ) {
            let rows: Vec<OperationRow> = attempts
                .iter()
                .map(|&(id, second, kind, status, duration)| row(id, second, kind, status, duration))
                .collect();
            let expected = oracle(&rows);
            let operations = streamed(&rows, arena_limit);
            prop_assert_eq!(operations.figures(), &expected.figures);
            prop_assert_eq!(operations.incidents(), expected.incidents.as_slice());
            prop_assert_eq!(operations.duration_stats(), expected.stats.as_slice());
            prop_assert_eq!(operations.attempts(), rows.len() as u64);
            for &t in OperationType::ALL {
                for &s in OperationStatus::ALL {
                    let n = rows.iter().filter(|r| r.operation_type == t && r.status == s).count();
                    prop_assert_eq!(operations.count(t, s), n as u64);
                }
            }
            // A small run draws every attempt, in time order (stable).
            let mut in_time = rows.clone();
            in_time.sort_by_key(|row| row.time);
            prop_assert_eq!(operations.drawn(), in_time.as_slice());
        }
    }

    #[test]
    fn a_retry_that_confirmed_makes_the_failure_attempt_one_of_two() {
        let rows = [
            row(1, 0, 0, 1, 10.0), // op_1 failed
            row(2, 1, 0, 0, 10.0), // op_2 confirmed
            row(1, 2, 0, 0, 12.0), // op_1 confirmed on retry
        ];
        assert_eq!(status_of(1), OperationStatus::Failed);
        assert_eq!(status_of(0), OperationStatus::Confirmed);
        let operations = streamed(&rows, 32);
        let figures = operations.figures();
        assert_eq!(
            (figures.operations, figures.attempts, figures.retried),
            (2, 3, 1)
        );
        assert_eq!(figures.by_outcome.get("confirmed"), Some(&2));
        let [incident] = operations.incidents() else {
            panic!("{:?}", operations.incidents());
        };
        assert_eq!(
            (incident.attempt, incident.attempts, incident.outcome),
            (1, 2, OperationStatus::Confirmed)
        );
    }

    #[test]
    fn fees_are_summed_per_type_and_currency_in_the_order_first_read() {
        let operations = streamed(
            &[
                row(2, 0, 0, 0, 1.0),
                row(1, 1, 0, 0, 1.0),
                row(4, 2, 0, 0, 1.0),
            ],
            1 << 20,
        );
        assert_eq!(
            operations.fees(type_of(0)),
            &[("USDT".to_owned(), 1.0), ("ETH".to_owned(), 0.5)]
        );
        assert!(operations.fees(type_of(1)).is_empty());
    }

    #[test]
    fn a_long_run_draws_a_bounded_sample_with_its_extremes() {
        let rows: Vec<OperationRow> = (0..(DRAWN_RETAIN_ALL as i64 * 3))
            .map(|i| {
                row(
                    (i % 200) as u8,
                    i,
                    0,
                    0,
                    if i == 10_000 { 9_999.0 } else { 1.0 },
                )
            })
            .collect();
        let operations = streamed(&rows, 1 << 20);
        let drawn = operations.drawn();
        assert!(drawn.len() <= 2 * DRAWN_BUCKETS + 2, "{}", drawn.len());
        assert!(drawn.iter().any(|r| r.execution_duration_ms == 9_999.0));
        assert_eq!(drawn.first().map(|r| r.time), rows.first().map(|r| r.time));
        assert_eq!(drawn.last().map(|r| r.time), rows.last().map(|r| r.time));
    }

    #[test]
    fn a_temporary_file_that_cannot_be_created_is_reported_by_finish() {
        let missing = std::env::temp_dir().join("basis-report-no-such-dir/deeper");
        let mut operations = Operations::with_sorts(
            ExternalSort::with_arena_limit(16).in_dir(&missing),
            ExternalSort::with_arena_limit(16).in_dir(&missing),
        );
        for i in 0..10 {
            operations.push(row(i, 0, 0, 0, 1.0));
        }
        assert_eq!(operations.attempts(), 10, "reading goes on");
        let err = operations.finish().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    }
}
