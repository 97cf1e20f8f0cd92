//! Events of the HealthMonitor.

use schemars::{Schema, SchemaGenerator, json_schema};

use crate::prelude::*;

/// The health of the system and of each component. Logged on every health check.
#[domain_event(file = "health_status.jsonl", logged_by = HealthMonitor, example = example)]
pub struct HealthStatusEvent {
    /// The health of the system as a whole.
    pub overall_status: HealthStatus,
    /// Health per component.
    #[schemars(schema_with = "component_statuses_schema")]
    pub component_statuses: IndexMap<Component, HealthStatus>,
    /// From 0 (down) to 1 (fully healthy).
    pub health_score: f64,
    /// Extra data; `{}` when none.
    #[serde(default)]
    pub metadata: Metadata,
}

fn example() -> HealthStatusEvent {
    HealthStatusEvent {
        overall_status: HealthStatus::Healthy,
        component_statuses: IndexMap::from([
            (Component::PositionMonitor, HealthStatus::Healthy),
            (Component::ExecutionManager, HealthStatus::Healthy),
        ]),
        health_score: 0.95,
        metadata: Metadata::new(),
    }
}

/// Keys are component names: schemars describes a map by its values only, so
/// the key set is spelled out here to keep the schema closed.
fn component_statuses_schema(generator: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = Component::ALL.iter().map(|c| c.name()).collect();
    let status = generator.subschema_for::<HealthStatus>();
    json_schema!({
        "type": "object",
        "propertyNames": { "enum": names },
        "additionalProperties": status,
    })
}
