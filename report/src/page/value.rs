//! Total value over time (PositionSnapshot) and total P&L with its
//! attribution over time (PnLCalculation).

use basis_events::DomainEvent;
use basis_events::catalog::{PnLCalculation, PositionSnapshot};
use maud::{Markup, html};
use plotters::style::RGBColor;

use super::Page;
use super::figure::{Figure, Table, absence, sampling_note};
use crate::ChartStatus;
use crate::chart::{Series, TimeChart, palette, time_chart};
use crate::digest::PnlRow;
use crate::downsample::{min_max_indices, union_min_max_indices};
use crate::error::ReportError;
use crate::format;

pub(crate) fn section(
    page: &Page<'_>,
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let total_value = total_value(page, statuses)?;
    let pnl = pnl(page, statuses)?;
    Ok(html! {
        section #value aria-labelledby="value-h" {
            h2 #value-h { "Value and P&L" }
            (total_value)
            (pnl)
        }
    })
}

fn total_value(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let rows = &page.data().positions;
    let values: Vec<f64> = rows.iter().map(|row| row.total_value_usd).collect();
    let keep = min_max_indices(&values, page.buckets());
    let chart = TimeChart {
        id: "chart-total-value",
        title: "Total value over time",
        desc: match (rows.first(), rows.last()) {
            (Some(first), Some(last)) => format!(
                "Total value of all positions in USD over engine time, from {} at {} to {} at {}.",
                format::usd(first.total_value_usd),
                format::time(first.time),
                format::usd(last.total_value_usd),
                format::time(last.time)
            ),
            _ => String::new(),
        },
        y_label: "USD",
        series: vec![Series {
            name: "total value (USD)".to_owned(),
            color: palette::BLUE,
            points: keep.iter().map(|&i| (rows[i].time, values[i])).collect(),
            dashed: false,
        }],
        markers: Vec::new(),
        y_range: None,
        zero_based: false,
        log_if_wide: false,
    };
    let mut table = Table::new(
        "Total value of all positions (PositionSnapshot.total_value_usd)",
        vec!["engine time (UTC)", "total value (USD)"],
    );
    table.rows = keep
        .iter()
        .map(|&i| vec![format::time(rows[i].time), format::cell(values[i], 2)])
        .collect();
    Ok(Figure {
        id: chart.id,
        title: chart.title,
        note: Some(sampling_note(keep.len(), rows.len(), "position snapshots")),
        svg: time_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(
            page.sources(),
            PositionSnapshot::NAME,
            PositionSnapshot::FILE,
        ),
        statuses,
    }
    .markup())
}

/// One line of the P&L chart: a field of PnLCalculation.
struct PnlColumn {
    name: &'static str,
    field: &'static str,
    color: RGBColor,
    get: fn(&PnlRow) -> f64,
}

const PNL_COLUMNS: [PnlColumn; 4] = [
    PnlColumn {
        name: "total P&L",
        field: "total_pnl_usd",
        color: palette::BLACK,
        get: |r| r.total_pnl_usd,
    },
    PnlColumn {
        name: "supply yield",
        field: "supply_yield",
        color: palette::GREEN,
        get: |r| r.supply_yield,
    },
    PnlColumn {
        name: "transaction costs",
        field: "transaction_costs",
        color: palette::VERMILLION,
        get: |r| r.transaction_costs,
    },
    PnlColumn {
        name: "funding P&L",
        field: "funding_pnl",
        color: palette::SKY,
        get: |r| r.funding_pnl,
    },
];

fn pnl(page: &Page<'_>, statuses: &mut Vec<ChartStatus>) -> Result<Markup, ReportError> {
    let rows = &page.data().pnl;
    let columns = PNL_COLUMNS;
    let values: Vec<Vec<f64>> = columns
        .iter()
        .map(|column| rows.iter().map(column.get).collect())
        .collect();
    let keep = union_min_max_indices(values.iter().map(Vec::as_slice), page.buckets());
    let chart = TimeChart {
        id: "chart-pnl",
        title: "Total P&L and its attribution over time",
        desc: match rows.last() {
            Some(last) => format!(
                "Total P&L in USD over engine time with its attribution; at the end: total {}, \
                 supply yield {}, transaction costs {}, funding {}.",
                format::usd(last.total_pnl_usd),
                format::usd(last.supply_yield),
                format::usd(last.transaction_costs),
                format::usd(last.funding_pnl)
            ),
            None => String::new(),
        },
        y_label: "USD",
        series: columns
            .iter()
            .zip(&values)
            .map(|(column, values)| Series {
                name: column.name.to_owned(),
                color: column.color,
                points: keep.iter().map(|&i| (rows[i].time, values[i])).collect(),
                dashed: false,
            })
            .collect(),
        markers: Vec::new(),
        y_range: None,
        zero_based: false,
        log_if_wide: false,
    };
    let mut table = Table::new(
        "Total P&L and attribution (PnLCalculation), USD",
        vec![
            "engine time (UTC)",
            "total_pnl_usd",
            "supply_yield",
            "transaction_costs",
            "funding_pnl",
        ],
    );
    table.rows = keep
        .iter()
        .map(|&i| {
            let mut row = vec![format::time(rows[i].time)];
            row.extend(values.iter().map(|column| format::cell(column[i], 2)));
            row
        })
        .collect();
    let figure = Figure {
        id: chart.id,
        title: chart.title,
        note: Some(sampling_note(keep.len(), rows.len(), "P&L calculations")),
        svg: time_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(page.sources(), PnLCalculation::NAME, PnLCalculation::FILE),
        statuses,
    }
    .markup();
    Ok(html! {
        (figure)
        @if let Some(last) = rows.last() {
            h4 { "Attribution at the end of the run" }
            div.table-wrap {
                table #pnl-attribution {
                    caption { "Attribution of the last PnLCalculation (" (format::time(last.time)) " UTC)" }
                    thead { tr { th scope="col" { "source" } th.num scope="col" { "USD" } } }
                    tbody {
                        @for column in &columns {
                            tr {
                                th scope="row" { (column.name) " " code { (column.field) } }
                                td.num { (format::usd((column.get)(last))) }
                            }
                        }
                    }
                }
            }
        }
    })
}
