//! `docs/EVENTS.md`: the human catalog, shaped like the guide's "Event Schemas".

use std::fmt::Write as _;

use serde_json::Value;

use crate::EventInfo;

pub(super) fn events_md(events: &[&EventInfo], stamp: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<!-- {stamp} -->\n");
    out.push_str("# Domain events\n\n");
    out.push_str(
        "Every event is one line of compact JSON in `logs/{correlation_id}/{pid}/events/<file>`.\n\
         The envelope (`timestamp`, `real_utc_time`, `correlation_id`, `pid`) comes first, then the payload fields in the order below.\n\
         The JSON Schema of each line is in `schemas/events/`.\n\n",
    );
    out.push_str("| event | file | logged by | version |\n|---|---|---|---|\n");
    for event in events {
        let _ = writeln!(
            out,
            "| [{name}](#{anchor}) | `events/{file}` | {by} | {version} |",
            name = event.name(),
            anchor = event.name().to_lowercase(),
            file = event.file(),
            by = event.logged_by(),
            version = event.version(),
        );
    }
    for event in events {
        out.push('\n');
        event_section(&mut out, event);
    }
    out
}

fn event_section(out: &mut String, event: &EventInfo) {
    let schema = event.schema();
    let _ = writeln!(out, "## {}\n", event.name());
    if let Some(description) = schema.get("description").and_then(Value::as_str) {
        let _ = writeln!(out, "{}\n", one_line(description));
    }
    let _ = writeln!(out, "**File**: `events/{}`  ", event.file());
    let _ = writeln!(out, "**Logged by**: {}  ", event.logged_by());
    let _ = writeln!(out, "**Version**: {}  ", event.version());
    let _ = writeln!(
        out,
        "**Schema**: [`{0}/v{1}.schema.json`](../schemas/events/{0}/v{1}.schema.json)\n",
        event.name(),
        event.version()
    );
    out.push_str("| field | type | required | description |\n|---|---|---|---|\n");
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (name, property) in properties {
            let _ = writeln!(
                out,
                "| `{name}` | {ty} | {required} | {description} |",
                ty = type_of(property),
                required = if required.contains(&name.as_str()) {
                    "yes"
                } else {
                    "no"
                },
                description = property
                    .get("description")
                    .and_then(Value::as_str)
                    .map(one_line)
                    .unwrap_or_default(),
            );
        }
    }
    if let Some(Value::Object(defs)) = schema.get("$defs") {
        out.push_str("\nTypes used above:\n\n");
        for (name, def) in defs {
            let _ = writeln!(out, "- `{name}`: {}", describe_def(def));
        }
    }
    if let Some(line) = event.example_line() {
        out.push_str("\nExample line:\n\n```json\n");
        out.push_str(&line);
        out.push_str("\n```\n");
    }
}

/// A short rendering of a property's type: `number`, `string or null`,
/// `array of OperationType`, `map of string to number`.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return format!("`{}`", reference.rsplit('/').next().unwrap_or(reference));
    }
    for combinator in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(combinator) {
            return options.iter().map(type_of).collect::<Vec<_>>().join(" or ");
        }
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
    }
    if let Some(value) = schema.get("const") {
        return format!("`{value}`");
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(ty)) => vec![ty.as_str()],
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
        _ => return "any".to_owned(),
    };
    types
        .iter()
        .map(|ty| match *ty {
            "array" => format!(
                "array of {}",
                schema
                    .get("items")
                    .map(type_of)
                    .unwrap_or_else(|| "any".into())
            ),
            "object" => match schema.get("additionalProperties") {
                Some(Value::Object(_)) => format!(
                    "map of string to {}",
                    type_of(&schema["additionalProperties"])
                ),
                _ => "object".to_owned(),
            },
            other => other.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn describe_def(def: &Value) -> String {
    let description = def
        .get("description")
        .and_then(Value::as_str)
        .map(one_line)
        .unwrap_or_default();
    let shape = if let Some(Value::Object(properties)) = def.get("properties") {
        let fields: Vec<String> = properties
            .iter()
            .map(|(name, property)| format!("`{name}` ({})", type_of(property)))
            .collect();
        format!("object with {}", fields.join(", "))
    } else {
        let values: Vec<String> = def
            .get("oneOf")
            .or_else(|| def.get("anyOf"))
            .and_then(Value::as_array)
            .map(|options| {
                options
                    .iter()
                    .flat_map(|option| match option.get("enum") {
                        Some(Value::Array(values)) => values.clone(),
                        _ => option.get("const").cloned().into_iter().collect(),
                    })
                    .map(|value| format!("`{value}`"))
                    .collect()
            })
            .or_else(|| {
                def.get("enum")
                    .and_then(Value::as_array)
                    .map(|values| values.iter().map(|value| format!("`{value}`")).collect())
            })
            .unwrap_or_default();
        if values.is_empty() {
            type_of(def)
        } else {
            format!("one of {}", values.join(", "))
        }
    };
    if description.is_empty() {
        shape
    } else {
        format!("{shape}. {description}")
    }
}

/// Markdown tables need a description on one line, without pipes.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}
