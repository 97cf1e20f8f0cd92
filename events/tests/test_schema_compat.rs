//! The compatibility checker on hand-made edits of the real catalog's
//! schemas: one edit per rule, the non-breaking ones, and nested cases.
//! Each test compares the whole list of changes found.

use basis_events::schema::compat::compare;
use serde_json::{Value, json};

/// The current schema of a registered event.
fn schema(event: &str) -> Value {
    basis_events::event_named(event)
        .unwrap_or_else(|| panic!("{event} is registered"))
        .schema()
}

/// (path, rule, breaking) of every change from `event`'s schema to the
/// schema `edit` makes of it.
fn changes(event: &str, edit: impl FnOnce(&mut Value)) -> Vec<(String, &'static str, bool)> {
    let old = schema(event);
    let mut new = old.clone();
    edit(&mut new);
    compare(&old, &new)
        .into_iter()
        .map(|c| (c.path, c.rule.name(), c.rule.is_breaking()))
        .collect()
}

fn at<'v>(value: &'v mut Value, pointer: &str) -> &'v mut Value {
    value
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} exists"))
}

fn props(value: &mut Value) -> &mut serde_json::Map<String, Value> {
    at(value, "/properties").as_object_mut().unwrap()
}

fn remove_required(value: &mut Value, field: &str) {
    at(value, "/required")
        .as_array_mut()
        .unwrap()
        .retain(|f| f != field);
}

fn c(path: &str, rule: &'static str, breaking: bool) -> (String, &'static str, bool) {
    (path.to_owned(), rule, breaking)
}

#[test]
fn an_identical_schema_has_no_change() {
    for info in basis_events::registered_events().unwrap() {
        assert_eq!(
            compare(&info.schema(), &info.schema()),
            [],
            "{}",
            info.name()
        );
    }
}

#[test]
fn a_removed_field_breaks() {
    let found = changes("PositionSnapshot", |s| {
        props(s).shift_remove("trigger_source");
        remove_required(s, "trigger_source");
    });
    assert_eq!(found, [c("$.trigger_source", "field-removed", true)]);
}

#[test]
fn a_removed_optional_field_breaks_too() {
    let found = changes("PositionSnapshot", |s| {
        props(s).shift_remove("metadata");
    });
    assert_eq!(found, [c("$.metadata", "field-removed", true)]);
}

#[test]
fn a_renamed_field_is_one_change() {
    let found = changes("TightLoopExecutionEvent", |s| {
        let value = props(s).shift_remove("retry_count").unwrap();
        props(s).insert("retries".into(), value);
        for f in at(s, "/required").as_array_mut().unwrap() {
            if f == "retry_count" {
                *f = json!("retries");
            }
        }
    });
    assert_eq!(found, [c("$.retry_count", "field-renamed", true)]);
}

#[test]
fn a_field_removed_and_another_of_another_type_added_is_not_a_rename() {
    let found = changes("TightLoopExecutionEvent", |s| {
        props(s).shift_remove("retry_count");
        remove_required(s, "retry_count");
        props(s).insert("note".into(), json!({"type": "string"}));
    });
    assert_eq!(
        found,
        [
            c("$.note", "optional-field-added", false),
            c("$.retry_count", "field-removed", true)
        ]
    );
}

#[test]
fn a_changed_type_breaks() {
    let found = changes("StrategyDecision", |s| {
        *at(s, "/properties/strategy_name/type") = json!("integer");
    });
    assert_eq!(found, [c("$.strategy_name", "type-changed", true)]);
}

#[test]
fn number_to_integer_narrows() {
    let found = changes("PositionSnapshot", |s| {
        *at(s, "/properties/total_value_usd") =
            json!({"type": "integer", "description": "Value of all positions in USD."});
    });
    assert_eq!(
        found,
        [
            c("$.total_value_usd", "type-narrowed", true),
            c("$.total_value_usd", "constraint-relaxed", false)
        ]
    );
}

#[test]
fn integer_to_number_widens() {
    let found = changes("StrategyDecision", |s| {
        *at(s, "/properties/orders_generated/type") = json!("number");
    });
    assert_eq!(found, [c("$.orders_generated", "type-widened", false)]);
}

#[test]
fn a_nullable_value_made_plain_narrows() {
    let found = changes("SystemErrorEvent", |s| {
        *at(s, "/properties/stack_trace/type") = json!("string");
    });
    assert_eq!(found, [c("$.stack_trace", "type-narrowed", true)]);
}

#[test]
fn a_plain_value_made_nullable_widens() {
    let found = changes("SystemErrorEvent", |s| {
        *at(s, "/properties/error_message/type") = json!(["string", "null"]);
    });
    assert_eq!(found, [c("$.error_message", "type-widened", false)]);
}

#[test]
fn a_union_losing_its_null_member_narrows() {
    let found = changes("OperationExecutionEvent", |s| {
        let members = at(s, "/properties/error_code/anyOf")
            .as_array_mut()
            .unwrap();
        members.retain(|m| m["type"] != "null");
    });
    assert_eq!(found, [c("$.error_code", "type-narrowed", true)]);
}

#[test]
fn optional_to_required_breaks() {
    let found = changes("PositionSnapshot", |s| {
        at(s, "/required")
            .as_array_mut()
            .unwrap()
            .push(json!("metadata"));
    });
    assert_eq!(found, [c("$.metadata", "optional-to-required", true)]);
}

#[test]
fn required_to_optional_does_not_break() {
    let found = changes("PositionSnapshot", |s| remove_required(s, "trigger_source"));
    assert_eq!(
        found,
        [c("$.trigger_source", "required-to-optional", false)]
    );
}

#[test]
fn a_new_required_field_breaks() {
    let found = changes("RiskAssessment", |s| {
        props(s).insert("desk".into(), json!({"type": "string"}));
        at(s, "/required")
            .as_array_mut()
            .unwrap()
            .push(json!("desk"));
    });
    assert_eq!(found, [c("$.desk", "required-field-added", true)]);
}

#[test]
fn a_new_optional_field_does_not_break() {
    let found = changes("RiskAssessment", |s| {
        props(s).insert("desk".into(), json!({"type": ["string", "null"]}));
    });
    assert_eq!(found, [c("$.desk", "optional-field-added", false)]);
}

#[test]
fn an_enum_value_removed_breaks() {
    let found = changes("RiskAssessment", |s| {
        at(s, "/$defs/RiskLevel/enum")
            .as_array_mut()
            .unwrap()
            .retain(|v| v != "critical");
    });
    assert_eq!(found, [c("$.risk_level", "enum-value-removed", true)]);
}

#[test]
fn an_enum_value_renamed_breaks() {
    let found = changes("HealthStatusEvent", |s| {
        at(s, "/$defs/HealthStatus/enum/1").clone_from(&json!("impaired"));
    });
    assert_eq!(found, [c("$.overall_status", "enum-value-renamed", true)]);
}

#[test]
fn an_enum_value_added_does_not_break() {
    let found = changes("RiskAssessment", |s| {
        at(s, "/$defs/RiskLevel/enum")
            .as_array_mut()
            .unwrap()
            .push(json!("extreme"));
    });
    assert_eq!(found, [c("$.risk_level", "enum-value-added", false)]);
}

#[test]
fn a_const_enum_member_removed_breaks() {
    let found = changes("PositionSnapshot", |s| {
        at(s, "/$defs/PositionType/oneOf")
            .as_array_mut()
            .unwrap()
            .pop();
    });
    assert_eq!(found, [c("$.position_type", "enum-value-removed", true)]);
}

#[test]
fn a_const_enum_member_renamed_breaks() {
    let found = changes("StrategyDecision", |s| {
        *at(s, "/$defs/DecisionType/oneOf/1/const") = json!("close");
    });
    assert_eq!(found, [c("$.decision_type", "enum-value-renamed", true)]);
}

#[test]
fn a_const_enum_member_added_does_not_break() {
    let found = changes("PositionSnapshot", |s| {
        at(s, "/$defs/PositionType/oneOf")
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "string", "const": "paper"}));
    });
    assert_eq!(found, [c("$.position_type", "enum-value-added", false)]);
}

#[test]
fn x_file_changed_breaks() {
    let found = changes("PositionSnapshot", |s| {
        s["x-file"] = json!("snapshots.jsonl")
    });
    assert_eq!(found, [c("$", "x-file-changed", true)]);
}

#[test]
fn x_logged_by_changed_breaks() {
    let found = changes("PositionSnapshot", |s| {
        s["x-logged-by"] = json!("RiskMonitor")
    });
    assert_eq!(found, [c("$", "x-logged-by-changed", true)]);
}

#[test]
fn additional_properties_closed_on_a_map_breaks() {
    let found = changes("PositionSnapshot", |s| {
        *at(s, "/properties/positions/additionalProperties") = json!(false);
    });
    assert_eq!(
        found,
        [c("$.positions", "additional-properties-closed", true)]
    );
}

#[test]
fn additional_properties_opened_does_not_break() {
    let found = changes("PositionSnapshot", |s| {
        s["additionalProperties"] = json!(true);
    });
    assert_eq!(found, [c("$", "additional-properties-opened", false)]);
}

#[test]
fn a_field_removed_from_a_nested_struct_through_a_ref_breaks() {
    let found = changes("PnLCalculation", |s| {
        at(s, "/$defs/PnlAttribution/properties")
            .as_object_mut()
            .unwrap()
            .shift_remove("supply_yield");
        at(s, "/$defs/PnlAttribution/required")
            .as_array_mut()
            .unwrap()
            .retain(|f| f != "supply_yield");
    });
    assert_eq!(
        found,
        [c("$.pnl_attribution.supply_yield", "field-removed", true)]
    );
}

#[test]
fn a_type_changed_inside_list_items_breaks() {
    let found = changes("OperationExecutionEvent", |s| {
        *at(s, "/$defs/ExpectedDelta/properties/delta_amount/type") = json!("string");
        at(s, "/$defs/ExpectedDelta/properties/delta_amount")
            .as_object_mut()
            .unwrap()
            .shift_remove("format");
    });
    assert_eq!(
        found,
        [
            c("$.expected_deltas[].delta_amount", "type-changed", true),
            c(
                "$.expected_deltas[].delta_amount",
                "constraint-relaxed",
                false
            )
        ]
    );
}

#[test]
fn a_field_added_as_required_inside_map_values_breaks() {
    let found = changes("ExposureSnapshot", |s| {
        at(s, "/$defs/AssetExposure/properties")
            .as_object_mut()
            .unwrap()
            .insert("venue".into(), json!({"type": "string"}));
        at(s, "/$defs/AssetExposure/required")
            .as_array_mut()
            .unwrap()
            .push(json!("venue"));
    });
    assert_eq!(
        found,
        [c("$.asset_exposures{}.venue", "required-field-added", true)]
    );
}

#[test]
fn a_map_value_type_narrowed_breaks() {
    let found = changes("PositionSnapshot", |s| {
        *at(s, "/properties/positions/additionalProperties") = json!({"type": "integer"});
    });
    assert_eq!(
        found,
        [
            c("$.positions{}", "type-narrowed", true),
            c("$.positions{}", "constraint-relaxed", false)
        ]
    );
}

#[test]
fn a_pattern_tightened_breaks() {
    let found = changes("SystemErrorEvent", |s| {
        *at(s, "/$defs/ErrorCode/pattern") = json!("^[A-Z]{3,4}-[0-9]{3}$");
    });
    assert_eq!(found, [c("$.error_code", "constraint-narrowed", true)]);
}

#[test]
fn a_minimum_raised_breaks_and_lowered_does_not() {
    let raised = changes("TightLoopExecutionEvent", |s| {
        *at(s, "/properties/retry_count/minimum") = json!(1);
    });
    assert_eq!(raised, [c("$.retry_count", "constraint-narrowed", true)]);
    let lowered = changes("TightLoopExecutionEvent", |s| {
        at(s, "/properties/retry_count")
            .as_object_mut()
            .unwrap()
            .shift_remove("minimum");
    });
    assert_eq!(lowered, [c("$.retry_count", "constraint-relaxed", false)]);
}

#[test]
fn documentation_alone_does_not_break_but_is_reported() {
    let found = changes("PositionSnapshot", |s| {
        s["description"] = json!("Every position, after each update.");
        *at(s, "/properties/trigger_source/description") = json!("Who caused it.");
        s["x-version"] = json!(1);
    });
    assert_eq!(
        found,
        [
            c("$", "documentation", false),
            c("$.trigger_source", "documentation", false)
        ]
    );
}

#[test]
fn an_unknown_keyword_changed_breaks() {
    let found = changes("PositionSnapshot", |s| {
        *at(s, "/properties/trigger_source") = json!({"type": "string", "maxProperties": 3, "description": "The component whose action caused the update."});
    });
    assert_eq!(found, [c("$.trigger_source", "keyword-changed", true)]);
}

#[test]
fn several_edits_are_all_reported_in_document_order() {
    let found = changes("RiskAssessment", |s| {
        *at(s, "/properties/ltv_ratio/type") = json!("string");
        props(s).shift_remove("breach_detected");
        remove_required(s, "breach_detected");
        props(s).insert("desk".into(), json!({"type": "string"}));
    });
    assert_eq!(
        found,
        [
            c("$.ltv_ratio", "type-changed", true),
            c("$.desk", "optional-field-added", false),
            c("$.breach_detected", "field-removed", true)
        ]
    );
}

#[test]
fn a_recursive_definition_ends() {
    let old = json!({
        "type": "object",
        "properties": {"node": {"$ref": "#/$defs/Node"}},
        "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}}
    });
    let mut new = old.clone();
    new["$defs"]["Node"]["properties"]["label"] = json!({"type": "string"});
    let found: Vec<String> = compare(&old, &new)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        ["$.node.label: optional-field-added: optional field `label` was added"]
    );
}

#[test]
fn messages_name_the_path_the_rule_and_what_changed() {
    let old = schema("PositionSnapshot");
    let mut new = old.clone();
    props(&mut new).shift_remove("trigger_source");
    remove_required(&mut new, "trigger_source");
    let found: Vec<String> = compare(&old, &new)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        ["$.trigger_source: field-removed: field `trigger_source` was removed"]
    );
}

#[test]
fn a_rename_is_found_beside_a_removal() {
    let found = changes("RiskAssessment", |s| {
        let value = props(s).shift_remove("margin_usage").unwrap();
        props(s).insert("margin_used".into(), value);
        for f in at(s, "/required").as_array_mut().unwrap() {
            if f == "margin_usage" {
                *f = json!("margin_used");
            }
        }
        props(s).shift_remove("metadata");
    });
    assert_eq!(
        found,
        [
            c("$.margin_usage", "field-renamed", true),
            c("$.metadata", "field-removed", true)
        ]
    );
}
