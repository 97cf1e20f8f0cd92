//! Risk over time (RiskAssessment): health factor, and LTV against the
//! liquidation threshold, with every breach marked.

use basis_events::DomainEvent;
use basis_events::catalog::RiskAssessment;
use maud::{Markup, html};

use super::Page;
use super::figure::{Figure, Table, absence, sampling_note};
use crate::ChartStatus;
use crate::chart::{Marker, Series, Shape, TimeChart, palette, time_chart};
use crate::digest::RiskRow;
use crate::downsample::{spread, union_min_max_indices};
use crate::error::ReportError;
use crate::format;

/// Health factors above this are drawn at the top edge: a position without
/// debt has an enormous (or infinite) health factor that would flatten every
/// value that matters, those near 1. The tables keep the real values.
const HEALTH_FACTOR_CAP: f64 = 10.0;

pub(crate) fn section(
    page: &Page<'_>,
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let rows = &page.data().risk;
    let hf: Vec<f64> = rows.iter().map(|r| r.health_factor).collect();
    let ltv: Vec<f64> = rows.iter().map(|r| r.ltv_ratio).collect();
    let threshold: Vec<f64> = rows.iter().map(|r| r.liquidation_threshold).collect();
    let mut keep = union_min_max_indices(
        [hf.as_slice(), ltv.as_slice(), threshold.as_slice()],
        page.buckets(),
    );
    // Breaches are what the chart is for: each is drawn and in the tables,
    // unless there are more than a chart can show, then evenly spread ones.
    let all_breaches: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].breach_detected)
        .collect();
    let breaches = spread(&all_breaches, page.options.max_points);
    keep.extend(&breaches);
    keep.sort_unstable();
    keep.dedup();

    let health = health_factor(page, rows, &hf, &keep, &breaches, statuses)?;
    let ltv_chart =
        ltv_against_threshold(page, rows, (&ltv, &threshold), &keep, &breaches, statuses)?;
    let mut breach_table = Table::new(
        "Every risk assessment with breach_detected",
        [
            "engine time (UTC)",
            "health_factor",
            "ltv_ratio",
            "liquidation_threshold",
            "margin_usage",
            "risk_level",
        ],
    );
    let listed = all_breaches.len().min(page.options.max_rows);
    breach_table.rows = all_breaches[..listed]
        .iter()
        .map(|&i| {
            let r = &rows[i];
            vec![
                format::time(r.time),
                format::cell(r.health_factor, 4),
                format::cell(r.ltv_ratio, 4),
                format::cell(r.liquidation_threshold, 4),
                format::cell(r.margin_usage, 4),
                r.risk_level.to_string(),
            ]
        })
        .collect();
    if listed < all_breaches.len() {
        breach_table.note = Some(format!(
            "The first {listed} of {} breaches are listed.",
            all_breaches.len()
        ));
    }
    Ok(html! {
        section #risk aria-labelledby="risk-h" {
            h2 #risk-h { "Risk" }
            (health)
            (ltv_chart)
            @if !rows.is_empty() {
                h4 { "Breaches" }
                @if all_breaches.is_empty() {
                    p #breaches data-count="0" { "No risk assessment reported a breach." }
                } @else {
                    p #breaches data-count=(all_breaches.len()) {
                        (all_breaches.len()) " of " (rows.len()) " risk assessments reported a breach."
                        @if breaches.len() < all_breaches.len() {
                            " The charts mark " (breaches.len()) " of them, evenly spread."
                        }
                    }
                    (breach_table.markup())
                }
            }
        }
    })
}

fn health_factor(
    page: &Page<'_>,
    rows: &[RiskRow],
    hf: &[f64],
    keep: &[usize],
    breaches: &[usize],
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let max = hf.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = hf.iter().copied().fold(f64::INFINITY, f64::min);
    let top = max.min(HEALTH_FACTOR_CAP);
    let bottom = min.min(1.0);
    let pad = ((top - bottom) * 0.08).max(0.05);
    let capped = max > HEALTH_FACTOR_CAP;
    let mut series = vec![Series {
        name: "health factor".to_owned(),
        color: palette::BLUE,
        points: keep.iter().map(|&i| (rows[i].time, hf[i])).collect(),
        dashed: false,
    }];
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        series.push(Series {
            name: "liquidation (health factor 1)".to_owned(),
            color: palette::DARK_RED,
            points: vec![(first.time, 1.0), (last.time, 1.0)],
            dashed: true,
        });
    }
    let chart = TimeChart {
        id: "chart-health-factor",
        title: "Health factor over time",
        desc: format!(
            "Lending health factor over engine time, from {} to {}, with the liquidation level 1 \
             and {} breaches marked.",
            format::cell(min, 2),
            format::cell(max, 2),
            breaches.len()
        ),
        y_label: "health factor",
        series,
        markers: vec![Marker {
            name: "breach".to_owned(),
            color: palette::VERMILLION,
            shape: Shape::Cross,
            points: breaches.iter().map(|&i| (rows[i].time, hf[i])).collect(),
        }],
        y_range: (!rows.is_empty()).then_some((bottom - pad, top + pad)),
        zero_based: false,
        log_if_wide: false,
    };
    let mut note = sampling_note(keep.len(), rows.len(), "risk assessments");
    if capped {
        note.push_str(&format!(
            " Health factors above {HEALTH_FACTOR_CAP} (no meaningful debt) are drawn at the top edge; the table has the real values."
        ));
    }
    let mut table = Table::new(
        "Health factor (RiskAssessment.health_factor)",
        [
            "engine time (UTC)",
            "health_factor",
            "risk_level",
            "breach_detected",
        ],
    );
    table.rows = keep
        .iter()
        .map(|&i| {
            vec![
                format::time(rows[i].time),
                format::cell(hf[i], 4),
                rows[i].risk_level.to_string(),
                rows[i].breach_detected.to_string(),
            ]
        })
        .collect();
    Ok(Figure {
        id: chart.id,
        title: chart.title,
        note: Some(note),
        svg: time_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(page.sources(), RiskAssessment::NAME, RiskAssessment::FILE),
        statuses,
    }
    .markup())
}

fn ltv_against_threshold(
    page: &Page<'_>,
    rows: &[RiskRow],
    (ltv, threshold): (&[f64], &[f64]),
    keep: &[usize],
    breaches: &[usize],
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let top = ltv.iter().chain(threshold).copied().fold(0.0_f64, f64::max);
    let chart = TimeChart {
        id: "chart-ltv",
        title: "LTV against the liquidation threshold",
        desc: format!(
            "Loan-to-value ratio and the liquidation threshold over engine time, with {} breaches marked.",
            breaches.len()
        ),
        y_label: "ratio",
        series: vec![
            Series {
                name: "LTV".to_owned(),
                color: palette::BLUE,
                points: keep.iter().map(|&i| (rows[i].time, ltv[i])).collect(),
                dashed: false,
            },
            Series {
                name: "liquidation threshold".to_owned(),
                color: palette::DARK_RED,
                points: keep.iter().map(|&i| (rows[i].time, threshold[i])).collect(),
                dashed: true,
            },
        ],
        markers: vec![Marker {
            name: "breach".to_owned(),
            color: palette::VERMILLION,
            shape: Shape::Cross,
            points: breaches.iter().map(|&i| (rows[i].time, ltv[i])).collect(),
        }],
        y_range: (!rows.is_empty()).then_some((0.0, (top * 1.1).max(0.1))),
        zero_based: true,
        log_if_wide: false,
    };
    let mut table = Table::new(
        "LTV and liquidation threshold (RiskAssessment)",
        [
            "engine time (UTC)",
            "ltv_ratio",
            "liquidation_threshold",
            "margin_usage",
            "breach_detected",
        ],
    );
    table.rows = keep
        .iter()
        .map(|&i| {
            vec![
                format::time(rows[i].time),
                format::cell(ltv[i], 4),
                format::cell(threshold[i], 4),
                format::cell(rows[i].margin_usage, 4),
                rows[i].breach_detected.to_string(),
            ]
        })
        .collect();
    Ok(Figure {
        id: chart.id,
        title: chart.title,
        note: Some(sampling_note(keep.len(), rows.len(), "risk assessments")),
        svg: time_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(page.sources(), RiskAssessment::NAME, RiskAssessment::FILE),
        statuses,
    }
    .markup())
}
