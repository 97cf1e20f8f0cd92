use basis_events::prelude::*;

/// Snapshot of every position after an update.
#[domain_event(file = "positions.jsonl", logged_by = PositionMonitor)]
pub struct PositionSnapshot {
    pub positions: BTreeMap<String, f64>,
    pub total_value_usd: f64,
    pub position_type: PositionType,
    pub trigger_source: String,
    #[serde(default)]
    pub metadata: Metadata,
}

fn main() {
    assert_eq!(PositionSnapshot::NAME, "PositionSnapshot");
    assert_eq!(PositionSnapshot::FILE, "positions.jsonl");
    assert_eq!(
        PositionSnapshot::LOGGED_BY,
        LoggedBy::Component(Component::PositionMonitor)
    );
    assert_eq!(PositionSnapshot::VERSION, 1);
    let event = PositionSnapshot {
        positions: BTreeMap::new(),
        total_value_usd: 1.0,
        position_type: PositionType::Simulated,
        trigger_source: "test".into(),
        metadata: Metadata::new(),
    };
    let record = event.clone().stamp(Envelope::example());
    assert_eq!(record.event, event);
}
