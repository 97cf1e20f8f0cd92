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
                (format::count(data.operations.attempts() as usize, "operation")) ", "
                (format::count(data.tight_loops as usize, "tight-loop cycle")) ", "
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

/// Fees per currency, in the order first read: `0.50 USDT; 0.0010 ETH`.
fn fees(sums: &[(String, f64)]) -> String {
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
        .filter(|&t| ops.count_type(t) > 0)
        .collect();
    let count = |t: OperationType, s: OperationStatus| ops.count(t, s);
    let chart = BarChart {
        id: "chart-operations",
        title: "Operations by type and status",
        desc: format!(
            "{} operations by type, each bar split by status: {}.",
            ops.attempts(),
            OperationStatus::ALL
                .iter()
                .map(|&s| format!("{} {s}", ops.count_status(s)))
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
            row.push(ops.count_type(t).to_string());
            row.push(fees(ops.fees(t)));
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

fn durations(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let data = page.data();
    let operations = &data.operations;
    // The attempts the digest kept for drawing (every one of a small run),
    // downsampled once more to this page's budget.
    let drawn = operations.drawn();
    let duration: Vec<f64> = drawn.iter().map(|op| op.execution_duration_ms).collect();
    let sampled: Vec<&OperationRow> = min_max_indices(&duration, page.buckets())
        .into_iter()
        .map(|i| &drawn[i])
        .collect();
    let max = page.options.max_points;
    let with_status = |status: OperationStatus| -> Vec<&OperationRow> {
        let all: Vec<&OperationRow> = operations
            .incidents()
            .iter()
            .map(|incident| &incident.row)
            .filter(|op| op.status == status)
            .collect();
        spread(&all, max)
    };
    let failed = with_status(OperationStatus::Failed);
    let rolled_back = with_status(OperationStatus::RolledBack);
    let retried_all = &data.retried_tight_loops;
    let retried = spread(&retried_all.iter().collect::<Vec<_>>(), max);
    let op_points = |rows: &[&OperationRow]| -> Vec<(Time, f64)> {
        rows.iter()
            .map(|op| (op.time, op.execution_duration_ms))
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
                    .map(|cycle| (cycle.time, cycle.total_duration_ms))
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
    let op_row = |op: &OperationRow, what: &str| {
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
    marked.extend(failed.iter().map(|op| (op.time, op_row(op, "failed"))));
    marked.extend(
        rolled_back
            .iter()
            .map(|op| (op.time, op_row(op, "rolled back"))),
    );
    marked.extend(retried.iter().map(|cycle| {
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
        .extend(sampled.iter().map(|op| op_row(op, "operation")));

    let mut stats = Table::new(
        "Execution duration by operation type, milliseconds",
        ["operation_type", "count", "min", "median", "p95", "max"],
    );
    for figures in operations.duration_stats() {
        stats.rows.push(vec![
            figures.operation_type.to_string(),
            figures.count.to_string(),
            format::cell(figures.min, 1),
            format::cell(figures.median, 1),
            format::cell(figures.p95, 1),
            format::cell(figures.max, 1),
        ]);
    }

    let absent = if data.tight_loops == 0 {
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
    let mut note = sampling_note(sampled.len(), operations.attempts() as usize, "operations");
    note.push_str(&format!(
        " {} failed, {} rolled back, {} retried.",
        operations.count_status(OperationStatus::Failed),
        operations.count_status(OperationStatus::RolledBack),
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
