//! Human tables, warnings and `--json` output for every command.
//!
//! Everything printed for a person goes through here, because event fields
//! and file names are written by the engine, not by us: a field holding an
//! escape sequence or a newline must never recolour the terminal or forge a
//! table row. Tables and warnings pass every cell through [`terminal_safe`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Display};
use std::io::{self, Write};

use serde::Serialize;

/// A text table: a header and rows, columns padded to their widest cell,
/// numbers right-aligned, control characters escaped and long cells cut.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    full: bool,
}

/// Cells longer than this many characters are cut with an ellipsis unless
/// the table is [`Table::full`].
pub const MAX_CELL_CHARS: usize = 72;

impl Table {
    /// A table with these column titles.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header
                .into_iter()
                .map(|cell| terminal_safe(&cell.into()).into_owned())
                .collect(),
            rows: Vec::new(),
            full: false,
        }
    }

    /// Whether long cells are printed whole (`--full`) or cut at
    /// [`MAX_CELL_CHARS`] with an ellipsis.
    pub fn full(mut self, full: bool) -> Self {
        self.full = full;
        self
    }

    /// Appends a row; missing cells print empty.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let full = self.full;
        self.rows.push(
            cells
                .into_iter()
                .map(|cell| {
                    let cell = terminal_safe(&cell.into()).into_owned();
                    if full { cell } else { cut(cell) }
                })
                .collect(),
        );
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

fn cut(cell: String) -> String {
    match cell.char_indices().nth(MAX_CELL_CHARS - 1) {
        Some((end, _)) if cell[end..].chars().nth(1).is_some() => {
            let mut cut = cell[..end].to_owned();
            cut.push('…');
            cut
        }
        _ => cell,
    }
}

/// `text` with every character that a terminal would act on escaped:
/// C0 and C1 controls (escape sequences, `\r`, `\n`, backspace), DEL,
/// the line and paragraph separators and the bidirectional overrides that
/// reorder what is shown. Each becomes `\u{…}` (`\n` and `\t` as such), so
/// the text stays on one line and reads exactly as it is stored.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => safe.push_str("\\n"),
            '\t' => safe.push_str("\\t"),
            '\r' => safe.push_str("\\r"),
            c if needs_escape(c) => safe.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => safe.push(c),
        }
    }
    Cow::Owned(safe)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Prints one line on stderr, escaped with [`terminal_safe`]. A closed or
/// failing stderr is ignored: a warning never turns into a panic
/// (`eprintln!` panics when `basis-log … 2>&1 | head -1` closes the pipe).
pub fn warn(message: impl Display) {
    let text = message.to_string();
    let _ = writeln!(io::stderr().lock(), "{}", terminal_safe(&text));
}

/// How many warnings about one file are printed before the rest are
/// counted in one "and K more" line.
pub const WARNINGS_PER_FILE: usize = 20;

/// Prints `warnings` (each `file:line: reason`, or any text) as `warning:`
/// lines: at most [`WARNINGS_PER_FILE`] per file, then one line saying how
/// many more there were, so a file of a million bad lines prints 21 lines.
pub fn warn_all(warnings: &[String]) {
    let mut limiter = WarningLimiter::new(WARNINGS_PER_FILE);
    for warning in warnings {
        if limiter.admit(warning) {
            warn(format_args!("warning: {warning}"));
        }
    }
    for line in limiter.suppressed() {
        warn(format_args!("warning: {line}"));
    }
}

/// Counts warnings per file and admits the first `limit` of each.
#[derive(Debug)]
pub struct WarningLimiter {
    limit: usize,
    seen: HashMap<String, usize>,
    order: Vec<String>,
}

impl WarningLimiter {
    /// Admits `limit` warnings per file.
    pub fn new(limit: usize) -> Self {
        WarningLimiter {
            limit,
            seen: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Whether `warning` is to be printed: it is among the first `limit`
    /// about its file.
    pub fn admit(&mut self, warning: &str) -> bool {
        let file = file_of(warning).to_owned();
        let count = match self.seen.get_mut(&file) {
            Some(count) => count,
            None => {
                self.order.push(file.clone());
                self.seen.entry(file).or_insert(0)
            }
        };
        *count += 1;
        *count <= self.limit
    }

    /// One line per file whose warnings were cut: `FILE: and K more`.
    pub fn suppressed(&self) -> Vec<String> {
        self.order
            .iter()
            .filter_map(|file| {
                let count = self.seen[file];
                (count > self.limit).then(|| {
                    format!(
                        "{file}: and {} more like these (first {} shown)",
                        count - self.limit,
                        self.limit
                    )
                })
            })
            .collect()
    }
}

/// The file a `file:line: reason` warning is about: the text before the
/// first `:N:`; the whole warning when it names no line.
fn file_of(warning: &str) -> &str {
    let bytes = warning.as_bytes();
    let mut at = 0;
    while let Some(offset) = warning[at..].find(':') {
        let colon = at + offset;
        let digits = bytes[colon + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 && bytes.get(colon + 1 + digits) == Some(&b':') {
            return &warning[..colon];
        }
        at = colon + 1;
    }
    warning
}

/// Whether `err` is a write to a closed pipe (`basis-log … | head`), which
/// ends a command quietly rather than as an error.
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `err` and its causes joined by `: `, each said once: an error whose
/// message already ends with its cause's (ours name the file and then the
/// OS error) does not repeat it.
pub fn error_chain(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) || text.contains(&format!(": {part}")) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Writes a `Display` value escaped for a terminal.
#[derive(Debug)]
pub struct Safe<T>(pub T);

impl<T: Display> Display for Safe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&terminal_safe(&self.0.to_string()))
    }
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

    /// Mutant seen to fail: `needs_escape` letting control characters
    /// through (`c.is_control()` as `false`).
    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(terminal_safe("plain"), Cow::Borrowed("plain"));
        assert_eq!(
            terminal_safe("a\u{1b}[31mred\nrow\u{202e}x\u{7f}"),
            "a\\u{1b}[31mred\\nrow\\u{202e}x\\u{7f}"
        );
        let mut table = Table::new(["message"]);
        table.row(["forged\nrow  |  x"]);
        assert_eq!(table.render().lines().count(), 3);
    }

    #[test]
    fn long_cells_are_cut_unless_full() {
        let long = "x".repeat(MAX_CELL_CHARS + 10);
        let mut cut_table = Table::new(["m"]);
        cut_table.row([long.clone()]);
        let rendered = cut_table.render();
        assert!(rendered.contains('…'), "{rendered}");
        assert_eq!(
            rendered.lines().nth(2).unwrap().chars().count(),
            MAX_CELL_CHARS
        );
        let mut full = Table::new(["m"]).full(true);
        full.row([long.clone()]);
        assert!(full.render().contains(&long));
        let mut exact = Table::new(["m"]);
        exact.row(["y".repeat(MAX_CELL_CHARS)]);
        assert!(!exact.render().contains('…'));
    }

    #[test]
    fn warnings_are_capped_per_file() {
        let mut limiter = WarningLimiter::new(2);
        let admitted: Vec<bool> = [
            "a.jsonl:1: x",
            "a.jsonl:2: x",
            "a.jsonl:3: x",
            "b:c.jsonl:9: y",
            "no line",
        ]
        .iter()
        .map(|w| limiter.admit(w))
        .collect();
        assert_eq!(admitted, [true, true, false, true, true]);
        assert_eq!(
            limiter.suppressed(),
            ["a.jsonl: and 1 more like these (first 2 shown)"]
        );
        assert_eq!(file_of("b:c.jsonl:9: y"), "b:c.jsonl");
    }

    #[test]
    fn an_os_error_is_said_once() {
        let io = io::Error::from_raw_os_error(40);
        let message = io.to_string();
        let err = anyhow::Error::new(crate::Error::Io {
            path: "x/y".into(),
            source: io,
        });
        let chain = error_chain(&err);
        assert_eq!(chain.matches(&message).count(), 1, "{chain}");
        assert!(chain.starts_with("x/y: "), "{chain}");
    }

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
