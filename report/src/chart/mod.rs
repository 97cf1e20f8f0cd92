//! Charts as inline SVG, drawn by plotters' SVG backend.
//!
//! plotters is Rust-native and deterministic: the same run gives the same
//! bytes, the page needs no script and no font file, and a chart can be
//! checked as text in a unit test. Each chart is made accessible afterwards
//! ([`accessible`]): `role="img"`, a `<title>` and a `<desc>` that screen
//! readers announce, since plotters writes neither.

mod bar;
mod time;

pub(crate) use bar::{BarChart, Stack, bar_chart};
pub(crate) use time::{Marker, Series, Shape, TimeChart, time_chart};

use plotters::style::RGBColor;

use crate::error::ReportError;

/// Chart size in SVG pixels; CSS scales it to the page's width.
pub(crate) const WIDTH: u32 = 960;
pub(crate) const HEIGHT: u32 = 320;

/// The Okabe–Ito palette: tells series apart for readers with any of the
/// common colour-vision deficiencies.
pub(crate) mod palette {
    use plotters::style::RGBColor;

    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    pub const SKY: RGBColor = RGBColor(86, 180, 233);
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    /// Background points that markers are drawn over.
    pub const GREY: RGBColor = RGBColor(150, 150, 150);
    /// Grid lines.
    pub const GRID: RGBColor = RGBColor(230, 230, 230);
    /// The darkest red, for CRITICAL and liquidation.
    pub const DARK_RED: RGBColor = RGBColor(153, 0, 0);

    /// Colours for series in order, black last.
    pub const SERIES: [RGBColor; 7] = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK];

    /// The `i`th series colour, cycling.
    pub fn series(i: usize) -> RGBColor {
        SERIES[i % SERIES.len()]
    }
}

/// One entry of a chart's key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendItem {
    pub name: String,
    pub color: RGBColor,
    pub key: Key,
}

/// How a legend entry is drawn: like the thing it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Line,
    Dashed,
    Dot,
    Cross,
    Triangle,
    Bar,
}

/// The colour as CSS: `#0072b2`.
pub(crate) fn css(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

/// Wraps a drawing-library error with the chart it happened in.
pub(crate) fn draw_error(chart: &str) -> impl Fn(String) -> ReportError + '_ {
    move |message| ReportError::Chart {
        chart: chart.to_owned(),
        message,
    }
}

/// Gives the SVG plotters wrote a role, a title and a description, and an id
/// base for them; `title` and `desc` are escaped here.
pub(crate) fn accessible(svg: &str, id: &str, title: &str, desc: &str) -> String {
    let head = maud::html! {
        title id={ (id) "-title" } { (title) }
        desc id={ (id) "-desc" } { (desc) }
    }
    .into_string();
    let Some(rest) = svg.strip_prefix("<svg ") else {
        // Not what plotters writes; leave it as drawn rather than break it.
        return svg.to_owned();
    };
    let Some(close) = rest.find('>') else {
        return svg.to_owned();
    };
    let (attributes, body) = rest.split_at(close);
    format!(
        "<svg class=\"chart-svg\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" {attributes}>{head}{}",
        &body[1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessible_svg_has_role_title_and_escaped_description() {
        let svg =
            "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>";
        let out = accessible(svg, "chart-x", "Total <value>", "a & b");
        assert!(out.starts_with("<svg class=\"chart-svg\" role=\"img\" aria-labelledby=\"chart-x-title chart-x-desc\" width=\"10\""), "{out}");
        assert!(
            out.contains("<title id=\"chart-x-title\">Total &lt;value&gt;</title>"),
            "{out}"
        );
        assert!(
            out.contains("<desc id=\"chart-x-desc\">a &amp; b</desc>"),
            "{out}"
        );
        assert!(out.ends_with("\n<rect/></svg>"), "{out}");
    }

    #[test]
    fn colours_as_css() {
        assert_eq!(css(palette::BLUE), "#0072b2");
    }
}
