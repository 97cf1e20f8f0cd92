use basis_events::prelude::*;

#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
pub struct PositionSnapshot {
    #[serde(rename = "pid")]
    pub process: u32,
    pub total_value_usd: f64,
}

#[domain_event(file = "risk.jsonl", logged_by = RiskMonitor)]
pub struct RiskAssessment {
    #[serde(alias = "real_utc_time")]
    pub measured_at: String,
}

fn main() {}
