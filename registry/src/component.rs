//! The components of the engine that log: their names, error prefixes and log files.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// Declares [`Component`] from the table in [`__with_components`].
macro_rules! define_component {
    (components {
        $( $(#[doc = $doc:literal])* $variant:ident($prefix:literal, $log_file:literal), )*
    }) => {
        /// A component of the basis-strategy engine that writes logs or raises errors.
        ///
        /// The first eight are the guide's "Component Prefixes"; the rest are named by
        /// the guide's directory tree (`api.log`), its event catalog
        /// (`PositionUpdateHandler`, `HealthMonitor`) or the original system's
        /// registries (LOG, DATA, UTIL, CONFIG, RST). Serialized by name, as the guide
        /// writes it in `"component": "ExecutionManager"`.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
        )]
        pub enum Component {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Component {
            const COUNT: usize = [$(stringify!($variant)),*].len();

            /// Every component, in declaration order.
            pub const ALL: [Component; Component::COUNT] = [$(Component::$variant),*];

            /// One table for the three names, so they cannot drift apart.
            const fn spec(self) -> (&'static str, &'static str, &'static str) {
                match self {
                    $( Component::$variant => (stringify!($variant), $prefix, $log_file), )*
                }
            }
        }
    };
}

__with_components!(define_component,);

impl Component {
    /// The name as the guide writes it: `"PositionMonitor"`.
    pub const fn name(self) -> &'static str {
        self.spec().0
    }

    /// The prefix of this component's error codes: `"POS"` for `POS-001`.
    pub const fn prefix(self) -> &'static str {
        self.spec().1
    }

    /// The structured log file of this component, in the run directory:
    /// `"position_monitor.log"`.
    pub const fn log_file(self) -> &'static str {
        self.spec().2
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

impl FromStr for Component {
    type Err = UnknownComponent;

    /// Accepts the component's name (`PositionMonitor`), its error prefix
    /// (`POS`) or its log file stem (`position_monitor`), since all three show
    /// up in logs and on command lines.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Component::ALL
            .into_iter()
            .find(|c| {
                c.name() == s
                    || c.prefix().eq_ignore_ascii_case(s)
                    || c.log_file().strip_suffix(".log") == Some(s)
            })
            .ok_or_else(|| UnknownComponent(s.to_owned()))
    }
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
