//! The components of the engine that log: their names, error prefixes and log files.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The one table of components: each one's docs, error prefix and log file.
///
/// A higher-order macro, as in rustc's `rustc_error_codes`: it hands the table
/// to `$callback`, so the [`Component`] enum below and the `error_codes!`
/// invocation in `codes.rs` are both built from it. That is how the macro
/// knows, at compile time, which prefix belongs to which component, without a
/// second hand-kept copy of this table.
#[doc(hidden)]
#[macro_export]
macro_rules! __with_components {
    ($callback:path, $($args:tt)*) => {
        $callback! {
            components {
                /// Tracks every position and publishes `PositionSnapshot`.
                PositionMonitor("POS", "position_monitor.log"),
                /// Computes exposures per asset.
                ExposureMonitor("EXP", "exposure_monitor.log"),
                /// Computes health factor, LTV and margin usage.
                RiskMonitor("RISK", "risk_monitor.log"),
                /// Computes P&L and its attribution.
                PnLMonitor("PNL", "pnl_monitor.log"),
                /// Decides what the strategy does next.
                StrategyManager("STRAT", "strategy_manager.log"),
                /// Executes operations at venues, with retries and atomic groups.
                ExecutionManager("EXEC", "execution_manager.log"),
                /// Routes instructions to venue interfaces.
                VenueInterfaceManager("VEN", "venue_interface_manager.log"),
                /// The event loop that drives every other component.
                EventDrivenStrategyEngine("ENGINE", "engine.log"),
                /// Applies execution deltas to positions and reconciles them.
                PositionUpdateHandler("PUH", "position_update_handler.log"),
                /// Runs health checks over every component.
                HealthMonitor("HEALTH", "health_monitor.log"),
                /// The HTTP API in front of the engine.
                Api("API", "api.log"),
                /// The domain event logger itself.
                EventLogger("LOG", "event_logger.log"),
                /// Loads market and protocol data.
                DataProvider("DATA", "data_provider.log"),
                /// Price conversion, indices and rates.
                UtilityManager("UTIL", "utility_manager.log"),
                /// Loads and validates mode configuration.
                Config("CONFIG", "config.log"),
                /// Copies logs and writes results at the end of a backtest.
                ResultsStore("RST", "results_store.log"),
            }
            $($args)*
        }
    };
}

/// Declares the built-in components from the table in [`__with_components`]:
/// one associated constant of [`Component`] each (`Component::PositionMonitor`),
/// [`Component::ALL`], and the same constants as free items in
/// [`components`](crate::components), for the glob import `logged_by` expands to.
macro_rules! define_components {
    (components {
        $( $(#[doc = $doc:literal])* $variant:ident($prefix:literal, $log_file:literal), )*
    }) => {
        #[allow(non_upper_case_globals)]
        impl Component {
            $(
                $(#[doc = $doc])*
                pub const $variant: Component = Component {
                    name: stringify!($variant),
                    prefix: $prefix,
                    log_file: $log_file,
                    doc: concat!($($doc, "\n"),*),
                };
            )*

            /// The components the guide predeclares, in declaration order.
            /// [`Component::all`] adds those other crates declared with
            /// `component!`.
            pub const ALL: [Component; [$(stringify!($variant)),*].len()] =
                [$(Component::$variant),*];
        }

        /// The built-in components as free constants: what
        /// `#[domain_event(logged_by = …)]` glob-imports, so a built-in
        /// name resolves without an import and a component declared with
        /// `component!` resolves from the author's scope.
        pub mod components {
            $(
                $(#[doc = $doc])*
                #[allow(non_upper_case_globals)]
                pub const $variant: super::Component = super::Component::$variant;
            )*
        }
    };
}

/// A component of the basis-strategy engine that writes logs or raises errors.
///
/// A `Copy` handle on a name, an error prefix and a log file. The guide's
/// components are predeclared as associated constants
/// (`Component::PositionMonitor`); an engine declares its own in its own
/// crate with [`component!`](crate::component), and they then work wherever a
/// built-in one does: `logged_by`, `ComponentLogs`, error codes, the tracing
/// layer's routing, `FromStr` and serde, the generated docs and `catalog.json`.
///
/// The first eight built-ins are the guide's "Component Prefixes"; the rest are
/// named by the guide's directory tree (`api.log`), its event catalog
/// (`PositionUpdateHandler`, `HealthMonitor`) or the original system's
/// registries (LOG, DATA, UTIL, CONFIG, RST). Serialized by name, as the guide
/// writes it in `"component": "ExecutionManager"`.
///
/// The constants can be matched on, since equality is structural:
///
/// ```
/// use basis_registry::Component;
///
/// fn is_monitor(component: Component) -> bool {
///     matches!(
///         component,
///         Component::PositionMonitor | Component::ExposureMonitor | Component::RiskMonitor
///     )
/// }
/// assert!(is_monitor("POS".parse().unwrap()));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Component {
    name: &'static str,
    prefix: &'static str,
    log_file: &'static str,
    doc: &'static str,
}

__with_components!(define_components,);

impl Component {
    /// The name as the guide writes it: `"PositionMonitor"`.
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// The prefix of this component's error codes: `"POS"` for `POS-001`.
    pub const fn prefix(self) -> &'static str {
        self.prefix
    }

    /// The structured log file of this component, in the run directory:
    /// `"position_monitor.log"`.
    pub const fn log_file(self) -> &'static str {
        self.log_file
    }

    /// The component's doc comment, as declared.
    pub const fn doc(self) -> &'static str {
        self.doc
    }

    /// Whether the guide predeclares it (one of [`Component::ALL`]).
    pub fn is_builtin(self) -> bool {
        Component::ALL.contains(&self)
    }

    /// Every component linked into the binary: the built-ins in declaration
    /// order, then those declared with `component!`, sorted by name.
    ///
    /// Duplicates are kept; [`Component::registered`] refuses them.
    pub fn all() -> Vec<Component> {
        let mut custom: Vec<&'static RegisteredComponent> =
            inventory::iter::<RegisteredComponent>.into_iter().collect();
        custom.sort_by_key(|entry| (entry.component.name, entry.module_path));
        Component::ALL
            .into_iter()
            .chain(custom.into_iter().map(|entry| entry.component))
            .collect()
    }

    /// Every component linked into the binary, as [`Component::all`], after
    /// checking that no two share a name, an error prefix or a log file:
    /// the start-up check across crates.
    ///
    /// # Errors
    ///
    /// [`DuplicateComponent`] naming the first clash and where both were
    /// declared.
    pub fn registered() -> Result<Vec<Component>, DuplicateComponent> {
        let mut declared: Vec<(Component, &'static str)> = Component::ALL
            .into_iter()
            .map(|component| (component, "basis_registry"))
            .collect();
        let mut custom: Vec<&'static RegisteredComponent> =
            inventory::iter::<RegisteredComponent>.into_iter().collect();
        custom.sort_by_key(|entry| (entry.component.name, entry.module_path));
        declared.extend(
            custom
                .into_iter()
                .map(|entry| (entry.component, entry.module_path)),
        );
        check_unique_components(&declared)?;
        Ok(declared
            .into_iter()
            .map(|(component, _)| component)
            .collect())
    }

    /// Position of a built-in in [`Component::ALL`]; custom ones sort after.
    fn rank(self) -> usize {
        Component::ALL
            .iter()
            .position(|builtin| *builtin == self)
            .unwrap_or(Component::ALL.len())
    }
}

/// Fails on the first name, prefix or log file that two components claim.
/// Prefixes and log files are compared without regard to ASCII case, since
/// `FromStr` accepts a prefix in any case and file systems may fold case.
fn check_unique_components(
    declared: &[(Component, &'static str)],
) -> Result<(), DuplicateComponent> {
    type Key = fn(&Component) -> String;
    let keys: [(&'static str, Key); 3] = [
        ("name", |c| c.name.to_owned()),
        ("error prefix", |c| c.prefix.to_ascii_uppercase()),
        ("log file", |c| c.log_file.to_ascii_lowercase()),
    ];
    for (what, key) in keys {
        let mut seen: HashMap<String, &(Component, &'static str)> = HashMap::new();
        for entry in declared {
            if let Some(first) = seen.insert(key(&entry.0), entry) {
                return Err(DuplicateComponent {
                    what,
                    value: key(&entry.0),
                    first: format!("{}::{}", first.1, first.0.name),
                    second: format!("{}::{}", entry.1, entry.0.name),
                });
            }
        }
    }
    Ok(())
}

/// Two components that claim one name, error prefix or log file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "components `{first}` and `{second}` both claim the {what} `{value}`; \
     every component needs its own name, error prefix and log file"
)]
pub struct DuplicateComponent {
    /// `"name"`, `"error prefix"` or `"log file"`.
    pub what: &'static str,
    /// The value claimed twice.
    pub value: String,
    /// The first declaration, `module::Name`.
    pub first: String,
    /// The second declaration.
    pub second: String,
}

/// A component declared with `component!`, as submitted to `inventory`.
/// Not public API: built only by the macro's expansion.
#[doc(hidden)]
#[derive(Debug)]
pub struct RegisteredComponent {
    component: Component,
    module_path: &'static str,
}

impl RegisteredComponent {
    /// Called by the code `component!` generates.
    pub const fn new(component: Component, module_path: &'static str) -> Self {
        RegisteredComponent {
            component,
            module_path,
        }
    }
}

inventory::collect!(RegisteredComponent);

/// Builds a component. Not public API.
///
/// Only code generated by `component!` calls this, after the macro checked
/// the name, prefix and log file; deprecated so that a hand-written call
/// warns (see `new_error_code` for why Rust offers nothing stricter). A
/// component built by hand is not registered, so it does not parse back.
#[doc(hidden)]
#[deprecated(note = "declare components with `basis_events::component!`")]
pub const fn new_component(
    name: &'static str,
    prefix: &'static str,
    log_file: &'static str,
    doc: &'static str,
) -> Component {
    Component {
        name,
        prefix,
        log_file,
        doc,
    }
}

/// Whether `component`'s prefix is `prefix`: the compile-time check that a
/// custom component's codes carry its prefix (`error_codes!` asserts it in a
/// constant). Not public API.
#[doc(hidden)]
pub const fn has_prefix(component: Component, prefix: &str) -> bool {
    let (a, b) = (component.prefix.as_bytes(), prefix.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Debug for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialOrd for Component {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Built-ins in declaration order, as the enum this type replaced ordered
/// them (tables and maps keyed by component keep their order); custom ones
/// after, by name.
impl Ord for Component {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.rank(), self.name, self.prefix, self.log_file, self.doc).cmp(&(
            other.rank(),
            other.name,
            other.prefix,
            other.log_file,
            other.doc,
        ))
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that names no component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown component `{0}`; expected a name such as `PositionMonitor` or an error prefix such as `POS`"
)]
pub struct UnknownComponent(pub String);

impl Component {
    /// The registered component named exactly `name` (`"PositionMonitor"`).
    pub fn named(name: &str) -> Option<Component> {
        Component::all().into_iter().find(|c| c.name == name)
    }
}

impl FromStr for Component {
    type Err = UnknownComponent;

    /// Accepts the component's name (`PositionMonitor`), its error prefix
    /// (`POS`) or its log file stem (`position_monitor`), since all three show
    /// up in logs and on command lines. Custom components registered with
    /// `component!` are found too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Component::all()
            .into_iter()
            .find(|c| {
                c.name() == s
                    || c.prefix().eq_ignore_ascii_case(s)
                    || c.log_file().strip_suffix(".log") == Some(s)
            })
            .ok_or_else(|| UnknownComponent(s.to_owned()))
    }
}

impl Serialize for Component {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

impl<'de> Deserialize<'de> for Component {
    /// By name only, as written: a registered component, built-in or custom.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = Component;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the name of a registered component such as `PositionMonitor`")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Component, E> {
                Component::named(name).ok_or_else(|| E::custom(UnknownComponent(name.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

impl JsonSchema for Component {
    fn schema_name() -> Cow<'static, str> {
        "Component".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "basis_registry::Component".into()
    }

    /// One of the names of the components linked into the binary, each
    /// with its doc comment: custom components appear in the schemas (and
    /// `catalog.json`) of the binary that links them.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let branches: Vec<serde_json::Value> = Component::all()
            .iter()
            .map(|c| {
                serde_json::json!({
                    "type": "string",
                    "const": c.name,
                    "description": one_line(c.doc),
                })
            })
            .collect();
        json_schema!({
            "description": "A component of the basis-strategy engine that writes logs or raises \
                errors, by name: one of the guide's predeclared components, or one an engine \
                declared with `component!`.",
            "oneOf": branches,
        })
    }
}

/// A doc comment as one line, as schemars writes a one-line doc.
fn one_line(doc: &str) -> String {
    doc.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_prefixes_and_log_files_are_unique() {
        for project in [Component::name, Component::prefix, Component::log_file] {
            let seen: HashSet<_> = Component::ALL.iter().map(|c| project(*c)).collect();
            assert_eq!(seen.len(), Component::ALL.len());
        }
    }

    #[test]
    #[allow(deprecated)]
    fn a_prefix_or_log_file_claimed_twice_is_refused_whatever_the_case() {
        let a = new_component("Alpha", "ALPHA", "alpha.log", "");
        let same_prefix = new_component("Beta", "alpha", "beta.log", "");
        let err = check_unique_components(&[(a, "a"), (same_prefix, "b")]).unwrap_err();
        assert_eq!((err.what, err.value.as_str()), ("error prefix", "ALPHA"));
        assert_eq!(
            (err.first.as_str(), err.second.as_str()),
            ("a::Alpha", "b::Beta")
        );
        let same_file = new_component("Gamma", "GAMMA", "Alpha.log", "");
        let err = check_unique_components(&[(a, "a"), (same_file, "c")]).unwrap_err();
        assert_eq!((err.what, err.value.as_str()), ("log file", "alpha.log"));
        let builtin_prefix = new_component("Delta", "POS", "delta.log", "");
        let declared: Vec<_> = Component::ALL
            .into_iter()
            .map(|c| (c, "basis_registry"))
            .chain([(builtin_prefix, "d")])
            .collect();
        let err = check_unique_components(&declared).unwrap_err();
        assert_eq!(err.first, "basis_registry::PositionMonitor");
        assert!(check_unique_components(&[(a, "a")]).is_ok());
    }

    #[test]
    fn guide_prefixes_and_files() {
        assert_eq!(Component::PositionMonitor.prefix(), "POS");
        assert_eq!(
            Component::PositionMonitor.log_file(),
            "position_monitor.log"
        );
        assert_eq!(Component::Api.log_file(), "api.log");
        assert_eq!(Component::VenueInterfaceManager.prefix(), "VEN");
        assert_eq!(Component::EventDrivenStrategyEngine.prefix(), "ENGINE");
    }

    #[test]
    fn parses_name_prefix_and_file_stem() {
        for c in Component::ALL {
            assert_eq!(c.name().parse::<Component>(), Ok(c));
            assert_eq!(c.prefix().parse::<Component>(), Ok(c));
        }
        assert_eq!(
            "execution_manager".parse::<Component>(),
            Ok(Component::ExecutionManager)
        );
        assert!("Nope".parse::<Component>().is_err());
    }

    #[test]
    fn serializes_by_name() {
        assert_eq!(
            serde_json::to_string(&Component::ExecutionManager).unwrap(),
            "\"ExecutionManager\""
        );
    }
}
