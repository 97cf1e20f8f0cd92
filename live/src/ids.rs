//! Line ids: what a message id and the collector's de-duplication count.
//!
//! An event line's id is its `seq` (per process, from 1, strictly increasing
//! within a file), read from the envelope. A component log line, and an event
//! line written before `seq` existed, is identified by its line number counted
//! across the file's segments from 1. Both survive rotation and retries: a
//! segment rename changes neither a line's `seq` nor how many lines precede it.

use serde::{Deserialize, Serialize};

/// How a file's lines are identified; decided by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdKind {
    /// The envelope's `seq`.
    Seq,
    /// The line number across segments.
    Line,
}

impl IdKind {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Seq => "seq",
            IdKind::Line => "line",
        }
    }

    /// Reads a header value.
    pub fn parse(value: &str) -> Option<IdKind> {
        match value {
            "seq" => Some(IdKind::Seq),
            "line" => Some(IdKind::Line),
            _ => None,
        }
    }

    /// The kind of a file whose first line is `line`.
    pub fn of_first_line(line: &[u8]) -> IdKind {
        if seq_of(line).is_some() {
            IdKind::Seq
        } else {
            IdKind::Line
        }
    }
}

/// The `seq` of an event line, if it has one.
///
/// Found without parsing the line: the first `"seq":` key. It cannot match
/// inside a string value (a `"` in a JSON string is escaped), and the
/// envelope's keys come before the payload's, so the first key named `seq`
/// is the envelope's.
pub fn seq_of(line: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(line, b"\"seq\":")? + 6;
    let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&line[at..at + digits])
        .ok()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_is_read_from_the_envelope() {
        let line = br#"{"timestamp":"t","real_utc_time":"u","correlation_id":"c","pid":1,"seq":42,"x":{"seq":7}}"#;
        assert_eq!(seq_of(line), Some(42));
        assert_eq!(IdKind::of_first_line(line), IdKind::Seq);
        let no_seq = br#"{"correlation_id":"a\"seq\":9","pid":1}"#;
        assert_eq!(seq_of(no_seq), None);
        assert_eq!(IdKind::of_first_line(no_seq), IdKind::Line);
        assert_eq!(seq_of(br#"{"seq":"x"}"#), None);
    }
}
