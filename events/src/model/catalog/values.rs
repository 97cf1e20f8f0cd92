//! The value sets the guide enumerates, as typed enums written lower-case,
//! and [`Metadata`], the free-form map that cannot lose a number as `null`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// Free-form extra data on an event: a JSON object, `{}` when there is none.
///
/// A non-finite number never reaches a file as `null` through it.
/// `serde_json` turns `f64::NAN` into `null` the moment it becomes a
/// [`serde_json::Value`], before any logger could see it, so a plain map of
/// values cannot tell a lost number from a real `null`. [`Metadata::insert`]
/// takes the value itself (anything `Serialize`: a number, a string, a
/// struct, a `Value`), checks it for NaN and infinities at every depth, and
/// keeps the first one it finds: the metadata then serializes it as the
/// float it is, so `DomainEventLogger::emit` refuses the event with
/// `LogError::NonFinite` naming the field (`metadata.x`), as it does for
/// any `f64` field. A `Value` the caller built already (with `json!` or
/// `Value::from`) holds no non-finite number: `serde_json` made it `null`
/// there; insert the number, not a `Value` made from it.
///
/// Reading goes through the map ([`Deref`] to [`serde_json::Map`]); writing
/// only through [`Metadata::insert`].
///
/// ```
/// use basis_events::catalog::Metadata;
///
/// let mut metadata = Metadata::new();
/// metadata.insert("operation_id", "supply_001");
/// assert_eq!(metadata["operation_id"], "supply_001");
/// metadata.insert("ratio", f64::NAN);
/// assert_eq!(metadata.non_finite(), Some(("ratio", f64::NAN.to_bits())));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Metadata {
    map: Map<String, Value>,
    /// The first key whose value held a non-finite float, and that float.
    #[serde(skip)]
    non_finite: Option<(String, f64)>,
}

impl Metadata {
    /// Empty metadata: `{}`.
    pub fn new() -> Self {
        Metadata::default()
    }

    /// Sets `key` to `value` serialized as JSON. A value holding a NaN or an
    /// infinity anywhere (a float, a list of floats, a struct, a map) is kept
    /// as that float, so `emit` refuses the event naming `metadata.{key}`;
    /// a value whose `Serialize` fails is stored as `null` and also kept for
    /// `emit` to refuse.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Serialize) {
        let key = key.into();
        if let Some((known, _)) = &self.non_finite
            && *known == key
        {
            self.non_finite = None;
        }
        if let Err((float, _path)) = crate::logger::check_finite(&value) {
            if self.non_finite.is_none() {
                self.non_finite = Some((key.clone(), float));
            }
            self.map.insert(key, Value::Null);
            return;
        }
        let value = serde_json::to_value(&value).unwrap_or(Value::Null);
        self.map.insert(key, value);
    }

    /// The first key given a non-finite value, and that value's bits (so
    /// a NaN compares equal to itself).
    pub fn non_finite(&self) -> Option<(&str, u64)> {
        self.non_finite
            .as_ref()
            .map(|(key, float)| (key.as_str(), float.to_bits()))
    }

    /// The entries, as a JSON map.
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }
}

impl Deref for Metadata {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        &self.map
    }
}

impl From<Map<String, Value>> for Metadata {
    /// A map of `Value`s holds no non-finite number (see [`Metadata`]).
    fn from(map: Map<String, Value>) -> Self {
        Metadata {
            map,
            non_finite: None,
        }
    }
}

impl FromIterator<(String, Value)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(entries: I) -> Self {
        Metadata::from(entries.into_iter().collect::<Map<_, _>>())
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some((bad_key, float)) = &self.non_finite else {
            return self.map.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(self.map.len()))?;
        for (key, value) in &self.map {
            if key == bad_key {
                // The float itself: the logger's check refuses it by path.
                map.serialize_entry(key, float)?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

impl JsonSchema for Metadata {
    fn inline_schema() -> bool {
        <Map<String, Value>>::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        <Map<String, Value>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        <Map<String, Value>>::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Map<String, Value>>::json_schema(generator)
    }
}

/// A string that is not one of an enum's wire values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident as $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            JsonSchema,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )*
        }

        impl $name {
            /// Every value, in the guide's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value as written on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| UnknownValue {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: $name::ALL
                            .iter()
                            .map(|value| value.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }
    };
}

wire_enum! {
    /// What an operation does, from the guide's "Operation Types".
    OperationType as "operation type" {
        /// Buy or sell on a CEX spot market.
        SpotTrade = "spot_trade",
        /// Open or close a perpetual futures position on a CEX.
        PerpTrade = "perp_trade",
        /// Supply assets to a lending protocol (AAVE, Morpho).
        Supply = "supply",
        /// Borrow assets from a lending protocol.
        Borrow = "borrow",
        /// Repay borrowed assets.
        Repay = "repay",
        /// Withdraw supplied assets.
        Withdraw = "withdraw",
        /// Stake ETH for an LST (stETH, weETH).
        Stake = "stake",
        /// Unstake an LST back to ETH.
        Unstake = "unstake",
        /// Swap tokens on a DEX (Uniswap).
        Swap = "swap",
        /// Move assets between venues.
        Transfer = "transfer",
        /// Borrow in a flash loan.
        FlashBorrow = "flash_borrow",
        /// Repay a flash loan.
        FlashRepay = "flash_repay",
    }
}

wire_enum! {
    /// Where an operation stands.
    OperationStatus as "operation status" {
        /// The venue confirmed the operation.
        Confirmed = "confirmed",
        /// The operation failed; `error_code` says why.
        Failed = "failed",
        /// Sent, not yet confirmed.
        Pending = "pending",
        /// Undone because its atomic group failed.
        RolledBack = "rolled_back",
    }
}

wire_enum! {
    /// Whether positions are simulated (backtest) or real (live).
    PositionType as "position type" {
        /// Positions of a backtest or a dry run.
        Simulated = "simulated",
        /// Positions held at real venues.
        Real = "real",
    }
}

wire_enum! {
    /// How risky the current positions are.
    RiskLevel as "risk level" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

wire_enum! {
    /// The health of a component or of the whole system.
    HealthStatus as "health status" {
        Healthy = "healthy",
        Degraded = "degraded",
        Unhealthy = "unhealthy",
        Critical = "critical",
    }
}

wire_enum! {
    /// What the strategy decided to do.
    DecisionType as "decision type" {
        /// Open the strategy's positions.
        Entry = "entry",
        /// Close them.
        Exit = "exit",
        /// Move positions back to their targets.
        Rebalance = "rebalance",
        /// Do nothing this time.
        Hold = "hold",
        /// Close everything now, whatever it costs.
        EmergencyExit = "emergency_exit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_type_of_the_guide_is_there_in_lower_case() {
        let wire: Vec<String> = OperationType::ALL
            .iter()
            .map(|t| serde_json::to_string(t).unwrap())
            .collect();
        assert_eq!(
            wire,
            [
                "\"spot_trade\"",
                "\"perp_trade\"",
                "\"supply\"",
                "\"borrow\"",
                "\"repay\"",
                "\"withdraw\"",
                "\"stake\"",
                "\"unstake\"",
                "\"swap\"",
                "\"transfer\"",
                "\"flash_borrow\"",
                "\"flash_repay\"",
            ]
        );
    }

    #[test]
    fn wire_values_of_the_other_enums() {
        assert_eq!(OperationStatus::RolledBack.as_str(), "rolled_back");
        assert_eq!(DecisionType::EmergencyExit.as_str(), "emergency_exit");
        assert_eq!(HealthStatus::ALL.len(), 4);
        assert_eq!(RiskLevel::ALL.len(), 4);
        assert_eq!(PositionType::ALL.len(), 2);
    }

    #[test]
    fn parse_names_the_bad_value_and_the_choices() {
        assert_eq!(
            "FAILED".parse::<OperationStatus>(),
            Ok(OperationStatus::Failed)
        );
        let err = "lost".parse::<OperationStatus>().unwrap_err().to_string();
        assert!(
            err.contains("`lost`") && err.contains("rolled_back"),
            "{err}"
        );
    }
}
