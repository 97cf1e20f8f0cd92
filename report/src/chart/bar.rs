//! Counts per category as horizontal bars, optionally stacked.
//!
//! Horizontal, because the categories are names (`ExecutionManager`,
//! `flash_borrow`) that stay readable on the left but collide under a
//! vertical bar.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Key, LegendItem, WIDTH, accessible, draw_error};
use crate::error::ReportError;
use crate::format;

/// One layer of the bars: a value per category, in the categories' order.
#[derive(Debug, Clone)]
pub(crate) struct Stack {
    pub name: String,
    pub color: RGBColor,
    pub values: Vec<f64>,
}

/// Bars for categories, top to bottom in the given order.
#[derive(Debug, Clone)]
pub(crate) struct BarChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: String,
    pub value_label: &'a str,
    pub categories: Vec<String>,
    /// Drawn left to right within each bar.
    pub stacks: Vec<Stack>,
}

impl BarChart<'_> {
    /// The key to the stacks' colours; empty for a single stack.
    pub(crate) fn legend(&self) -> Vec<LegendItem> {
        if self.stacks.len() < 2 {
            return Vec::new();
        }
        self.stacks
            .iter()
            .map(|stack| LegendItem {
                name: stack.name.clone(),
                color: stack.color,
                key: Key::Bar,
            })
            .collect()
    }

    fn total(&self, category: usize) -> f64 {
        self.stacks
            .iter()
            .filter_map(|stack| stack.values.get(category))
            .sum()
    }
}

/// Draws `chart` as an accessible SVG; `None` when every bar is zero.
pub(crate) fn bar_chart(chart: &BarChart<'_>) -> Result<Option<String>, ReportError> {
    let n = chart.categories.len();
    let max = (0..n).map(|c| chart.total(c)).fold(0.0, f64::max);
    if n == 0 || max <= 0.0 {
        return Ok(None);
    }
    let mut svg = String::new();
    draw(chart, max, &mut svg).map_err(draw_error(chart.id))?;
    Ok(Some(accessible(&svg, chart.id, chart.title, &chart.desc)))
}

fn draw(chart: &BarChart<'_>, max: f64, svg: &mut String) -> Result<(), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let n = chart.categories.len();
    let height = 84 + 30 * u32::try_from(n).unwrap_or(u32::MAX / 64).min(64);
    let widest = chart
        .categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    let label_area = u32::try_from(widest * 8 + 16).unwrap_or(400).min(400);
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| text(&e))?;
    // Rows on a continuous axis, one unit each, the first category on top.
    // (plotters' segmented axis collapses when there is a single category.)
    let rows = n as f64;
    let mut ctx = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(36)
        // Room for the tick labels and, under them, what the bars count.
        .x_label_area_size(46)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..max * 1.08, 0.0..rows)
        .map_err(|e| text(&e))?;
    let row_of = |category: usize| rows - 1.0 - category as f64;
    let x_fmt = |value: &f64| {
        // Counts: whole numbers only.
        if value.fract() == 0.0 {
            format::grouped(&format!("{value:.0}"))
        } else {
            String::new()
        }
    };
    ctx.configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .max_light_lines(1)
        .bold_line_style(super::palette::GRID)
        // One label per whole count when there are few, so none is blank.
        .x_labels((max as usize + 1).clamp(2, 8))
        .x_label_formatter(&x_fmt)
        .x_desc(chart.value_label)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(|e| text(&e))?;
    ctx.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, rows)],
        BLACK.stroke_width(1),
    )))
    .map_err(|e| text(&e))?;
    let label_style = ("sans-serif", 16)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (category, name) in chart.categories.iter().enumerate() {
        let (x, y) = ctx.backend_coord(&(0.0, row_of(category) + 0.5));
        root.draw(&Text::new(name.as_str(), (x - 8, y), label_style.clone()))
            .map_err(|e| text(&e))?;
    }

    let mut base = vec![0.0; n];
    for stack in &chart.stacks {
        let bars = (0..n).filter_map(|category| {
            let value = stack.values.get(category).copied().unwrap_or(0.0);
            if value <= 0.0 {
                return None;
            }
            let from = base[category];
            base[category] += value;
            let row = row_of(category);
            Some(Rectangle::new(
                [(from, row + 0.2), (from + value, row + 0.8)],
                stack.color.filled(),
            ))
        });
        ctx.draw_series(bars.collect::<Vec<_>>())
            .map_err(|e| text(&e))?;
    }
    root.present().map_err(|e| text(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::palette;
    use super::*;

    #[test]
    fn stacked_bars_and_their_labels() {
        let chart = BarChart {
            id: "chart-bars",
            title: "Operations",
            desc: "Operations by type and status".to_owned(),
            value_label: "operations",
            categories: vec!["supply".to_owned(), "borrow".to_owned()],
            stacks: vec![
                Stack {
                    name: "confirmed".to_owned(),
                    color: palette::GREEN,
                    values: vec![5.0, 1.0],
                },
                Stack {
                    name: "failed".to_owned(),
                    color: palette::VERMILLION,
                    values: vec![1.0, 0.0],
                },
            ],
        };
        let svg = bar_chart(&chart).unwrap().unwrap();
        assert!(
            svg.contains("\nsupply\n") && svg.contains("\nborrow\n"),
            "{svg}"
        );
        assert!(svg.contains("\n5\n"), "whole counts on the axis: {svg}");
        // Three non-zero segments, each a filled rectangle in its colour.
        assert_eq!(svg.matches("fill=\"#009E73\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("fill=\"#D55E00\"").count(), 1, "{svg}");
        assert_eq!(chart.legend().len(), 2);
    }

    #[test]
    fn a_single_category_is_one_bar() {
        let chart = BarChart {
            id: "chart-one",
            title: "One",
            desc: String::new(),
            value_label: "errors",
            categories: vec!["ExecutionManager".to_owned()],
            stacks: vec![Stack {
                name: "errors".to_owned(),
                color: palette::BLUE,
                values: vec![3.0],
            }],
        };
        let svg = bar_chart(&chart).unwrap().unwrap();
        assert_eq!(svg.matches("fill=\"#0072B2\"").count(), 1, "{svg}");
        assert!(svg.contains("\nExecutionManager\n"), "{svg}");
        assert!(chart.legend().is_empty(), "one stack needs no key");
    }

    #[test]
    fn all_zero_is_no_chart() {
        let chart = BarChart {
            id: "chart-zero",
            title: "Nothing",
            desc: String::new(),
            value_label: "errors",
            categories: vec!["CRITICAL".to_owned()],
            stacks: vec![Stack {
                name: "errors".to_owned(),
                color: palette::BLUE,
                values: vec![0.0],
            }],
        };
        assert!(bar_chart(&chart).unwrap().is_none());
    }
}
