//! Events any component logs: system errors.

use serde::Deserialize;

use crate::prelude::*;

/// An error raised by any component, with its registered code and severity. Logged on every error occurrence.
//
// The code, the component and the severity are private: they come from the
// registry through `from_code`, so a logged error code always exists and
// always carries its registered severity. Reading a line back checks the same.
#[domain_event(file = "system_errors.jsonl", logged_by = all, example = example)]
#[serde(try_from = "UncheckedSystemError")]
// The schema is the struct's own; `try_from` only adds the registry check.
#[schemars(!try_from)]
pub struct SystemErrorEvent {
    /// The registered error code (`EXEC-001`); `docs/ERROR_CODES.md` lists them all.
    error_code: ErrorCode,
    pub error_message: String,
    /// The component that raised the error: the code's registered component.
    component: Component,
    /// The code's registered severity.
    severity: Severity,
    /// Where the error happened; `null` when unknown.
    pub stack_trace: Option<String>,
    #[serde(default)]
    pub metadata: Metadata,
}

impl SystemErrorEvent {
    /// An occurrence of `code`, with its registered component and severity.
    ///
    /// The code, the component and the severity all come from the registry,
    /// so a logged error code always exists and always carries its registered
    /// severity; those three fields have getters but no setters. The author
    /// adds the message, the stack trace and metadata. Reading a line back
    /// checks the same: a line whose `component` or `severity` differs from
    /// its code's registered one is refused, as an unknown or malformed code
    /// is.
    ///
    /// ```
    /// use basis_events::catalog::SystemErrorEvent;
    /// use basis_events::prelude::*;
    ///
    /// let event = SystemErrorEvent::from_code(codes::EXEC_001, "Order execution failed")
    ///     .with_stack_trace("Traceback (most recent call last)...")
    ///     .with_metadata("operation_id", "supply_001");
    /// assert_eq!(event.component(), Component::ExecutionManager);
    /// assert_eq!(event.severity(), Severity::High);
    /// ```
    pub fn from_code(code: ErrorCode, error_message: impl Into<String>) -> Self {
        SystemErrorEvent {
            error_code: code,
            error_message: error_message.into(),
            component: code.component(),
            severity: code.severity(),
            stack_trace: None,
            metadata: Metadata::new(),
        }
    }

    /// Sets where the error happened.
    pub fn with_stack_trace(mut self, stack_trace: impl Into<String>) -> Self {
        self.stack_trace = Some(stack_trace.into());
        self
    }

    /// Adds one metadata entry, such as the operation the error concerns.
    /// A non-finite number anywhere in `value` makes `emit` refuse the event
    /// with its path ([`Metadata::insert`]), instead of writing `null`.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl serde::Serialize) -> Self {
        self.metadata.insert(key, value);
        self
    }

    /// The registered error code.
    pub fn error_code(&self) -> ErrorCode {
        self.error_code
    }

    /// The component that raised the error: always the code's component.
    pub fn component(&self) -> Component {
        self.component
    }

    /// The severity: always the code's registered severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }
}

fn example() -> SystemErrorEvent {
    SystemErrorEvent::from_code(codes::EXEC_001, "Order execution failed")
        .with_stack_trace("Traceback (most recent call last)...")
}

/// A line as read, before the registry check. The fields mirror the event's;
/// `TryFrom` builds the event by name, so a field added to one and not the
/// other does not compile.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UncheckedSystemError {
    error_code: ErrorCode,
    error_message: String,
    component: Component,
    severity: Severity,
    stack_trace: Option<String>,
    #[serde(default)]
    metadata: Metadata,
}

/// A line whose component or severity is not its code's registered one.
#[derive(Debug, thiserror::Error)]
enum NotAsRegistered {
    #[error(
        "`{code}` is registered with severity {registered}, but the line says {found}; \
         a logged error code always carries its registered severity"
    )]
    Severity {
        code: ErrorCode,
        registered: Severity,
        found: Severity,
    },
    #[error(
        "`{code}` is raised by {registered}, but the line says {found}; \
         a logged error code always carries its registered component"
    )]
    Component {
        code: ErrorCode,
        registered: Component,
        found: Component,
    },
}

impl TryFrom<UncheckedSystemError> for SystemErrorEvent {
    type Error = NotAsRegistered;

    fn try_from(line: UncheckedSystemError) -> Result<Self, Self::Error> {
        let code = line.error_code;
        if line.severity != code.severity() {
            return Err(NotAsRegistered::Severity {
                code,
                registered: code.severity(),
                found: line.severity,
            });
        }
        if line.component != code.component() {
            return Err(NotAsRegistered::Component {
                code,
                registered: code.component(),
                found: line.component,
            });
        }
        Ok(SystemErrorEvent {
            error_code: code,
            error_message: line.error_message,
            component: line.component,
            severity: line.severity,
            stack_trace: line.stack_trace,
            metadata: line.metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Envelope, EventRecord};

    const GUIDE: &str = r#"{"timestamp":"2025-01-15T10:30:00","real_utc_time":"2025-01-15T10:30:00.123456","correlation_id":"abc123","pid":12345,"error_code":"EXEC-001","error_message":"Order execution failed","component":"ExecutionManager","severity":"HIGH","stack_trace":"Traceback (most recent call last)...","metadata":{}}"#;

    fn read(line: &str) -> Result<EventRecord<SystemErrorEvent>, serde_json::Error> {
        serde_json::from_str(line)
    }

    #[test]
    fn the_example_is_the_guides_line() {
        let line = serde_json::to_string(&example().stamp(Envelope::example())).unwrap();
        assert_eq!(line, GUIDE);
        assert_eq!(read(GUIDE).unwrap().event, example());
    }

    #[test]
    fn component_and_severity_come_from_the_registry() {
        let event = SystemErrorEvent::from_code(codes::POS_005, "mismatch on aUSDT")
            .with_metadata("position_key", "aave:aToken:aUSDT");
        assert_eq!(event.error_code(), codes::POS_005);
        assert_eq!(event.component(), Component::PositionMonitor);
        assert_eq!(event.severity(), Severity::Critical);
        assert_eq!(event.stack_trace, None);
        assert_eq!(event.metadata["position_key"], "aave:aToken:aUSDT");
    }

    #[test]
    fn a_line_with_another_severity_than_the_registered_one_is_refused() {
        let line = GUIDE.replace(r#""severity":"HIGH""#, r#""severity":"LOW""#);
        let err = read(&line).unwrap_err().to_string();
        assert!(
            err.contains("`EXEC-001` is registered with severity HIGH, but the line says LOW"),
            "{err}"
        );
    }

    #[test]
    fn a_line_with_another_component_than_the_registered_one_is_refused() {
        let line = GUIDE.replace("ExecutionManager", "RiskMonitor");
        let err = read(&line).unwrap_err().to_string();
        assert!(
            err.contains("`EXEC-001` is raised by ExecutionManager, but the line says RiskMonitor"),
            "{err}"
        );
    }

    #[test]
    fn unknown_malformed_and_unexpected_keys_are_refused() {
        let err = read(&GUIDE.replace("EXEC-001", "EXEC-999")).unwrap_err();
        assert!(
            err.to_string().contains("unknown error code `EXEC-999`"),
            "{err}"
        );
        let err = read(&GUIDE.replace("EXEC-001", "exec-1")).unwrap_err();
        assert!(
            err.to_string().contains("malformed error code `exec-1`"),
            "{err}"
        );
        let err = read(&GUIDE.replacen('{', r#"{"surprise":1,"#, 1)).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `surprise`"),
            "{err}"
        );
    }

    #[test]
    #[allow(deprecated)]
    fn retired_codes_still_read_from_old_lines() {
        let line = GUIDE
            .replace("EXEC-001", "POS-001")
            .replace("ExecutionManager", "PositionMonitor")
            .replace(r#""severity":"HIGH""#, r#""severity":"CRITICAL""#);
        let event = read(&line).unwrap().event;
        assert_eq!(event.error_code(), codes::POS_001);
        assert_eq!(event.error_code().retired_by(), Some(codes::POS_005));
    }

    #[test]
    fn the_schema_is_the_structs_own() {
        let schema = crate::schema::record_schema::<SystemErrorEvent>();
        let keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        assert_eq!(
            keys[5..],
            [
                "error_code",
                "error_message",
                "component",
                "severity",
                "stack_trace",
                "metadata"
            ]
        );
        assert_eq!(
            schema["properties"]["error_code"]["$ref"],
            "#/$defs/ErrorCode"
        );
        assert_eq!(schema["additionalProperties"], false);
    }
}
