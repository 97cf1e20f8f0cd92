//! Values over engine time: lines for series, shapes for marked events.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::{HEIGHT, Key, LegendItem, WIDTH, accessible, draw_error, palette};
use crate::digest::Time;
use crate::error::ReportError;
use crate::format;

/// A line through values over time.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<(Time, f64)>,
    /// Dashed, for reference levels such as a liquidation threshold.
    pub dashed: bool,
}

/// Individual events drawn as shapes, such as breaches or failures.
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    pub name: String,
    pub color: RGBColor,
    pub shape: Shape,
    pub points: Vec<(Time, f64)>,
}

/// How a [`Marker`]'s events are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A small dot: the mass of ordinary events.
    Dot,
    /// A cross: failures, breaches.
    Cross,
    /// A triangle: retries.
    Triangle,
}

/// A chart with the engine clock on the x axis.
#[derive(Debug, Clone)]
pub(crate) struct TimeChart<'a> {
    /// The `id` of the figure; the SVG's title and description ids derive from it.
    pub id: &'a str,
    pub title: &'a str,
    /// What the chart shows, for screen readers.
    pub desc: String,
    pub y_label: &'a str,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
    /// Fixed y range; by default the data's range with a margin.
    pub y_range: Option<(f64, f64)>,
    /// Start the y axis at zero (durations, counts) rather than at the
    /// data's minimum.
    pub zero_based: bool,
    /// Use a logarithmic y axis when the positive values span more than
    /// [`LOG_RATIO`]: for durations, where one 30 s timeout would otherwise
    /// flatten every 100 ms operation onto the axis.
    pub log_if_wide: bool,
}

/// The spread of values past which [`TimeChart::log_if_wide`] takes effect.
const LOG_RATIO: f64 = 20.0;

impl TimeChart<'_> {
    /// The key to the chart's colours and shapes, drawn in HTML under it so
    /// it never hides data.
    pub(crate) fn legend(&self) -> Vec<LegendItem> {
        let lines = self.series.iter().map(|series| LegendItem {
            name: series.name.clone(),
            color: series.color,
            key: if series.dashed {
                Key::Dashed
            } else {
                Key::Line
            },
        });
        // A kind of mark that never happened has nothing to explain.
        let markers = self
            .markers
            .iter()
            .filter(|m| !m.points.is_empty())
            .map(|marker| LegendItem {
                name: marker.name.clone(),
                color: marker.color,
                key: match marker.shape {
                    Shape::Dot => Key::Dot,
                    Shape::Cross => Key::Cross,
                    Shape::Triangle => Key::Triangle,
                },
            });
        lines.chain(markers).collect()
    }

    fn points(&self) -> impl Iterator<Item = &(Time, f64)> {
        self.series
            .iter()
            .flat_map(|series| &series.points)
            .chain(self.markers.iter().flat_map(|marker| &marker.points))
    }

    fn x_range(&self) -> Option<(Time, Time)> {
        let (lo, hi) = self
            .points()
            .fold(None, |range: Option<(Time, Time)>, (t, _)| {
                Some(range.map_or((*t, *t), |(lo, hi)| (lo.min(*t), hi.max(*t))))
            })?;
        // A little room on both sides, so a mark at the first or last event
        // is drawn whole; an hour around a single instant.
        let pad = if lo == hi {
            chrono::Duration::minutes(30)
        } else {
            (hi - lo) / 60
        };
        Some((
            lo.checked_sub_signed(pad).unwrap_or(lo),
            hi.checked_add_signed(pad).unwrap_or(hi),
        ))
    }

    fn y_range(&self) -> Option<(f64, f64)> {
        if let Some((lo, hi)) = self.y_range {
            return Some(sane_range(lo, hi));
        }
        let (mut lo, hi) = self
            .points()
            .map(|(_, v)| *v)
            .filter(|v| v.is_finite())
            .map(|v| v.clamp(-VALUE_LIMIT, VALUE_LIMIT))
            .fold(None, |range: Option<(f64, f64)>, v| {
                Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
            })?;
        if self.zero_based {
            lo = lo.min(0.0);
        }
        let pad = (hi - lo) * 0.05;
        let bottom = if self.zero_based && lo == 0.0 {
            0.0
        } else {
            lo - pad
        };
        Some(sane_range(bottom, hi + pad))
    }
}

impl TimeChart<'_> {
    /// Whether the chart is drawn on a logarithmic y axis.
    pub(crate) fn is_log(&self) -> bool {
        self.log_range().is_some()
    }

    /// The y range of a logarithmic axis, if this chart wants one and its
    /// values are positive and spread wide enough.
    fn log_range(&self) -> Option<(f64, f64)> {
        if !self.log_if_wide || self.y_range.is_some() {
            return None;
        }
        let values = self.points().map(|(_, v)| *v).filter(|v| v.is_finite());
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if lo <= 0.0 || hi / lo < LOG_RATIO {
            return None;
        }
        let lo = (lo / 1.5).max(LOG_FLOOR);
        let hi = (hi * 1.5).min(VALUE_LIMIT);
        (hi > lo).then_some((lo, hi))
    }
}

/// The bottom of a logarithmic axis: a microsecond, in milliseconds.
const LOG_FLOOR: f64 = 1e-3;

/// Values beyond this are drawn at the edge of the chart (the tables keep
/// them): no amount of this engine is a trillion, and plotters' tick
/// computation does not terminate on ranges near `f64::MAX`.
const VALUE_LIMIT: f64 = 1e12;

/// A y range plotters can lay out: finite, within [`VALUE_LIMIT`], and at
/// least a millionth of its magnitude wide (it also hangs on ranges of
/// 1e-300), centred on the data when it has to be widened.
fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    let clamp = |v: f64| {
        if v.is_finite() {
            v.clamp(-VALUE_LIMIT, VALUE_LIMIT)
        } else {
            0.0
        }
    };
    let (lo, hi) = (clamp(lo.min(hi)), clamp(lo.max(hi)));
    let magnitude = lo.abs().max(hi.abs()).max(1.0);
    let min_span = magnitude * 1e-6;
    if hi - lo >= min_span {
        return (lo, hi);
    }
    let mid = lo / 2.0 + hi / 2.0;
    let pad = (mid.abs() * 0.01).max(min_span);
    (mid - pad, mid + pad)
}

/// Draws `chart` as an accessible SVG string; `None` when it has no point at all.
pub(crate) fn time_chart(chart: &TimeChart<'_>) -> Result<Option<String>, ReportError> {
    let (Some((x0, x1)), Some((y0, y1))) = (chart.x_range(), chart.y_range()) else {
        return Ok(None);
    };
    let mut svg = String::new();
    let drawn = match chart.log_range() {
        Some((y0, y1)) => draw(chart, (x0, x1), (y0..y1).log_scale(), (y0, y1), &mut svg),
        None => draw(chart, (x0, x1), y0..y1, (y0, y1), &mut svg),
    };
    drawn.map_err(draw_error(chart.id))?;
    Ok(Some(accessible(&svg, chart.id, chart.title, &chart.desc)))
}

/// Draws on a linear (`y0..y1`) or logarithmic y axis.
fn draw<Y>(
    chart: &TimeChart<'_>,
    (x0, x1): (Time, Time),
    y_axis: Y,
    (y0, y1): (f64, f64),
    svg: &mut String,
) -> Result<(), String>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| text(&e))?;
    let mut ctx = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(36)
        .x_label_area_size(32)
        .y_label_area_size(78)
        .build_cartesian_2d(x0..x1, y_axis)
        .map_err(|e| text(&e))?;

    let span = (x1 - x0).num_seconds();
    let x_fmt = move |t: &Time| format::axis_time(t, span);
    // On a log axis each label gets the decimals its own size needs.
    let log = chart.is_log();
    let y_fmt = move |v: &f64| format::axis_number(*v, if log { *v } else { y1 - y0 });
    ctx.configure_mesh()
        .max_light_lines(1)
        .bold_line_style(palette::GRID)
        .x_labels(7)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc(chart.y_label)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(|e| text(&e))?;

    let clamp = |(t, v): &(Time, f64)| (*t, if v.is_nan() { y0 } else { v.clamp(y0, y1) });
    for series in &chart.series {
        let color = series.color;
        let style = color.stroke_width(2);
        let points: Vec<(Time, f64)> = series.points.iter().map(clamp).collect();
        if series.dashed {
            ctx.draw_series(DashedLineSeries::new(points, 8, 5, style))
        } else {
            ctx.draw_series(LineSeries::new(points, style))
        }
        .map_err(|e| text(&e))?;
    }
    for marker in &chart.markers {
        let color = marker.color;
        let points = marker.points.iter().map(clamp);
        match marker.shape {
            Shape::Dot => ctx
                .draw_series(points.map(|p| Circle::new(p, 3, color.mix(0.7).filled()).into_dyn())),
            Shape::Cross => {
                ctx.draw_series(points.map(|p| Cross::new(p, 5, color.stroke_width(2)).into_dyn()))
            }
            Shape::Triangle => ctx
                .draw_series(points.map(|p| TriangleMarker::new(p, 6, color.filled()).into_dyn())),
        }
        .map_err(|e| text(&e))?;
    }
    root.present().map_err(|e| text(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32) -> Time {
        chrono::Utc
            .with_ymd_and_hms(2025, 1, 15, hour, 0, 0)
            .unwrap()
    }

    fn chart(series: Vec<Series>, markers: Vec<Marker>) -> TimeChart<'static> {
        TimeChart {
            id: "chart-test",
            title: "Test",
            desc: "A test chart".to_owned(),
            y_label: "USD",
            series,
            markers,
            y_range: None,
            zero_based: false,
            log_if_wide: false,
        }
    }

    #[test]
    fn a_line_and_markers_are_drawn() {
        let svg = time_chart(&chart(
            vec![Series {
                name: "total value".to_owned(),
                color: palette::BLUE,
                points: (0..10).map(|h| (at(h), 100.0 + f64::from(h))).collect(),
                dashed: false,
            }],
            vec![Marker {
                name: "breach".to_owned(),
                color: palette::VERMILLION,
                shape: Shape::Cross,
                points: vec![(at(5), 105.0)],
            }],
        ))
        .unwrap()
        .unwrap();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"chart-test-title\">Test</title>"));
        assert!(svg.contains("<polyline"), "the line is drawn");
        assert!(svg.contains("stroke=\"#D55E00\"") || svg.contains("stroke=\"#d55e00\""));
    }

    #[test]
    fn one_point_still_gets_a_frame_and_no_points_gets_none() {
        let one = chart(
            vec![Series {
                name: "v".to_owned(),
                color: palette::BLUE,
                points: vec![(at(1), 5.0)],
                dashed: false,
            }],
            vec![],
        );
        assert!(time_chart(&one).unwrap().is_some());
        assert!(time_chart(&chart(vec![], vec![])).unwrap().is_none());
    }

    #[test]
    fn extreme_values_are_drawn_without_panicking() {
        for values in [
            [f64::MAX, -f64::MAX],
            [1e300, -1e300],
            [1e-300, 2e-300],
            [0.0, f64::MAX],
            [f64::MIN_POSITIVE, f64::MIN_POSITIVE],
            [-5e15, 5e15],
            [1.0, 1.0 + 1e-15],
        ] {
            let svg = time_chart(&chart(
                vec![Series {
                    name: "v".to_owned(),
                    color: palette::BLUE,
                    points: vec![(at(1), values[0]), (at(2), values[1])],
                    dashed: false,
                }],
                vec![],
            ));
            assert!(svg.is_ok(), "{values:?}: {svg:?}");
        }
    }

    #[test]
    fn wide_durations_get_a_log_axis() {
        let points = vec![(at(1), 100.0), (at(2), 120.0), (at(3), 30_000.0)];
        let mut wide = chart(
            vec![],
            vec![Marker {
                name: "operation".to_owned(),
                color: palette::GREY,
                shape: Shape::Dot,
                points,
            }],
        );
        wide.log_if_wide = true;
        let svg = time_chart(&wide).unwrap().unwrap();
        // Powers of ten are the ticks of a log axis, not of a linear one
        // from 0 to 30,000.
        for label in ["\n100\n", "\n1,000\n", "\n10,000\n"] {
            assert!(svg.contains(label), "{label:?} in {svg}");
        }
        wide.log_if_wide = false;
        let svg = time_chart(&wide).unwrap().unwrap();
        assert!(!svg.contains("\n1,000\n"), "{svg}");
    }

    #[test]
    fn the_widest_engine_times_are_drawn() {
        // The engine clock's wire format has four-digit years.
        let first = chrono::Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap();
        let last = chrono::Utc
            .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
            .unwrap();
        let svg = time_chart(&chart(
            vec![Series {
                name: "v".to_owned(),
                color: palette::BLUE,
                points: vec![(first, 1.0), (last, 2.0)],
                dashed: false,
            }],
            vec![],
        ));
        assert!(svg.is_ok(), "{svg:?}");
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let make = || {
            time_chart(&chart(
                vec![Series {
                    name: "v".to_owned(),
                    color: palette::GREEN,
                    points: (0..24).map(|h| (at(h), f64::from(h * h))).collect(),
                    dashed: true,
                }],
                vec![],
            ))
            .unwrap()
        };
        assert_eq!(make(), make());
    }
}
