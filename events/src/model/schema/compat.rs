//! Whether a reader of an event's new schema can read every line written
//! under its old one (Confluent's BACKWARD), for the closed, serialize-side
//! schemas `#[domain_event]` generates.
//!
//! No crate checks JSON Schema compatibility well, so this covers exactly
//! the subset schemars writes for our events: objects with `properties`,
//! `required` and `additionalProperties`, `$ref` into `$defs`, `type` (a
//! name or a list), `anyOf`/`oneOf` (unions, nullable values, and enums of
//! `const`s), `enum`, `items`, and the numeric and string constraints.
//! Any other keyword that differs is a `keyword-changed` difference, which
//! is breaking: nothing changes silently.
//!
//! Paths are JSON paths of the line: `$.field`, `$.list[]` for list items,
//! `$.map{}` for map values, `$.field|N` for the N-th member of a union.
//!
//! An enum value added is not breaking for this crate's readers, but it is
//! for any reader that matches the old set exhaustively: an older build of
//! the engine, a downstream SQL `CASE` without `ELSE`. Say so in the
//! change's notes.
//!
//! ```
//! use basis_events::schema::compat::{Rule, compare};
//! use serde_json::json;
//!
//! let old = json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false});
//! let new = json!({"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"], "additionalProperties": false});
//! let changes = compare(&old, &new);
//! assert_eq!(changes.len(), 1);
//! assert_eq!(changes[0].rule, Rule::FieldRenamed);
//! assert_eq!(changes[0].to_string(), "$.a: field-renamed: `a` was renamed to `b`");
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

/// One difference between an old and a new schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where: `$.legs[].venue`.
    pub path: String,
    pub rule: Rule,
    pub detail: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path, self.rule.name(), self.detail)
    }
}

/// The kinds of difference, each breaking or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    FieldRemoved,
    FieldRenamed,
    TypeChanged,
    TypeNarrowed,
    ConstraintNarrowed,
    OptionalToRequired,
    RequiredFieldAdded,
    EnumValueRemoved,
    EnumValueRenamed,
    FileChanged,
    LoggedByChanged,
    AdditionalPropertiesClosed,
    KeywordChanged,
    // Not breaking:
    OptionalFieldAdded,
    RequiredToOptional,
    EnumValueAdded,
    TypeWidened,
    ConstraintRelaxed,
    AdditionalPropertiesOpened,
    Documentation,
}

impl Rule {
    /// Whether a line written under the old schema may fail the new one.
    pub fn is_breaking(self) -> bool {
        !matches!(
            self,
            Rule::OptionalFieldAdded
                | Rule::RequiredToOptional
                | Rule::EnumValueAdded
                | Rule::TypeWidened
                | Rule::ConstraintRelaxed
                | Rule::AdditionalPropertiesOpened
                | Rule::Documentation
        )
    }

    /// The rule's name in messages: `field-removed`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::FieldRemoved => "field-removed",
            Rule::FieldRenamed => "field-renamed",
            Rule::TypeChanged => "type-changed",
            Rule::TypeNarrowed => "type-narrowed",
            Rule::ConstraintNarrowed => "constraint-narrowed",
            Rule::OptionalToRequired => "optional-to-required",
            Rule::RequiredFieldAdded => "required-field-added",
            Rule::EnumValueRemoved => "enum-value-removed",
            Rule::EnumValueRenamed => "enum-value-renamed",
            Rule::FileChanged => "x-file-changed",
            Rule::LoggedByChanged => "x-logged-by-changed",
            Rule::AdditionalPropertiesClosed => "additional-properties-closed",
            Rule::KeywordChanged => "keyword-changed",
            Rule::OptionalFieldAdded => "optional-field-added",
            Rule::RequiredToOptional => "required-to-optional",
            Rule::EnumValueAdded => "enum-value-added",
            Rule::TypeWidened => "type-widened",
            Rule::ConstraintRelaxed => "constraint-relaxed",
            Rule::AdditionalPropertiesOpened => "additional-properties-opened",
            Rule::Documentation => "documentation",
        }
    }
}

/// Keywords that only document: a difference is [`Rule::Documentation`].
const DOC_KEYWORDS: [&str; 7] = [
    "description",
    "title",
    "examples",
    "$comment",
    "$id",
    "x-version",
    "$schema",
];

/// Keywords compared by the rules below; any other is compared by equality.
const HANDLED: [&str; 20] = [
    "type",
    "properties",
    "required",
    "additionalProperties",
    "$ref",
    "$defs",
    "anyOf",
    "oneOf",
    "enum",
    "const",
    "items",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "x-file",
    "x-logged-by",
    "minItems",
];

/// Every change from `old` to `new`: document order of `new`'s fields, then
/// fields only in `old`.
pub fn compare(old: &Value, new: &Value) -> Vec<Change> {
    let mut cx = Compare {
        old_root: old,
        new_root: new,
        changes: Vec::new(),
        seen: BTreeSet::new(),
    };
    for (key, rule) in [
        ("x-file", Rule::FileChanged),
        ("x-logged-by", Rule::LoggedByChanged),
    ] {
        if old.get(key) != new.get(key) {
            cx.push(
                "$",
                rule,
                format!(
                    "`{key}` was {} and is now {}",
                    show(old.get(key)),
                    show(new.get(key))
                ),
            );
        }
    }
    cx.schema("$", old, new);
    cx.changes
}

struct Compare<'a> {
    old_root: &'a Value,
    new_root: &'a Value,
    changes: Vec<Change>,
    /// `$ref` pairs already compared, against recursive definitions.
    seen: BTreeSet<(String, String)>,
}

impl<'a> Compare<'a> {
    fn push(&mut self, path: &str, rule: Rule, detail: String) {
        self.changes.push(Change {
            path: path.to_owned(),
            rule,
            detail,
        });
    }

    fn schema<'b>(&mut self, path: &str, old: &'b Value, new: &'b Value)
    where
        'a: 'b,
    {
        let (old, old_ref) = resolve(self.old_root, old);
        let (new, new_ref) = resolve(self.new_root, new);
        if let (Some(a), Some(b)) = (&old_ref, &new_ref)
            && !self.seen.insert((a.clone(), b.clone()))
        {
            return;
        }
        let (Some(old_obj), Some(new_obj)) = (old.as_object(), new.as_object()) else {
            if old != new {
                self.push(
                    path,
                    Rule::KeywordChanged,
                    format!("{} became {}", show(Some(old)), show(Some(new))),
                );
            }
            return;
        };
        self.docs(path, old_obj, new_obj);
        self.types(path, old_obj, new_obj);
        self.constraints(path, old_obj, new_obj);
        if self.enums(path, old_obj, new_obj) == Some(true) {
            return;
        }
        self.unions(path, old_obj, new_obj);
        if old_obj.contains_key("properties") || new_obj.contains_key("properties") {
            self.object(path, old_obj, new_obj);
        }
        self.additional(path, old_obj, new_obj);
        if let (Some(a), Some(b)) = (old_obj.get("items"), new_obj.get("items")) {
            self.schema(&format!("{path}[]"), a, b);
        }
        for (key, value) in new_obj {
            if !HANDLED.contains(&key.as_str())
                && !DOC_KEYWORDS.contains(&key.as_str())
                && old_obj.get(key) != Some(value)
            {
                self.push(
                    path,
                    Rule::KeywordChanged,
                    format!(
                        "`{key}` was {} and is now {}",
                        show(old_obj.get(key)),
                        show(Some(value))
                    ),
                );
            }
        }
        for (key, value) in old_obj {
            if !HANDLED.contains(&key.as_str())
                && !DOC_KEYWORDS.contains(&key.as_str())
                && !new_obj.contains_key(key)
            {
                self.push(
                    path,
                    Rule::KeywordChanged,
                    format!("`{key}` ({}) was removed", show(Some(value))),
                );
            }
        }
    }

    fn docs(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let changed: Vec<&str> = DOC_KEYWORDS
            .iter()
            .copied()
            .filter(|key| old.get(*key) != new.get(*key))
            .collect();
        if !changed.is_empty() {
            self.push(
                path,
                Rule::Documentation,
                format!("{} changed", changed.join(", ")),
            );
        }
    }

    /// Enums (`enum`, or unions of `const`s): `Some(true)` when both sides
    /// are enums and nothing else needs comparing.
    fn enums(
        &mut self,
        path: &str,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) -> Option<bool> {
        let (old_values, new_values) = match (
            enum_values(self.old_root, old),
            enum_values(self.new_root, new),
        ) {
            (Some(a), Some(b)) => (a, b),
            (None, None) => return None,
            // A union on either side is compared member by member.
            _ if union_members(old).is_some() || union_members(new).is_some() => return None,
            (Some(_), None) => {
                self.push(
                    path,
                    Rule::ConstraintRelaxed,
                    "no longer limited to enum values".to_owned(),
                );
                return Some(false);
            }
            (None, Some(_)) => {
                self.push(
                    path,
                    Rule::ConstraintNarrowed,
                    "now limited to enum values".to_owned(),
                );
                return Some(false);
            }
        };
        let removed: Vec<&Value> = old_values
            .iter()
            .filter(|v| !new_values.contains(v))
            .collect();
        let added: Vec<&Value> = new_values
            .iter()
            .filter(|v| !old_values.contains(v))
            .collect();
        if removed.len() == 1 && added.len() == 1 {
            self.push(
                path,
                Rule::EnumValueRenamed,
                format!("enum value {} was renamed to {}", removed[0], added[0]),
            );
        } else {
            for value in removed {
                self.push(
                    path,
                    Rule::EnumValueRemoved,
                    format!("enum value {value} was removed"),
                );
            }
            for value in added {
                self.push(
                    path,
                    Rule::EnumValueAdded,
                    format!("enum value {value} was added"),
                );
            }
        }
        Some(true)
    }

    fn types(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        if union_members(old).is_some() || union_members(new).is_some() {
            // Unions are compared member by member.
            return;
        }
        let (Some(a), Some(b)) = (type_set(old), type_set(new)) else {
            if old.contains_key("type") != new.contains_key("type") {
                self.push(
                    path,
                    Rule::TypeChanged,
                    format!(
                        "`type` was {} and is now {}",
                        show(old.get("type")),
                        show(new.get("type"))
                    ),
                );
            }
            return;
        };
        if a == b {
            return;
        }
        // A reader of `b` accepts every value of `a` when each type of `a`
        // is in `b`, integers counting as numbers.
        let accepts = |types: &BTreeSet<String>, t: &str| {
            types.contains(t) || (t == "integer" && types.contains("number"))
        };
        let all_kept = a.iter().all(|t| accepts(&b, t));
        let none_kept = a
            .iter()
            .all(|t| !(accepts(&b, t) || (t == "number" && b.contains("integer"))));
        let detail = format!("type {} became {}", list(&a), list(&b));
        if all_kept {
            self.push(path, Rule::TypeWidened, detail);
        } else if none_kept {
            self.push(path, Rule::TypeChanged, detail);
        } else {
            self.push(path, Rule::TypeNarrowed, detail);
        }
    }

    /// Unions (`anyOf`/`oneOf` of schemas), member by member; a member
    /// lost narrows, one gained widens.
    fn unions<'b>(&mut self, path: &str, old: &'b Map<String, Value>, new: &'b Map<String, Value>)
    where
        'a: 'b,
    {
        let (a, b) = (union_members(old), union_members(new));
        match (a, b) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                // Members equal but for docs match first; the rest pair up
                // in order and are compared; what is left was lost or gained.
                let shape_a: Vec<Value> = a.iter().map(|m| strip_docs(self.old_root, m)).collect();
                let shape_b: Vec<Value> = b.iter().map(|m| strip_docs(self.new_root, m)).collect();
                let mut taken = vec![false; b.len()];
                let mut unmatched_a = Vec::new();
                for (i, shape) in shape_a.iter().enumerate() {
                    match (0..b.len()).find(|&j| !taken[j] && shape_b[j] == *shape) {
                        Some(j) => {
                            taken[j] = true;
                            self.schema(&format!("{path}|{j}"), &a[i], &b[j]);
                        }
                        None => unmatched_a.push(i),
                    }
                }
                let mut unmatched_b = (0..b.len()).filter(|&j| !taken[j]);
                let mut lost = 0;
                for i in unmatched_a {
                    match unmatched_b.next() {
                        Some(j) if !is_null(&a[i]) && !is_null(&b[j]) => {
                            self.schema(&format!("{path}|{j}"), &a[i], &b[j]);
                        }
                        _ => lost += 1,
                    }
                }
                let gained = unmatched_b.count();
                if lost > 0 {
                    self.push(
                        path,
                        Rule::TypeNarrowed,
                        format!("the union lost {lost} member(s)"),
                    );
                }
                if gained > 0 {
                    self.push(
                        path,
                        Rule::TypeWidened,
                        format!("the union gained {gained} member(s)"),
                    );
                }
            }
            (Some(a), None) => {
                // A nullable value made plain: null no longer accepted.
                let rule = if a.iter().any(is_null) {
                    Rule::TypeNarrowed
                } else {
                    Rule::TypeChanged
                };
                if let Some(kept) = a.iter().find(|m| !is_null(m)) {
                    let plain = Value::Object(new.clone());
                    self.schema(path, kept, &plain);
                }
                self.push(path, rule, "a union became a single type".to_owned());
            }
            (None, Some(b)) => {
                let rule = if b.iter().any(is_null) {
                    Rule::TypeWidened
                } else {
                    Rule::TypeChanged
                };
                if let Some(kept) = b.iter().find(|m| !is_null(m)) {
                    let plain = Value::Object(old.clone());
                    self.schema(path, &plain, kept);
                }
                self.push(path, rule, "a single type became a union".to_owned());
            }
        }
    }

    fn constraints(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        // (keyword, whether a larger value narrows)
        for (key, larger_narrows) in [
            ("minimum", true),
            ("minLength", true),
            ("minItems", true),
            ("maximum", false),
            ("maxLength", false),
        ] {
            let (a, b) = (
                old.get(key).and_then(Value::as_f64),
                new.get(key).and_then(Value::as_f64),
            );
            let rule = match (a, b) {
                (None, None) => continue,
                (Some(a), Some(b)) if a == b => continue,
                (None, Some(_)) => Rule::ConstraintNarrowed,
                (Some(_), None) => Rule::ConstraintRelaxed,
                (Some(a), Some(b)) if (b > a) == larger_narrows => Rule::ConstraintNarrowed,
                _ => Rule::ConstraintRelaxed,
            };
            self.push(
                path,
                rule,
                format!(
                    "`{key}` was {} and is now {}",
                    show(old.get(key)),
                    show(new.get(key))
                ),
            );
        }
        for key in ["pattern", "format", "const"] {
            match (old.get(key), new.get(key)) {
                (a, b) if a == b => {}
                (Some(_), None) => self.push(
                    path,
                    Rule::ConstraintRelaxed,
                    format!("`{key}` was removed"),
                ),
                (a, b) => self.push(
                    path,
                    Rule::ConstraintNarrowed,
                    format!("`{key}` was {} and is now {}", show(a), show(b)),
                ),
            }
        }
    }

    fn object<'b>(&mut self, path: &str, old: &'b Map<String, Value>, new: &'b Map<String, Value>)
    where
        'a: 'b,
    {
        let empty = Map::new();
        let old_props = old
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let new_props = new
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let old_required = required(old);
        let new_required = required(new);
        let removed: Vec<&String> = old_props
            .keys()
            .filter(|k| !new_props.contains_key(*k))
            .collect();
        let added: Vec<&String> = new_props
            .keys()
            .filter(|k| !old_props.contains_key(*k))
            .collect();
        // A removed field and an added one whose shapes match each other
        // and no other removed or added field: a rename.
        let gone_shapes: Vec<Value> = removed
            .iter()
            .map(|k| strip_docs(self.old_root, &old_props[*k]))
            .collect();
        let came_shapes: Vec<Value> = added
            .iter()
            .map(|k| strip_docs(self.new_root, &new_props[*k]))
            .collect();
        let mut renames: Vec<(&String, &String)> = Vec::new();
        for (i, gone) in removed.iter().enumerate() {
            let matches: Vec<usize> = (0..added.len())
                .filter(|&j| came_shapes[j] == gone_shapes[i])
                .collect();
            if let [j] = matches.as_slice()
                && gone_shapes
                    .iter()
                    .filter(|shape| **shape == came_shapes[*j])
                    .count()
                    == 1
            {
                renames.push((gone, added[*j]));
            }
        }
        for (key, new_field) in new_props {
            let field_path = format!("{path}.{key}");
            match old_props.get(key) {
                Some(old_field) => {
                    self.schema(&field_path, old_field, new_field);
                    match (old_required.contains(key), new_required.contains(key)) {
                        (false, true) => self.push(
                            &field_path,
                            Rule::OptionalToRequired,
                            format!("`{key}` is now required"),
                        ),
                        (true, false) => self.push(
                            &field_path,
                            Rule::RequiredToOptional,
                            format!("`{key}` is now optional"),
                        ),
                        _ => {}
                    }
                }
                None if renames.iter().any(|(_, came)| *came == key) => {}
                None if new_required.contains(key) => self.push(
                    &field_path,
                    Rule::RequiredFieldAdded,
                    format!("required field `{key}` was added"),
                ),
                None => self.push(
                    &field_path,
                    Rule::OptionalFieldAdded,
                    format!("optional field `{key}` was added"),
                ),
            }
        }
        for key in removed {
            let field_path = format!("{path}.{key}");
            match renames.iter().find(|(gone, _)| *gone == key) {
                Some((_, came)) => self.push(
                    &field_path,
                    Rule::FieldRenamed,
                    format!("`{key}` was renamed to `{came}`"),
                ),
                None => self.push(
                    &field_path,
                    Rule::FieldRemoved,
                    format!("field `{key}` was removed"),
                ),
            }
        }
    }

    fn additional<'b>(
        &mut self,
        path: &str,
        old: &'b Map<String, Value>,
        new: &'b Map<String, Value>,
    ) where
        'a: 'b,
    {
        let closed = |v: Option<&Value>| v == Some(&Value::Bool(false));
        let (a, b) = (
            old.get("additionalProperties"),
            new.get("additionalProperties"),
        );
        match (closed(a), closed(b)) {
            (false, true) => self.push(
                path,
                Rule::AdditionalPropertiesClosed,
                "the object no longer accepts other keys".to_owned(),
            ),
            (true, false) => self.push(
                path,
                Rule::AdditionalPropertiesOpened,
                "the object now accepts other keys".to_owned(),
            ),
            _ => {
                if let (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) = (a, b) {
                    self.schema(&format!("{path}{{}}"), a, b);
                }
            }
        }
    }
}

/// `schema`, followed through a `$ref` into `root`'s `$defs`, with the
/// name it was reached by.
fn resolve<'v>(root: &'v Value, schema: &'v Value) -> (&'v Value, Option<String>) {
    let mut current = schema;
    let mut name = None;
    for _ in 0..32 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(def) = reference
            .strip_prefix("#/$defs/")
            .and_then(|n| root.get("$defs")?.get(n))
        else {
            break;
        };
        name = Some(reference.to_owned());
        current = def;
    }
    (current, name)
}

fn enum_values(root: &Value, schema: &Map<String, Value>) -> Option<Vec<Value>> {
    if let Some(Value::Array(values)) = schema.get("enum") {
        return Some(values.clone());
    }
    let members = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))?
        .as_array()?;
    let mut values = Vec::new();
    for member in members {
        let (member, _) = resolve(root, member);
        if is_null(member) {
            // A nullable enum is a union: compared member by member.
            return None;
        }
        if let Some(value) = member.get("const") {
            values.push(value.clone());
        } else if let Some(Value::Array(more)) = member.get("enum") {
            values.extend(more.iter().cloned());
        } else {
            return None;
        }
    }
    Some(values)
}

fn type_set(schema: &Map<String, Value>) -> Option<BTreeSet<String>> {
    match schema.get("type")? {
        Value::String(t) => Some(BTreeSet::from([t.clone()])),
        Value::Array(ts) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

fn union_members(schema: &Map<String, Value>) -> Option<&Vec<Value>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))?
        .as_array()
}

fn is_null(schema: &Value) -> bool {
    schema.get("type") == Some(&Value::String("null".to_owned()))
}

fn required(schema: &Map<String, Value>) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A field's schema with `$ref`s resolved and documentation removed, to
/// tell a rename (same shape) from a removal plus an addition.
fn strip_docs(root: &Value, schema: &Value) -> Value {
    fn walk(root: &Value, schema: &Value, depth: usize) -> Value {
        let (schema, _) = resolve(root, schema);
        match schema {
            Value::Object(map) if depth < 16 => Value::Object(
                map.iter()
                    .filter(|(k, _)| !DOC_KEYWORDS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), walk(root, v, depth + 1)))
                    .collect(),
            ),
            Value::Array(items) if depth < 16 => {
                Value::Array(items.iter().map(|v| walk(root, v, depth + 1)).collect())
            }
            other => other.clone(),
        }
    }
    walk(root, schema, 0)
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_owned(), ToString::to_string)
}

fn list(types: &BTreeSet<String>) -> String {
    types.iter().cloned().collect::<Vec<_>>().join("|")
}
