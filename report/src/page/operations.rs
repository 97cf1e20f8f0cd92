//! Operations (OperationExecutionEvent, TightLoopExecutionEvent,
//! AtomicOperationGroupEvent): counts by type and status, execution durations
//! with failures and retries marked, atomic groups and rollbacks.

use basis_events::DomainEvent;
use basis_events::catalog::{
    AtomicOperationGroupEvent, OperationExecutionEvent, OperationStatus, OperationType,
    TightLoopExecutionEvent,
};
use maud::{Markup, html};
use plotters::style::RGBColor;

use super::Page;
use super::figure::{Figure, Table, absence, sampling_note};
use crate::ChartStatus;
use crate::chart::{BarChart, Marker, Shape, Stack, TimeChart, bar_chart, palette, time_chart};
use crate::digest::{OperationRow, Time};
use crate::downsample::{min_max_indices, spread};
use crate::error::ReportError;
use crate::format;

pub(crate) fn section(
    page: &Page<'_>,
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let counts = counts(page, statuses)?;
    let durations = durations(page, statuses)?;
    let groups = atomic_groups(page, statuses)?;
    let data = page.data();
    Ok(html! {
        section #operations aria-labelledby="operations-h" {
            h2 #operations-h { "Operations" }
            p.note {
                (format::count(data.operations.len(), "operation")) ", "
                (format::count(data.tight_loops.len(), "tight-loop cycle")) ", "
                (format::count(data.atomic_groups.len(), "atomic group")) ", "
                (format::count(data.strategy_decisions as usize, "strategy decision")) ", "
                (format::count(data.reconciliations as usize, "reconciliation"))
                " (" (data.reconciliation_failures) " failed), "
                (format::count(data.execution_deltas as usize, "execution delta application")) "."
            }
            (counts)
            (durations)
            (groups)
        }
    })
}

fn status_color(status: OperationStatus) -> RGBColor {
    match status {
        OperationStatus::Confirmed => palette::GREEN,
        OperationStatus::Failed => palette::VERMILLION,
        OperationStatus::Pending => palette::ORANGE,
        OperationStatus::RolledBack => palette::PURPLE,
    }
}

/// Fees per currency, in the order first seen: `0.50 USDT; 0.0010 ETH`.
fn fees<'a>(ops: impl Iterator<Item = &'a OperationRow>) -> String {
    let mut sums: Vec<(&str, f64)> = Vec::new();
    for op in ops.filter(|op| op.fee_amount != 0.0) {
        match sums
            .iter_mut()
            .find(|(currency, _)| *currency == op.fee_currency)
        {
            Some((_, sum)) => *sum += op.fee_amount,
            None => sums.push((&op.fee_currency, op.fee_amount)),
        }
    }
    if sums.is_empty() {
        return "0".to_owned();
    }
    sums.iter()
        .map(|(currency, sum)| format!("{} {currency}", format::cell(*sum, 4)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn counts(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let ops = &page.data().operations;
    let types: Vec<OperationType> = OperationType::ALL
        .iter()
        .copied()
        .filter(|t| ops.iter().any(|op| op.operation_type == *t))
        .collect();
    let count = |t: OperationType, s: OperationStatus| {
        ops.iter()
            .filter(|op| op.operation_type == t && op.status == s)
            .count()
    };
    let chart = BarChart {
        id: "chart-operations",
        title: "Operations by type and status",
        desc: format!(
            "{} operations by type, each bar split by status: {}.",
            ops.len(),
            OperationStatus::ALL
                .iter()
                .map(|s| format!("{} {s}", ops.iter().filter(|op| op.status == *s).count()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        value_label: "operations",
        categories: types.iter().map(ToString::to_string).collect(),
        stacks: OperationStatus::ALL
            .iter()
            .map(|&s| Stack {
                name: s.to_string(),
                color: status_color(s),
                values: types.iter().map(|&t| count(t, s) as f64).collect(),
            })
            .collect(),
    };
    let mut table = Table::new(
        "Operations per type and status, with fees (OperationExecutionEvent)",
        ["operation_type".to_owned()]
            .into_iter()
            .chain(OperationStatus::ALL.iter().map(ToString::to_string))
            .chain(["total".to_owned(), "fees".to_owned()]),
    );
    table.rows = types
        .iter()
        .map(|&t| {
            let mut row = vec![t.to_string()];
            row.extend(
                OperationStatus::ALL
                    .iter()
                    .map(|&s| count(t, s).to_string()),
            );
            let of_type = || ops.iter().filter(move |op| op.operation_type == t);
            row.push(of_type().count().to_string());
            row.push(fees(of_type()));
            row
        })
        .collect();
    Ok(Figure {
        id: chart.id,
        title: chart.title,
        note: None,
        svg: bar_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(
            page.sources(),
            OperationExecutionEvent::NAME,
            OperationExecutionEvent::FILE,
        ),
        statuses,
    }
    .markup())
}

/// The `q` quantile of sorted `values`, by the nearest-rank method.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn durations(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let data = page.data();
    let ops = &data.operations;
    let max = page.options.max_points;
    let duration: Vec<f64> = ops.iter().map(|op| op.execution_duration_ms).collect();
    let sampled = min_max_indices(&duration, page.buckets());
    let with_status = |status: OperationStatus| -> Vec<usize> {
        let all: Vec<usize> = (0..ops.len())
            .filter(|&i| ops[i].status == status)
            .collect();
        spread(&all, max)
    };
    let failed = with_status(OperationStatus::Failed);
    let rolled_back = with_status(OperationStatus::RolledBack);
    let retried_all: Vec<usize> = (0..data.tight_loops.len())
        .filter(|&i| data.tight_loops[i].retry_count > 0)
        .collect();
    let retried = spread(&retried_all, max);
    let op_points = |indices: &[usize]| -> Vec<(Time, f64)> {
        indices
            .iter()
            .map(|&i| (ops[i].time, duration[i]))
            .collect()
    };
    let chart = TimeChart {
        id: "chart-durations",
        title: "Execution durations, with failures and retries",
        desc: format!(
            "Execution duration in milliseconds of each operation over engine time; {} failed and \
             {} rolled-back operations are marked with crosses and {} retried tight-loop cycles with triangles.",
            failed.len(),
            rolled_back.len(),
            retried.len()
        ),
        y_label: "milliseconds",
        series: Vec::new(),
        markers: vec![
            Marker {
                name: "operation".to_owned(),
                color: palette::GREY,
                shape: Shape::Dot,
                points: op_points(&sampled),
            },
            Marker {
                name: "failed".to_owned(),
                color: palette::VERMILLION,
                shape: Shape::Cross,
                points: op_points(&failed),
            },
            Marker {
                name: "rolled back".to_owned(),
                color: palette::PURPLE,
                shape: Shape::Cross,
                points: op_points(&rolled_back),
            },
            Marker {
                name: "retried (tight loop, total duration)".to_owned(),
                color: palette::ORANGE,
                shape: Shape::Triangle,
                points: retried
                    .iter()
                    .map(|&i| {
                        let cycle = &data.tight_loops[i];
                        (cycle.time, cycle.total_duration_ms)
                    })
                    .collect(),
            },
        ],
        y_range: None,
        zero_based: true,
        log_if_wide: true,
    };

    // The chart's numbers: every marked event, then the sampled operations.
    let mut table = Table::new(
        "Failures, rollbacks and retries, then the operations drawn",
        [
            "engine time (UTC)",
            "what",
            "operation_id",
            "operation_type",
            "duration (ms)",
            "retry_count",
            "error_code",
        ],
    );
    let op_row = |i: usize, what: &str| {
        let op = &ops[i];
        vec![
            format::time(op.time),
            what.to_owned(),
            op.operation_id.clone(),
            op.operation_type.to_string(),
            format::cell(op.execution_duration_ms, 1),
            String::new(),
            op.error_code.clone().unwrap_or_default(),
        ]
    };
    let mut marked: Vec<(Time, Vec<String>)> = Vec::new();
    marked.extend(failed.iter().map(|&i| (ops[i].time, op_row(i, "failed"))));
    marked.extend(
        rolled_back
            .iter()
            .map(|&i| (ops[i].time, op_row(i, "rolled back"))),
    );
    marked.extend(retried.iter().map(|&i| {
        let cycle = &data.tight_loops[i];
        (
            cycle.time,
            vec![
                format::time(cycle.time),
                "retried".to_owned(),
                cycle.operation_id.clone(),
                String::new(),
                format::cell(cycle.total_duration_ms, 1),
                cycle.retry_count.to_string(),
                String::new(),
            ],
        )
    }));
    marked.sort_by_key(|(time, _)| *time);
    table.rows = marked.into_iter().map(|(_, row)| row).collect();
    table
        .rows
        .extend(sampled.iter().map(|&i| op_row(i, "operation")));

    let mut stats = Table::new(
        "Execution duration by operation type, milliseconds",
        ["operation_type", "count", "min", "median", "p95", "max"],
    );
    for t in OperationType::ALL {
        let mut values: Vec<f64> = ops
            .iter()
            .filter(|op| op.operation_type == *t)
            .map(|op| op.execution_duration_ms)
            .collect();
        if values.is_empty() {
            continue;
        }
        values.sort_by(f64::total_cmp);
        stats.rows.push(vec![
            t.to_string(),
            values.len().to_string(),
            format::cell(values[0], 1),
            format::cell(quantile(&values, 0.5), 1),
            format::cell(quantile(&values, 0.95), 1),
            format::cell(values[values.len() - 1], 1),
        ]);
    }

    let absent = if data.tight_loops.is_empty() {
        absence(
            page.sources(),
            OperationExecutionEvent::NAME,
            OperationExecutionEvent::FILE,
        )
    } else {
        String::new()
    };
    let absent = format!(
        "{absent} {}",
        absence(
            page.sources(),
            TightLoopExecutionEvent::NAME,
            TightLoopExecutionEvent::FILE
        )
    );
    let mut note = sampling_note(sampled.len(), ops.len(), "operations");
    note.push_str(&format!(
        " {} failed, {} rolled back, {} retried.",
        ops.iter()
            .filter(|op| op.status == OperationStatus::Failed)
            .count(),
        ops.iter()
            .filter(|op| op.status == OperationStatus::RolledBack)
            .count(),
        format::count(retried_all.len(), "tight-loop cycle")
    ));
    if chart.is_log() {
        note.push_str(" Logarithmic axis: the durations span more than twentyfold.");
    }
    let figure = Figure {
        id: chart.id,
        title: chart.title,
        note: Some(note),
        svg: time_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absent.trim().to_owned(),
        statuses,
    }
    .markup();
    Ok(html! {
        (figure)
        @if !stats.rows.is_empty() {
            h4 { "Execution duration by operation type" }
            (stats.markup())
        }
    })
}

fn atomic_groups(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let groups = &page.data().atomic_groups;
    let outcomes = [
        (
            "all succeeded",
            groups.iter().filter(|g| g.all_succeeded).count(),
        ),
        (
            "rolled back",
            groups.iter().filter(|g| g.rollback_occurred).count(),
        ),
        (
            "failed, not rolled back",
            groups
                .iter()
                .filter(|g| !g.all_succeeded && !g.rollback_occurred)
                .count(),
        ),
    ];
    let chart = BarChart {
        id: "chart-atomic-groups",
        title: "Atomic groups and rollbacks",
        desc: format!(
            "{} atomic groups: {}.",
            groups.len(),
            outcomes
                .iter()
                .map(|(name, n)| format!("{n} {name}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        value_label: "atomic groups",
        categories: outcomes
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect(),
        stacks: vec![Stack {
            name: "groups".to_owned(),
            color: palette::BLUE,
            values: outcomes.iter().map(|(_, n)| *n as f64).collect(),
        }],
    };
    let mut table = Table::new("Atomic groups by outcome", ["outcome", "groups"]);
    table.rows = outcomes
        .iter()
        .map(|(name, n)| vec![(*name).to_owned(), n.to_string()])
        .collect();

    // Rolled back and failed groups first: they are the ones to look at.
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&i| (groups[i].all_succeeded, groups[i].time));
    let listed = order.len().min(page.options.max_rows);
    let mut list = Table::new(
        "Atomic groups, rolled back and failed first, then by engine time",
        [
            "engine time (UTC)",
            "atomic_group_id",
            "operations",
            "all_succeeded",
            "rollback_occurred",
            "total_duration_ms",
        ],
    );
    list.rows = order[..listed]
        .iter()
        .map(|&i| {
            let g = &groups[i];
            vec![
                format::time(g.time),
                g.atomic_group_id.clone(),
                g.operation_ids
                    .iter()
                    .zip(
                        g.operation_types
                            .iter()
                            .map(Some)
                            .chain(std::iter::repeat(None)),
                    )
                    .map(|(id, t)| match t {
                        Some(t) => format!("{id} ({t})"),
                        None => id.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                g.all_succeeded.to_string(),
                g.rollback_occurred.to_string(),
                format::cell(g.total_duration_ms, 1),
            ]
        })
        .collect();
    if listed < groups.len() {
        list.note = Some(format!("{listed} of {} groups are listed.", groups.len()));
    }
    let figure = Figure {
        id: chart.id,
        title: chart.title,
        note: None,
        svg: bar_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(
            page.sources(),
            AtomicOperationGroupEvent::NAME,
            AtomicOperationGroupEvent::FILE,
        ),
        statuses,
    }
    .markup();
    Ok(html! {
        (figure)
        @if !groups.is_empty() {
            details #atomic-groups {
                summary { "Every atomic group (" (groups.len()) ")" }
                (list.markup())
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(quantile(&values, 0.5), 5.0);
        assert_eq!(quantile(&values, 0.95), 10.0);
        assert_eq!(quantile(&[7.0], 0.5), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
