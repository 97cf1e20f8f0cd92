//! Human tables and `--json` output for every command.

use std::io::{self, Write};

use serde::Serialize;

/// A text table: a header and rows, columns padded to their widest cell,
/// numbers right-aligned.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing cells print empty.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        let mut numeric = vec![true; columns];
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
                if !cell.is_empty() && !looks_numeric(cell) {
                    numeric[i] = false;
                }
            }
        }
        let line = |out: &mut dyn Write, cells: &[String], header: bool| -> io::Result<()> {
            let mut text = String::new();
            for i in 0..columns {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = widths[i].saturating_sub(cell.chars().count());
                if i > 0 {
                    text.push_str("  ");
                }
                if numeric[i] && !header {
                    text.extend(std::iter::repeat_n(' ', pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    if i + 1 < columns {
                        text.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(out, &self.header, true)?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(out, &rule, true)?;
        for row in &self.rows {
            line(out, row, false)?;
        }
        Ok(())
    }

    /// The table as a string.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

fn looks_numeric(cell: &str) -> bool {
    cell.parse::<f64>().is_ok()
}

/// Writes `value` as pretty JSON with a trailing newline.
pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// A number for a table: at most `decimals` digits, no trailing noise.
pub fn num(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut table = Table::new(["name", "count"]);
        table.row(["positions.jsonl", "12"]);
        table.row(["a", "1234"]);
        assert_eq!(
            table.render(),
            "name             count\n---------------  -----\npositions.jsonl     12\na                 1234\n"
        );
    }
}
