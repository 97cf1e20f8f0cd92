//! Watching the fleet: every error at or above a severity and every failed
//! operation, as the forwarders publish them, one alert each.
//!
//! It subscribes to the subjects live (plain NATS, no consumer), so it sees
//! what is published from the moment it starts; a message published again
//! on a retry is shown once, by line id.

use std::collections::HashMap;
use std::fmt;
use std::ops::ControlFlow;
use std::str::FromStr;

use basis_events::Severity;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::error::NatsError;
use crate::message::{Body, Message};
use crate::nats::{self, Retry};
use crate::status::{Status, StatusFn};
use crate::subject::{ALL_SUBJECTS, FileOrigin};

/// The event file of system errors.
pub const ERRORS_FILE: &str = "events/system_errors.jsonl";
/// The event file of operations.
pub const OPERATIONS_FILE: &str = "events/operation_executions.jsonl";

/// What to watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub url: String,
    /// Errors at least this severe (CRITICAL is the most severe).
    pub severity: Severity,
    /// Only this run.
    pub correlation_id: Option<String>,
    pub retry: Retry,
}

impl WatchOptions {
    /// Every run, errors of severity HIGH and CRITICAL.
    pub fn new(url: impl Into<String>) -> Self {
        WatchOptions {
            url: url.into(),
            severity: Severity::High,
            correlation_id: None,
            retry: Retry::default(),
        }
    }
}

/// One error or failed operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// `error` or `failed_operation`.
    pub kind: &'static str,
    pub correlation_id: String,
    pub pid: u32,
    pub host: String,
    /// The error's severity, or `FAILED`.
    pub severity: String,
    /// The error code, if any.
    pub code: Option<String>,
    /// The component of an error, the operation id of an operation.
    pub subject: String,
    pub message: String,
    /// The whole event line.
    pub event: Value,
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}/{}@{}: {}",
            self.severity,
            self.code.as_deref().unwrap_or("-"),
            self.subject,
            self.correlation_id,
            self.pid,
            self.host,
            self.message
        )
    }
}

/// Watches until `on_alert` breaks (or the connection gives up).
pub fn watch(
    options: &WatchOptions,
    status: StatusFn<'_>,
    on_alert: &mut dyn FnMut(&Alert) -> ControlFlow<()>,
) -> Result<(), NatsError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| NatsError::Request {
            op: "starting the runtime",
            url: options.url.clone(),
            reason: err.to_string(),
        })?;
    runtime.block_on(async {
        let client = nats::connect(&options.url, &options.retry, status).await?;
        let subject = options
            .correlation_id
            .as_deref()
            .map_or_else(|| ALL_SUBJECTS.to_owned(), FileOrigin::run_subjects);
        let mut subscriber =
            client
                .subscribe(subject.clone())
                .await
                .map_err(|err| NatsError::Request {
                    op: "subscribing",
                    url: options.url.clone(),
                    reason: err.to_string(),
                })?;
        // Subscribed once this returns: the caller may start publishing.
        client.flush().await.map_err(|err| NatsError::Request {
            op: "subscribing",
            url: options.url.clone(),
            reason: err.to_string(),
        })?;
        status(&Status::Watching { subject });
        let mut seen: HashMap<(String, FileOrigin), u64> = HashMap::new();
        while let Some(message) = subscriber.next().await {
            let Ok(decoded) = Message::decode(
                message.subject.as_str(),
                message.headers.as_ref(),
                message.payload,
            ) else {
                continue;
            };
            for alert in alerts(&decoded, options.severity, &mut seen) {
                if on_alert(&alert).is_break() {
                    return Ok(());
                }
            }
        }
        Ok(())
    })
}

/// The alerts in one message, each line once.
fn alerts(
    message: &Message,
    threshold: Severity,
    seen: &mut HashMap<(String, FileOrigin), u64>,
) -> Vec<Alert> {
    let Body::Lines(batch) = &message.body else {
        return Vec::new();
    };
    let file = message.origin.file.as_str();
    if file != ERRORS_FILE && file != OPERATIONS_FILE {
        return Vec::new();
    }
    let last = seen
        .entry((message.host.clone(), message.origin.clone()))
        .or_insert(0);
    let mut out = Vec::new();
    for (line, &id) in batch.payload.split(|&b| b == b'\n').zip(&batch.line_ids) {
        if id <= *last {
            continue;
        }
        *last = id;
        let Ok(event) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let text = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
        let alert = |kind, severity: String, subject: Option<String>| Alert {
            kind,
            correlation_id: message.origin.correlation_id.clone(),
            pid: message.origin.pid,
            host: message.host.clone(),
            severity,
            code: text("error_code"),
            subject: subject.unwrap_or_default(),
            message: text("error_message").unwrap_or_default(),
            event: event.clone(),
        };
        if file == ERRORS_FILE {
            let Some(severity) = text("severity") else {
                continue;
            };
            if Severity::from_str(&severity).is_ok_and(|s| s <= threshold) {
                out.push(alert("error", severity, text("component")));
            }
        } else if text("status").as_deref() == Some("failed") {
            out.push(alert(
                "failed_operation",
                "FAILED".to_owned(),
                text("operation_id"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::ids::IdKind;
    use crate::message::{LineBatch, line_ids};

    fn message(file: &str, prev: u64, text: &str) -> Message {
        let line_ids = line_ids(text.as_bytes(), IdKind::Line, prev).unwrap();
        Message {
            origin: FileOrigin {
                correlation_id: "run".into(),
                pid: 7,
                file: file.into(),
            },
            host: "h".into(),
            body: Body::Lines(LineBatch {
                ids: IdKind::Line,
                prev,
                first: line_ids[0],
                last: *line_ids.last().unwrap(),
                payload: Bytes::from(text.to_owned()),
                line_ids,
            }),
        }
    }

    #[test]
    fn errors_by_severity_and_failed_operations_once_each() {
        let errors = concat!(
            r#"{"error_code":"EXEC-001","component":"ExecutionManager","severity":"CRITICAL","error_message":"boom"}"#,
            "\n",
            r#"{"error_code":"EXEC-002","component":"ExecutionManager","severity":"LOW","error_message":"meh"}"#,
            "\n",
            r#"{"error_code":"RISK-001","component":"RiskMonitor","severity":"HIGH","error_message":"risky"}"#,
            "\n",
        );
        let mut seen = HashMap::new();
        let found = alerts(&message(ERRORS_FILE, 0, errors), Severity::High, &mut seen);
        let codes: Vec<_> = found.iter().map(|a| a.code.clone().unwrap()).collect();
        assert_eq!(codes, ["EXEC-001", "RISK-001"]);
        assert_eq!(
            found[0].to_string(),
            "CRITICAL EXEC-001 ExecutionManager run/7@h: boom"
        );
        // The same message again (a retry): nothing new.
        assert!(alerts(&message(ERRORS_FILE, 0, errors), Severity::High, &mut seen).is_empty());
        let only_critical = alerts(
            &message(ERRORS_FILE, 0, errors),
            Severity::Critical,
            &mut HashMap::new(),
        );
        assert_eq!(only_critical.len(), 1);

        let operations = concat!(
            r#"{"operation_id":"supply_001","status":"confirmed"}"#,
            "\n",
            r#"{"operation_id":"supply_002","status":"failed","error_message":"reverted"}"#,
            "\n",
        );
        let found = alerts(
            &message(OPERATIONS_FILE, 0, operations),
            Severity::High,
            &mut seen,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].subject, "supply_002");
        assert_eq!(found[0].severity, "FAILED");
        assert!(
            alerts(
                &message("events/positions.jsonl", 0, operations),
                Severity::Low,
                &mut seen
            )
            .is_empty()
        );
    }
}
