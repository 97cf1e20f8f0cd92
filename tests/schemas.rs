//! Every emitted shape validates against its schema, and the schemas
//! themselves against the draft 2020-12 meta-schema.

use basis_events::{EventInfo, registered_events};
use basis_tests::guide_example;
use serde_json::{Value, json};

fn validator(event: &EventInfo) -> jsonschema::Validator {
    jsonschema::draft202012::new(&event.schema())
        .unwrap_or_else(|err| panic!("schema of {} does not compile: {err}", event.name()))
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|err| format!("{} at {}", err, err.instance_path()))
        .collect()
}

#[test]
fn schemas_are_valid_draft_2020_12() {
    for event in registered_events().unwrap() {
        let schema = event.schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        jsonschema::meta::validate(&schema)
            .unwrap_or_else(|err| panic!("{} is not a valid schema: {err}", event.name()));
    }
}

#[test]
fn canonical_instances_validate() {
    for event in registered_events().unwrap() {
        let Some(line) = event.example_line() else {
            continue;
        };
        let instance: Value = serde_json::from_str(&line).unwrap();
        let problems = errors(&validator(event), &instance);
        assert!(problems.is_empty(), "{}: {problems:?}", event.name());
    }
}

#[test]
fn the_guides_examples_validate() {
    for name in basis_events::catalog::GUIDE_EVENTS {
        let event = basis_events::event_named(name).unwrap();
        let instance: Value = serde_json::from_str(&guide_example(name)).unwrap();
        let problems = errors(&validator(event), &instance);
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[test]
fn schemas_are_closed_and_typed() {
    let event = basis_events::event_named("OperationExecutionEvent").unwrap();
    let validator = validator(event);
    let good: Value = serde_json::from_str(&event.example_line().unwrap()).unwrap();

    type Mutation = (&'static str, fn(&mut Value));
    let mutations: [Mutation; 6] = [
        ("an unknown key", |v| {
            v["surprise"] = json!(1);
        }),
        ("a missing envelope key", |v| {
            v.as_object_mut().unwrap().shift_remove("pid");
        }),
        ("a timestamp with an offset", |v| {
            v["timestamp"] = json!("2025-01-15T10:30:00+02:00");
        }),
        ("an operation type outside the guide's list", |v| {
            v["operation_type"] = json!("SUPPLY");
        }),
        ("a status outside the guide's list", |v| {
            v["status"] = json!("done");
        }),
        ("a number written as a string", |v| {
            v["fee_amount"] = json!("0.0");
        }),
    ];
    for (what, mutate) in mutations {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(
            !errors(&validator, &bad).is_empty(),
            "a line with {what} passed validation"
        );
    }
}

#[test]
fn schemas_carry_where_and_how_the_event_is_written() {
    let schema = basis_events::event_named("PositionSnapshot")
        .unwrap()
        .schema();
    assert_eq!(schema["x-file"], "positions.jsonl");
    assert_eq!(schema["x-logged-by"], "PositionMonitor");
    assert_eq!(schema["x-version"], 1);
    assert_eq!(schema["title"], "PositionSnapshot");
    assert_eq!(
        schema["description"],
        "Snapshot of every position after an update. Logged on every position update."
    );
    assert_eq!(schema["additionalProperties"], false);
    let keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "timestamp",
            "real_utc_time",
            "correlation_id",
            "pid",
            "seq",
            "positions",
            "total_value_usd",
            "position_type",
            "trigger_source",
            "metadata"
        ]
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!required.contains(&"seq"), "seq is optional: {required:?}");
    let errors_event = basis_events::event_named("SystemErrorEvent").unwrap();
    assert_eq!(errors_event.schema()["x-logged-by"], "all");
}
