//! The components of the engine that log: their names, error prefixes and log files.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    /// Tracks every position and publishes `PositionSnapshot`.
    PositionMonitor,
    /// Computes exposures per asset.
    ExposureMonitor,
    /// Computes health factor, LTV and margin usage.
    RiskMonitor,
    /// Computes P&L and its attribution.
    PnLMonitor,
    /// Decides what the strategy does next.
    StrategyManager,
    /// Executes operations at venues, with retries and atomic groups.
    ExecutionManager,
    /// Routes instructions to venue interfaces.
    VenueInterfaceManager,
    /// The event loop that drives every other component.
    EventDrivenStrategyEngine,
    /// Applies execution deltas to positions and reconciles them.
    PositionUpdateHandler,
    /// Runs health checks over every component.
    HealthMonitor,
    /// The HTTP API in front of the engine.
    Api,
    /// The domain event logger itself.
    EventLogger,
    /// Loads market and protocol data.
    DataProvider,
    /// Price conversion, indices and rates.
    UtilityManager,
    /// Loads and validates mode configuration.
    Config,
    /// Copies logs and writes results at the end of a backtest.
    ResultsStore,
}

impl Component {
    /// Every component, in declaration order.
    pub const ALL: [Component; 16] = [
        Component::PositionMonitor,
        Component::ExposureMonitor,
        Component::RiskMonitor,
        Component::PnLMonitor,
        Component::StrategyManager,
        Component::ExecutionManager,
        Component::VenueInterfaceManager,
        Component::EventDrivenStrategyEngine,
        Component::PositionUpdateHandler,
        Component::HealthMonitor,
        Component::Api,
        Component::EventLogger,
        Component::DataProvider,
        Component::UtilityManager,
        Component::Config,
        Component::ResultsStore,
    ];

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

    /// One table for the three names, so they cannot drift apart.
    const fn spec(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Component::PositionMonitor => ("PositionMonitor", "POS", "position_monitor.log"),
            Component::ExposureMonitor => ("ExposureMonitor", "EXP", "exposure_monitor.log"),
            Component::RiskMonitor => ("RiskMonitor", "RISK", "risk_monitor.log"),
            Component::PnLMonitor => ("PnLMonitor", "PNL", "pnl_monitor.log"),
            Component::StrategyManager => ("StrategyManager", "STRAT", "strategy_manager.log"),
            Component::ExecutionManager => ("ExecutionManager", "EXEC", "execution_manager.log"),
            Component::VenueInterfaceManager => (
                "VenueInterfaceManager",
                "VEN",
                "venue_interface_manager.log",
            ),
            Component::EventDrivenStrategyEngine => {
                ("EventDrivenStrategyEngine", "ENGINE", "engine.log")
            }
            Component::PositionUpdateHandler => (
                "PositionUpdateHandler",
                "PUH",
                "position_update_handler.log",
            ),
            Component::HealthMonitor => ("HealthMonitor", "HEALTH", "health_monitor.log"),
            Component::Api => ("Api", "API", "api.log"),
            Component::EventLogger => ("EventLogger", "LOG", "event_logger.log"),
            Component::DataProvider => ("DataProvider", "DATA", "data_provider.log"),
            Component::UtilityManager => ("UtilityManager", "UTIL", "utility_manager.log"),
            Component::Config => ("Config", "CONFIG", "config.log"),
            Component::ResultsStore => ("ResultsStore", "RST", "results_store.log"),
        }
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
