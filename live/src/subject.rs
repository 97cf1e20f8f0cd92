//! NATS subjects of shipped files: `basis.<correlation_id>.<pid>.<file>`, each
//! token escaped so that any id and file name round-trips.
//!
//! NATS splits subjects at `.` and gives `*` and `>` a meaning, and a token
//! must not hold whitespace, so neither a correlation id nor a file name can
//! go in as it is. Every byte outside `A-Z a-z 0-9 - _` becomes `~` and two
//! upper-case hex digits (`~` itself included), which is reversible and keeps
//! plain names readable:
//!
//! ```text
//! logs/abc123/4242/events/positions.jsonl  ->  basis.abc123.4242.events~2Fpositions~2Ejsonl
//! logs/abc123/4242/position_monitor.log    ->  basis.abc123.4242.position_monitor~2Elog
//! logs/abc123/4242/metadata.json           ->  basis.abc123.4242.metadata~2Ejson
//! ```
//!
//! The file token is the path relative to the process directory, with `/`.
//! A subscriber picks runs with wildcards: `basis.abc123.>` is one run,
//! `basis.*.*.events~2Fsystem_errors~2Ejsonl` the fleet's errors.

use std::fmt;

use crate::error::MessageError;

/// The first token of every subject.
pub const SUBJECT_PREFIX: &str = "basis";
/// The subjects of every shipped file: what the stream and consumers bind.
pub const ALL_SUBJECTS: &str = "basis.>";

/// Where a shipped file comes from: its run, process and path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileOrigin {
    pub correlation_id: String,
    pub pid: u32,
    /// Relative to the process directory: `events/positions.jsonl`,
    /// `position_monitor.log`, `metadata.json`.
    pub file: String,
}

impl FileOrigin {
    /// The subject this file is shipped on.
    pub fn subject(&self) -> String {
        format!(
            "{SUBJECT_PREFIX}.{}.{}.{}",
            escape(&self.correlation_id),
            self.pid,
            escape(&self.file)
        )
    }

    /// Reads a subject back; a subject of another shape is an error.
    pub fn from_subject(subject: &str) -> Result<FileOrigin, MessageError> {
        let bad = |reason: &str| MessageError::Subject {
            subject: subject.to_owned(),
            reason: reason.to_owned(),
        };
        let mut tokens = subject.split('.');
        if tokens.next() != Some(SUBJECT_PREFIX) {
            return Err(bad("it does not start with `basis.`"));
        }
        let (Some(cid), Some(pid), Some(file), None) =
            (tokens.next(), tokens.next(), tokens.next(), tokens.next())
        else {
            return Err(bad(
                "expected four tokens, basis.<correlation_id>.<pid>.<file>",
            ));
        };
        let pid = pid
            .parse::<u32>()
            .map_err(|_| bad("the pid token is not a number"))?;
        Ok(FileOrigin {
            correlation_id: unescape(cid).map_err(|reason| bad(&reason))?,
            pid,
            file: unescape(file).map_err(|reason| bad(&reason))?,
        })
    }

    /// The subjects of one run: `basis.<correlation_id>.>`.
    pub fn run_subjects(correlation_id: &str) -> String {
        format!("{SUBJECT_PREFIX}.{}.>", escape(correlation_id))
    }
}

impl fmt::Display for FileOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.correlation_id, self.pid, self.file)
    }
}

/// Escapes one subject token: bytes outside `A-Z a-z 0-9 - _` become `~HH`.
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len() + 8);
    for byte in token.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("~{byte:02X}"));
        }
    }
    out
}

/// Reverses [`escape`]; refuses anything `escape` cannot have written.
pub fn unescape(token: &str) -> Result<String, String> {
    if token.is_empty() {
        return Err("a token is empty".to_owned());
    }
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'~' => {
                let hex = token
                    .get(i + 1..i + 3)
                    .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                    .ok_or_else(|| {
                        format!("`~` at byte {i} of `{token}` is not followed by two hex digits")
                    })?;
                out.push(u8::from_str_radix(hex, 16).map_err(|e| e.to_string())?);
                i += 3;
            }
            byte if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' => {
                out.push(byte);
                i += 1;
            }
            byte => return Err(format!("byte {byte:#04x} of `{token}` is not escaped")),
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{token}` does not unescape to UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_round_trip_any_id_and_file() {
        for (cid, file) in [
            ("abc123", "events/positions.jsonl"),
            ("a.b*c>d e~f", "position_monitor.log"),
            ("ünïcode", "metadata.json"),
        ] {
            let origin = FileOrigin {
                correlation_id: cid.to_owned(),
                pid: 4242,
                file: file.to_owned(),
            };
            let subject = origin.subject();
            assert_eq!(subject.split('.').count(), 4, "{subject}");
            assert!(!subject.contains(['*', '>', ' ']), "{subject}");
            assert_eq!(FileOrigin::from_subject(&subject).unwrap(), origin);
        }
        assert_eq!(
            FileOrigin {
                correlation_id: "abc123".into(),
                pid: 7,
                file: "events/positions.jsonl".into()
            }
            .subject(),
            "basis.abc123.7.events~2Fpositions~2Ejsonl"
        );
    }

    #[test]
    fn malformed_subjects_are_refused() {
        for subject in [
            "other.a.1.f",
            "basis.a.1",
            "basis.a.x.f",
            "basis.a.1.f.g",
            "basis.a.1.f~2",
            "basis.a.1.f~ZZ",
            "basis..1.f",
        ] {
            assert!(FileOrigin::from_subject(subject).is_err(), "{subject}");
        }
    }
}
