//! The four severities of the logging guide, with what each asks of an operator.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad an error is, as the logging guide's "Error Severity" table defines it.
///
/// Serialized upper-case (`"CRITICAL"`), as the guide writes it, so that
/// `grep '"severity":"CRITICAL"' *.log` finds every critical line.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// System failure, requires restart.
    Critical,
    /// Component failure, retry required.
    High,
    /// Degraded functionality, log and continue.
    Medium,
    /// Warning, no action needed.
    Low,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The name as written on the wire and in the guide: `"CRITICAL"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::High => "HIGH",
            Severity::Medium => "MEDIUM",
            Severity::Low => "LOW",
        }
    }

    /// The guide's one-line meaning of the severity.
    pub const fn meaning(self) -> &'static str {
        match self {
            Severity::Critical => "System failure, requires restart",
            Severity::High => "Component failure, retry required",
            Severity::Medium => "Degraded functionality, log and continue",
            Severity::Low => "Warning, no action needed",
        }
    }

    /// What the engine does with an error of this severity, as the original
    /// system's docs add to the guide's meaning. Each code's own action says
    /// what the operator does on top.
    pub const fn handling(self) -> &'static str {
        match self {
            Severity::Critical => {
                "Propagated to the health system, which restarts; immediate alert, execution halts."
            }
            Severity::High => {
                "Logged and retried with exponential backoff, at most 3 retries; \
                 alert when more than 5 occur in an hour."
            }
            Severity::Medium => "Logged and monitored.",
            Severity::Low => "Logged only.",
        }
    }

    /// The log level a structured log line of this severity is written at.
    ///
    /// The original system mapped CRITICAL to critical, HIGH to error, MEDIUM
    /// to warning and LOW to info; we keep that mapping.
    pub const fn log_level(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::High => "ERROR",
            Severity::Medium => "WARNING",
            Severity::Low => "INFO",
        }
    }

    /// The OpenTelemetry `SeverityNumber` (FATAL 21, ERROR 17, WARN 13, INFO 9),
    /// so the logs can be shipped to an OpenTelemetry collector unchanged.
    pub const fn otel_severity_number(self) -> u8 {
        match self {
            Severity::Critical => 21,
            Severity::High => 17,
            Severity::Medium => 13,
            Severity::Low => 9,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no severity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}`; expected CRITICAL, HIGH, MEDIUM or LOW")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    /// Parses the guide's upper-case name; lower case is accepted too, since
    /// people type `--severity critical` on the command line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownSeverity(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_upper_case_as_the_guide_writes_it() {
        assert_eq!(
            serde_json::to_string(&Severity::Critical).unwrap(),
            "\"CRITICAL\""
        );
        let back: Severity = serde_json::from_str("\"HIGH\"").unwrap();
        assert_eq!(back, Severity::High);
    }

    #[test]
    fn parses_any_case_and_names_the_bad_input() {
        assert_eq!("medium".parse::<Severity>(), Ok(Severity::Medium));
        let err = "SEVERE".parse::<Severity>().unwrap_err();
        assert!(err.to_string().contains("`SEVERE`"), "{err}");
    }

    #[test]
    fn otel_numbers_and_levels_follow_the_mapping() {
        let numbers: Vec<u8> = Severity::ALL
            .iter()
            .map(|s| s.otel_severity_number())
            .collect();
        assert_eq!(numbers, [21, 17, 13, 9]);
        assert_eq!(Severity::High.log_level(), "ERROR");
    }
}
