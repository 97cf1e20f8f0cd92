//! The value sets the guide enumerates, as typed enums written lower-case.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Free-form extra data on an event; `{}` when there is none.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

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
