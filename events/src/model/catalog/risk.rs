//! Events of the RiskMonitor.

use crate::prelude::*;

/// Health factor, LTV and margin of the current positions. Logged on every risk calculation.
#[domain_event(file = "risk_assessments.jsonl", logged_by = RiskMonitor, example = example)]
pub struct RiskAssessment {
    /// Lending protocol health factor; liquidation below 1.
    pub health_factor: f64,
    /// Loan-to-value ratio, from 0 to 1.
    pub ltv_ratio: f64,
    /// The LTV at which positions get liquidated.
    pub liquidation_threshold: f64,
    /// Share of the available margin in use, from 0 to 1.
    pub margin_usage: f64,
    /// Overall risk, from 0 (none) to 1 (liquidation imminent).
    pub risk_score: f64,
    /// The risk score in words.
    pub risk_level: RiskLevel,
    /// Whether a risk limit is breached.
    pub breach_detected: bool,
    /// Extra data; `{}` when none.
    #[serde(default)]
    pub metadata: Metadata,
}

fn example() -> RiskAssessment {
    RiskAssessment {
        health_factor: 1.85,
        ltv_ratio: 0.65,
        liquidation_threshold: 0.80,
        margin_usage: 0.45,
        risk_score: 0.25,
        risk_level: RiskLevel::Low,
        breach_detected: false,
        metadata: Metadata::new(),
    }
}
