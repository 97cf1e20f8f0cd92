//! Exposure by asset over time (ExposureSnapshot), in USD.

use basis_events::DomainEvent;
use basis_events::catalog::ExposureSnapshot;
use maud::{Markup, html};

use super::Page;
use super::figure::{Figure, Table, absence, sampling_note};
use crate::ChartStatus;
use crate::chart::{Series, TimeChart, palette, time_chart};
use crate::downsample::union_min_max_indices;
use crate::error::ReportError;
use crate::format;

pub(crate) fn section(
    page: &Page<'_>,
    statuses: &mut Vec<ChartStatus>,
) -> Result<Markup, ReportError> {
    let data = page.data();
    let rows = &data.exposures;
    // One column per asset; an asset a snapshot does not list has no exposure then.
    let mut columns: Vec<Vec<f64>> = vec![vec![0.0; rows.len()]; data.assets.len()];
    for (i, row) in rows.iter().enumerate() {
        for &(asset, usd) in &row.assets {
            columns[asset][i] = usd;
        }
    }
    let net_delta: Vec<f64> = rows.iter().map(|row| row.net_delta_usd).collect();
    let keep = union_min_max_indices(
        columns
            .iter()
            .map(Vec::as_slice)
            .chain([net_delta.as_slice()]),
        page.buckets(),
    );
    let mut series: Vec<Series> = data
        .assets
        .iter()
        .zip(&columns)
        .enumerate()
        .map(|(n, (asset, values))| Series {
            name: format!("{asset} (USD)"),
            color: palette::series(n),
            points: keep.iter().map(|&i| (rows[i].time, values[i])).collect(),
            dashed: false,
        })
        .collect();
    series.push(Series {
        name: "net delta (USD)".to_owned(),
        color: palette::GREY,
        points: keep.iter().map(|&i| (rows[i].time, net_delta[i])).collect(),
        dashed: true,
    });
    let chart = TimeChart {
        id: "chart-exposure",
        title: "Exposure by asset over time",
        desc: format!(
            "USD value of each asset held over engine time, and the net delta: {}.",
            data.assets.join(", ")
        ),
        y_label: "USD",
        series,
        markers: Vec::new(),
        y_range: None,
        zero_based: false,
        log_if_wide: false,
    };
    let mut table = Table::new(
        "USD value per asset (ExposureSnapshot.asset_exposures.*.usd_value) and net delta",
        ["engine time (UTC)".to_owned()]
            .into_iter()
            .chain(data.assets.iter().cloned())
            .chain(["net_delta_usd".to_owned()]),
    );
    table.rows = keep
        .iter()
        .map(|&i| {
            let mut row = vec![format::time(rows[i].time)];
            row.extend(columns.iter().map(|column| format::cell(column[i], 2)));
            row.push(format::cell(net_delta[i], 2));
            row
        })
        .collect();
    let figure = Figure {
        id: chart.id,
        title: chart.title,
        note: Some(sampling_note(keep.len(), rows.len(), "exposure snapshots")),
        svg: time_chart(&chart)?,
        legend: chart.legend(),
        table: Some(table),
        absent: absence(
            page.sources(),
            ExposureSnapshot::NAME,
            ExposureSnapshot::FILE,
        ),
        statuses,
    }
    .markup();
    Ok(html! {
        section #exposure aria-labelledby="exposure-h" {
            h2 #exposure-h { "Exposure" }
            (figure)
        }
    })
}
