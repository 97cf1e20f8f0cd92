//! insta snapshots of every catalog event: its canonical line and its schema,
//! stamped with the guide's fixed clock and pid so nothing needs redacting.

use basis_events::registered_events;

fn catalog_events() -> Vec<&'static basis_events::EventInfo> {
    registered_events()
        .unwrap()
        .into_iter()
        .filter(|event| event.module_path().starts_with("basis_events::"))
        .collect()
}

#[test]
fn canonical_instances() {
    for event in catalog_events() {
        let line = event
            .example_line()
            .unwrap_or_else(|| panic!("{} has no example", event.name()));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        insta::assert_json_snapshot!(format!("instance_{}", event.name()), value);
    }
}

#[test]
fn schemas() {
    for event in catalog_events() {
        insta::assert_json_snapshot!(format!("schema_{}", event.name()), event.schema());
    }
}
