//! A `tracing` layer that writes `tracing` events into component logs.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use parking_lot::{Mutex, RwLock};

use serde_json::{Map, Value};
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::{ComponentLogs, Fields, Level, StructuredLogger};
use crate::Component;
use basis_registry::ErrorCode;

/// The field that names a component, on an event or on a span.
pub const COMPONENT_FIELD: &str = "component";
/// The field that carries a registered error code.
pub const ERROR_CODE_FIELD: &str = "error_code";
/// The field a line gets when its event or span named a component that is
/// not registered: the name as given (the line goes to the default component).
pub const UNKNOWN_COMPONENT_FIELD: &str = "unknown_component";

/// Routes `tracing` events into component logs: `tracing::info!(...)` inside
/// a component lands in that component's `.log` file, as one JSON line like
/// every other component-log line.
///
/// # Which component
///
/// The first that applies:
///
/// 1. a `component` field on the event:
///    `tracing::warn!(component = "RiskMonitor", ltv = 0.7, "LTV high")`;
/// 2. a `component` field on the innermost enclosing span that has one, so a
///    component wraps its work once:
///    `let _span = tracing::info_span!("risk", component = "RiskMonitor").entered();`;
/// 3. the longest target prefix given to [`route_target`](Self::route_target)
///    (targets default to the module path: `my_engine::risk` for code in
///    that module);
/// 4. the default component, `EventDrivenStrategyEngine` (`engine.log`), so
///    no event is dropped.
///
/// A `component` value is a name (`RiskMonitor`), an error prefix (`RISK`)
/// or a log-file stem (`risk_monitor`), of a built-in component or one
/// declared with `component!`. A value that names no registered component
/// is not dropped silently: the line goes to the default component with an
/// `unknown_component` field holding the name, and the name is printed on
/// stderr the first time it is seen.
///
/// # Lines
///
/// `message` is the event's message; an `error_code` field naming a
/// registered code, given as a string, with `%code` or with `?code`, becomes
/// the line's code (its severity decides the line's severity and level; a
/// code of another component than the line's is refused, as
/// [`StructuredLogger::error_code`] refuses it); every other field is
/// flattened in. Levels map as
/// ERROR to `ERROR`, WARN to `WARNING`, INFO to `INFO`, DEBUG and TRACE to
/// `DEBUG`.
///
/// # Examples
///
/// ```
/// use basis_events::structured::{ComponentLogs, StructuredLayer};
/// use basis_events::Component;
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let dir = tempfile::tempdir()?;
/// let logs = ComponentLogs::new(dir.path(), "abc123", 12345)?;
/// let subscriber = tracing_subscriber::registry()
///     .with(StructuredLayer::new(logs.clone()).route_target("my_engine::risk", Component::RiskMonitor));
/// tracing::subscriber::with_default(subscriber, || {
///     let _span = tracing::info_span!("update", component = "PositionMonitor").entered();
///     tracing::info!(positions_count = 2, "Position updated");
/// });
/// logs.flush()?;
/// let text = std::fs::read_to_string(dir.path().join("position_monitor.log"))?;
/// assert!(text.contains(r#""message":"Position updated","positions_count":2"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StructuredLayer {
    logs: ComponentLogs,
    default: Component,
    targets: Vec<(String, Component)>,
    loggers: RwLock<HashMap<Component, StructuredLogger>>,
    /// Unknown component names already printed on stderr.
    reported_unknown: Mutex<HashSet<String>>,
}

/// The component a span named, kept in the span's extensions.
#[derive(Clone)]
enum SpanComponent {
    Known(Component),
    /// A name no registered component has.
    Unknown(String),
}

impl StructuredLayer {
    /// A layer writing into `logs`.
    pub fn new(logs: ComponentLogs) -> Self {
        StructuredLayer {
            logs,
            default: Component::EventDrivenStrategyEngine,
            targets: Vec::new(),
            loggers: RwLock::new(HashMap::new()),
            reported_unknown: Mutex::new(HashSet::new()),
        }
    }

    /// Where events that name no component go (`EventDrivenStrategyEngine`
    /// by default).
    pub fn default_component(mut self, component: Component) -> Self {
        self.default = component;
        self
    }

    /// Sends events whose target starts with `prefix` (a module path such as
    /// `my_engine::risk`) to `component`, unless they or their spans name
    /// one.
    pub fn route_target(mut self, prefix: impl Into<String>, component: Component) -> Self {
        self.targets.push((prefix.into(), component));
        // Longest prefix first, so the most specific route wins.
        self.targets
            .sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        self
    }

    fn logger(&self, component: Component) -> Option<StructuredLogger> {
        if let Some(logger) = self.loggers.read().get(&component) {
            return Some(logger.clone());
        }
        // Failing to open the file is counted and printed by the writer's
        // error report on the first line that cannot be written; here it is
        // printed once through the same channel.
        match self.logs.logger(component) {
            Ok(logger) => Some(
                self.loggers
                    .write()
                    .entry(component)
                    .or_insert(logger)
                    .clone(),
            ),
            Err(error) => {
                self.logs.shared.writer.errors.report(&error);
                None
            }
        }
    }

    /// Prints an unknown component name on stderr, once per name.
    fn report_unknown(&self, name: &str) {
        if self.reported_unknown.lock().insert(name.to_owned()) {
            eprintln!(
                "basis-events: a tracing event or span names the component `{name}`, which is \
                 not registered; its lines go to `{}` with an `{UNKNOWN_COMPONENT_FIELD}` field \
                 (declare it with `basis_events::component!`)",
                self.default.log_file()
            );
        }
    }

    fn route_target_of(&self, target: &str) -> Option<Component> {
        self.targets
            .iter()
            .find(|(prefix, _)| {
                target == prefix
                    || target
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with("::"))
            })
            .map(|(_, component)| *component)
    }
}

impl fmt::Debug for StructuredLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StructuredLayer")
            .field("logs", &self.logs)
            .field("default", &self.default)
            .field("targets", &self.targets)
            .finish_non_exhaustive()
    }
}

impl<S> tracing_subscriber::Layer<S> for StructuredLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut visitor = ComponentVisitor(None);
        attrs.record(&mut visitor);
        if let Some(component) = visitor.0
            && let Some(span) = ctx.span(id)
        {
            span.extensions_mut().insert(component);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut visitor = EventVisitor::default();
        event.record(&mut visitor);
        let named = visitor.component.take().or_else(|| {
            ctx.event_scope(event)?
                .find_map(|span| span.extensions().get::<SpanComponent>().cloned())
        });
        let component = match named {
            Some(SpanComponent::Known(component)) => component,
            Some(SpanComponent::Unknown(name)) => {
                self.report_unknown(&name);
                visitor
                    .fields
                    .insert(UNKNOWN_COMPONENT_FIELD.to_owned(), Value::String(name));
                self.default
            }
            None => self
                .route_target_of(event.metadata().target())
                .unwrap_or(self.default),
        };
        let level = match *event.metadata().level() {
            tracing_core::Level::ERROR => Level::Error,
            tracing_core::Level::WARN => Level::Warning,
            tracing_core::Level::INFO => Level::Info,
            _ => Level::Debug,
        };
        if let Some(logger) = self.logger(component) {
            // Failures are counted and printed by the logger.
            let _ = logger.try_log(
                level,
                visitor.code,
                &visitor.message,
                Fields::from(visitor.fields),
            );
        }
    }
}

/// What a `component` field names: a registered component, or not.
fn component_named(text: &str) -> SpanComponent {
    let name = text.trim_matches('"');
    match name.parse() {
        Ok(component) => SpanComponent::Known(component),
        Err(_) => SpanComponent::Unknown(name.to_owned()),
    }
}

/// The code an `error_code` field names, however it was recorded: the
/// string (`error_code = "DATA-001"`), `%code` (`DATA-001`) or `?code`
/// (`ErrorCode("DATA-001")`).
fn code_named(text: &str) -> Option<ErrorCode> {
    let bare = text
        .strip_prefix("ErrorCode(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
        .unwrap_or(text);
    ErrorCode::parse(bare.trim_matches('"')).ok()
}

/// Finds a `component` field.
struct ComponentVisitor(Option<SpanComponent>);

impl Visit for ComponentVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == COMPONENT_FIELD {
            self.0 = Some(component_named(value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == COMPONENT_FIELD {
            self.0 = Some(component_named(&format!("{value:?}")));
        }
    }
}

/// Collects an event's message, component, code and other fields.
#[derive(Default)]
struct EventVisitor {
    message: String,
    component: Option<SpanComponent>,
    code: Option<ErrorCode>,
    fields: Map<String, Value>,
}

impl EventVisitor {
    fn insert(&mut self, field: &Field, value: Value) {
        self.fields.insert(field.name().to_owned(), value);
    }

    /// Takes `message`, `component` and a registered `error_code`; false for
    /// any other field (an `error_code` naming no registered code is kept as
    /// a field, renamed `extra.error_code`).
    fn special(&mut self, field: &Field, text: &str) -> bool {
        match field.name() {
            "message" => {
                self.message.clear();
                self.message.push_str(text);
                true
            }
            COMPONENT_FIELD => {
                self.component = Some(component_named(text));
                true
            }
            ERROR_CODE_FIELD => match code_named(text) {
                Some(code) => {
                    self.code = Some(code);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }
}

impl Visit for EventVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity: say so rather than write null.
        let value = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.insert(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        let value =
            i64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from);
        self.insert(field, value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        let value =
            u64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from);
        self.insert(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.special(field, value) {
            self.insert(field, value.into());
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(text, ": {cause}");
            source = cause.source();
        }
        self.insert(field, text.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if !self.special(field, &text) {
            self.insert(field, text.into());
        }
    }
}
