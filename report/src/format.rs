//! How numbers and engine times are written on the page and on chart axes.

use chrono::{DateTime, Utc};

/// An engine time as the tables show it: `2025-01-15 10:30:00` (UTC).
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A time-axis label, as short as the chart's span allows.
pub(crate) fn axis_time(t: &DateTime<Utc>, span_seconds: i64) -> String {
    if span_seconds > 3 * 86_400 {
        t.format("%Y-%m-%d").to_string()
    } else if span_seconds > 3_600 {
        t.format("%m-%d %H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// A duration in words: `365 days 0 h`, `3 h 20 min`, `42 s`.
pub(crate) fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    if days > 0 {
        let unit = if days == 1 { "day" } else { "days" };
        format!("{days} {unit} {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} min")
    } else if minutes > 0 {
        format!("{minutes} min {} s", seconds % 60)
    } else {
        format!("{seconds} s")
    }
}

/// `1 reconciliation`, `2 reconciliations`: a count with its noun.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", grouped(&n.to_string()))
    }
}

/// Groups the integer part of a formatted number in thousands: `12345.60`
/// becomes `12,345.60`.
pub(crate) fn grouped(formatted: &str) -> String {
    let (sign, rest) = match formatted.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", formatted),
    };
    let (int, frac) = match rest.find('.') {
        Some(dot) => rest.split_at(dot),
        None => (rest, ""),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return formatted.to_owned();
    }
    let mut out = String::with_capacity(formatted.len() + int.len() / 3);
    out.push_str(sign);
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out.push_str(frac);
    out
}

/// US dollars with cents and thousands separators: `$15,000.25`, `-$2.25`.
pub(crate) fn usd(value: f64) -> String {
    let text = grouped(&format!("{:.2}", value.abs()));
    // `-0.00` is shown as `$0.00`: a sign on zero cents says nothing.
    if value < 0.0 && text != "0.00" {
        format!("-${text}")
    } else {
        format!("${text}")
    }
}

/// A number for a table cell: fixed decimals, no grouping, so it pastes into
/// a spreadsheet as a number.
pub(crate) fn cell(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

/// The exact value for a `data-value` attribute: Rust's shortest round-trip
/// form, which JavaScript's `Number()` reads back to the same `f64`.
pub(crate) fn exact(value: f64) -> String {
    format!("{value}")
}

/// A y-axis label: as many decimals as the axis range needs, grouped.
pub(crate) fn axis_number(value: f64, range: f64) -> String {
    let range = range.abs();
    let decimals = if range >= 50.0 || range == 0.0 {
        0
    } else {
        // Two significant digits of the range: 0.5 gives 2, 0.05 gives 3.
        (1.0 - range.log10().floor()).clamp(0.0, 6.0) as usize
    };
    grouped(&format!("{value:.decimals$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_grouped_and_signed() {
        assert_eq!(usd(15000.25), "$15,000.25");
        assert_eq!(usd(-2.25), "-$2.25");
        assert_eq!(usd(-0.001), "$0.00");
        assert_eq!(usd(999.999), "$1,000.00");
        assert_eq!(usd(1234567.0), "$1,234,567.00");
    }

    #[test]
    fn exact_values_round_trip() {
        for value in [10050.123456789, 0.1 + 0.2, -2.25, 1e21, 5e-324] {
            assert_eq!(exact(value).parse::<f64>().unwrap(), value);
        }
    }

    #[test]
    fn axis_labels_fit_the_range() {
        assert_eq!(axis_number(15000.0, 2000.0), "15,000");
        assert_eq!(axis_number(0.65, 0.5), "0.65");
        assert_eq!(axis_number(1.25, 2.0), "1.2");
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration(365 * 86_400), "365 days 0 h");
        assert_eq!(duration(3 * 3_600 + 20 * 60), "3 h 20 min");
        assert_eq!(duration(42), "42 s");
        assert_eq!(duration(86_400 + 3_600), "1 day 1 h");
    }
}
