//! Health status over time (HealthStatusEvent): the score, and every check
//! whose overall status was not healthy.

use basis_events::DomainEvent;
use basis_events::catalog::{HealthStatus, HealthStatusEvent};
use maud::{Markup, html};

use super::Page;
use super::figure::{Figure, Table, absence, sampling_note};
use crate::ChartStatus;
use crate::chart::{Marker, Series, Shape, TimeChart, palette, time_chart};
use crate::downsample::{min_max_indices, spread};
use crate::error::ReportError;
use crate::format;

pub(crate) fn section(
    page: &Page<'_>,
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let rows = &page.data().health;
    let score: Vec<f64> = rows.iter().map(|r| r.health_score).collect();
    let mut keep = min_max_indices(&score, page.buckets());
    let marked = [
        (HealthStatus::Degraded, palette::ORANGE, Shape::Triangle),
        (HealthStatus::Unhealthy, palette::VERMILLION, Shape::Cross),
        (HealthStatus::Critical, palette::DARK_RED, Shape::Cross),
    ];
    let mut markers = Vec::new();
    for (status, color, shape) in marked {
        let all: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].overall_status == status)
            .collect();
        let shown = spread(&all, page.options.max_points);
        keep.extend(&shown);
        markers.push(Marker {
            name: status.to_string(),
            color,
            shape,
            points: shown.iter().map(|&i| (rows[i].time, score[i])).collect(),
        });
    }
    keep.sort_unstable();
    keep.dedup();
    let not_healthy = rows
        .iter()
        .filter(|r| r.overall_status != HealthStatus::Healthy)
        .count();
    let chart = TimeChart {
        id: "chart-health",
        title: "Health status over time",
        desc: format!(
            "Health score from 0 to 1 over engine time; {not_healthy} of {} checks were not healthy \
             and are marked by status.",
            rows.len()
        ),
        y_label: "health score",
        series: vec![Series {
            name: "health score".to_owned(),
            color: palette::GREEN,
            points: keep.iter().map(|&i| (rows[i].time, score[i])).collect(),
            dashed: false,
        }],
        markers,
        y_range: (!rows.is_empty()).then_some((0.0, 1.05)),
        zero_based: true,
        log_if_wide: false,
    };
    let mut table = Table::new(
        "Health checks (HealthStatusEvent)",
        [
            "engine time (UTC)",
            "overall_status",
            "health_score",
            "components not healthy",
        ],
    );
    table.rows = keep
        .iter()
        .map(|&i| {
            let row = &rows[i];
            vec![
                format::time(row.time),
                row.overall_status.to_string(),
                format::cell(row.health_score, 3),
                row.not_healthy
                    .iter()
                    .map(|(component, status)| format!("{component}: {status}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    let mut note = sampling_note(keep.len(), rows.len(), "health checks");
    note.push_str(&format!(" {not_healthy} not healthy."));
    let figure = Figure {
        id: chart.id,
        title: chart.title,
        note: Some(note),
        svg: time_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(
            page.sources(),
            HealthStatusEvent::NAME,
            HealthStatusEvent::FILE,
        ),
        statuses,
    }
    .markup();
    Ok(html! {
        section #health aria-labelledby="health-h" {
            h2 #health-h { "Health" }
            (figure)
        }
    })
}
