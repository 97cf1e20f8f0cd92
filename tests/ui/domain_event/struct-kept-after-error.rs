// The struct survives a bad attribute, so code that uses it reports nothing
// beyond the attribute's own error.
use basis_events::prelude::*;

#[domain_event(file = "positions.json", logged_by = PositionMonitor)]
pub struct PositionSnapshot {
    #[serde(default)]
    pub total_value_usd: f64,
}

fn total(snapshot: &PositionSnapshot) -> f64 {
    snapshot.total_value_usd
}

fn main() {
    let snapshot = PositionSnapshot { total_value_usd: 1.0 };
    let _ = total(&snapshot);
}
