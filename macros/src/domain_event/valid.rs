//! Every rule an event declaration must follow, one function per rule.
//!
//! Each rule reports through the [`Ctxt`] with a span on the offending token
//! and lets the others run, so the author sees all of their mistakes at once.

use proc_macro2::Span;
use syn::{Data, LitStr};

use super::args::{EventArgs, LoggedBy};
use super::ast::{Event, Kind};
use crate::ctxt::Ctxt;
use crate::symbol::ENVELOPE_FIELDS;

/// The arguments once every rule has passed; what `expand` works from.
pub(crate) struct ValidArgs {
    pub(crate) file: String,
    pub(crate) logged_by: ValidLoggedBy,
    pub(crate) version: u32,
    pub(crate) example: Option<syn::Path>,
    /// The payload type of version `version - 1`, for versions above 1.
    pub(crate) previous: Option<syn::Path>,
}

pub(crate) enum ValidLoggedBy {
    Component(syn::Ident),
    All,
}

/// The longest event file name, in bytes: the limit of every name that
/// becomes a path in a run directory (`run_dir::MAX_ID_BYTES`).
const MAX_FILE_BYTES: usize = 128;

/// The derives `#[domain_event]` adds itself; naming one again would be a
/// conflicting-implementation error far from its cause.
const ADDED_DERIVES: [&str; 6] = [
    "Serialize",
    "Deserialize",
    "JsonSchema",
    "Debug",
    "Clone",
    "PartialEq",
];

/// Runs every rule. Returns the validated arguments when the required ones are
/// present; whether anything failed is for `cx.check()` to say.
pub(crate) fn check(cx: &Ctxt, args: &EventArgs, event: &Event<'_>) -> Option<ValidArgs> {
    check_payload(cx, event);
    let file = check_file(cx, args.file.as_ref());
    let logged_by = check_logged_by(cx, args.logged_by.as_ref());
    let version = check_version(cx, args.version.as_ref());
    if let Some(version) = version {
        check_previous(cx, version, args.version.as_ref(), args.previous.as_ref());
    }
    Some(ValidArgs {
        file: file?,
        logged_by: logged_by?,
        version: version?,
        example: args.example.clone(),
        previous: args.previous.clone(),
    })
}

/// The rules on the struct itself, shared with `#[past_event]`: a past
/// version's lines are read by the same record reader.
pub(crate) fn check_payload(cx: &Ctxt, event: &Event<'_>) {
    check_shape(cx, event);
    check_generics(cx, event);
    check_derives(cx, event);
    check_flatten(cx, event);
    check_envelope_collisions(cx, event);
}

// An event is a JSON object with named keys, so only a struct with named
// fields can be one: `struct PositionSnapshot { positions: … }`.
fn check_shape(cx: &Ctxt, event: &Event<'_>) {
    let item = event.original;
    let msg = match event.kind {
        Kind::NamedStruct => return,
        Kind::Enum => {
            "#[domain_event] expects a struct with named fields, not an enum; \
                       put the enum in a field of an event struct"
        }
        Kind::Union => "#[domain_event] expects a struct with named fields, not a union",
        Kind::TupleStruct => {
            "#[domain_event] expects a struct with named fields; \
                              a tuple struct has no field names to write as JSON keys"
        }
        Kind::UnitStruct => {
            "#[domain_event] expects a struct with named fields; \
                             a unit struct has no payload, write `struct Name {}` instead"
        }
    };
    match &item.data {
        Data::Enum(data) => cx.error_spanned_by(data.enum_token, msg),
        Data::Union(data) => cx.error_spanned_by(data.union_token, msg),
        Data::Struct(data) if matches!(event.kind, Kind::TupleStruct) => {
            cx.error_spanned_by(&data.fields, msg)
        }
        Data::Struct(_) => cx.error_spanned_by(&item.ident, msg),
    }
}

// One event file holds one concrete shape, and its schema is generated once;
// `struct Snapshot<T>` would mix shapes in one file.
fn check_generics(cx: &Ctxt, event: &Event<'_>) {
    let generics = &event.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "#[domain_event] does not support generic structs; \
             an event file holds one concrete shape, so declare one event per shape",
        );
    }
}

// `#[domain_event]` derives Serialize, Deserialize, JsonSchema, Debug, Clone
// and PartialEq itself; deriving one again is a conflicting implementation.
fn check_derives(cx: &Ctxt, event: &Event<'_>) {
    for path in &event.derives {
        let Some(last) = path.segments.last() else {
            continue;
        };
        if ADDED_DERIVES.iter().any(|added| last.ident == added) {
            cx.error_spanned_by(
                path,
                format!(
                    "#[domain_event] already derives `{}`; remove it from #[derive(...)]",
                    last.ident
                ),
            );
        }
    }
}

// Flattened fields break CSV export, `deny_unknown_fields` and closed schemas:
// `#[serde(flatten)] extra: Extra` must be spelled out field by field.
fn check_flatten(cx: &Ctxt, event: &Event<'_>) {
    for field in event.fields.iter().filter(|field| field.flatten) {
        cx.error_spanned_by(
            field.original,
            "#[serde(flatten)] is not allowed in a domain event; \
             declare the fields directly so every column is known to the schema",
        );
    }
}

// The logger stamps `timestamp`, `real_utc_time`, `correlation_id` and `pid`
// on every line; a payload field under one of those names, whether declared so
// or renamed so, would write the key twice.
fn check_envelope_collisions(cx: &Ctxt, event: &Event<'_>) {
    for field in &event.fields {
        for name in &field.wire_names {
            if ENVELOPE_FIELDS.contains(&name.as_str()) {
                cx.error_spanned_by(
                    field.original,
                    format!(
                        "field `{name}` collides with an envelope field; the logger writes \
                         `{name}` itself, so rename the field or use #[serde(rename = \"…\")]"
                    ),
                );
            }
        }
    }
}

// `file = "positions.jsonl"`: a plain file name inside `events/`, so that no
// declaration can write outside the run directory.
fn check_file(cx: &Ctxt, file: Option<&LitStr>) -> Option<String> {
    let Some(lit) = file else {
        cx.syn_error(syn::Error::new(
            Span::call_site(),
            "missing `file` argument; add `file = \"<name>.jsonl\"`",
        ));
        return None;
    };
    let value = lit.value();
    let problem = if value.is_empty() {
        Some("event file must not be empty; expected a name such as `positions.jsonl`")
    } else if value.contains(['/', '\\']) || value.contains("..") {
        Some("event file must be a plain file name inside `events/`, without `/`, `\\` or `..`")
    } else if value.len() > MAX_FILE_BYTES {
        Some("event file name is longer than 128 bytes, the limit of every name in a run directory")
    } else if !value.ends_with(".jsonl") {
        Some("event file must end in `.jsonl`")
    } else if value == ".jsonl" {
        Some("event file needs a name before `.jsonl`")
    } else if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        Some("event file may only contain ASCII letters, digits, `_`, `-` and `.`")
    } else {
        None
    };
    match problem {
        Some(msg) => {
            cx.error_spanned_by(lit, msg);
            None
        }
        None => Some(value),
    }
}

// `logged_by = PositionMonitor`, or `logged_by = all` for the guide's
// "All components". Whether the component exists is checked by rustc on the
// expanded name (a built-in, or a constant `component!` declared).
fn check_logged_by(cx: &Ctxt, logged_by: Option<&LoggedBy>) -> Option<ValidLoggedBy> {
    match logged_by {
        Some(LoggedBy::Component(ident)) => Some(ValidLoggedBy::Component(ident.clone())),
        Some(LoggedBy::All) => Some(ValidLoggedBy::All),
        None => {
            cx.syn_error(syn::Error::new(
                Span::call_site(),
                "missing `logged_by` argument; add `logged_by = <Component>`, \
                 or `logged_by = all` for an event every component logs",
            ));
            None
        }
    }
}

// `version = 2`: a positive schema version, 1 when absent.
// A version bump must say how lines of the version before are read, or every
// line written under it stops parsing: `previous = v1::Event`, with
// `impl From<v1::Event> for Event` (its absence is rustc's error).
pub(crate) fn check_previous(
    cx: &Ctxt,
    version: u32,
    lit: Option<&syn::LitInt>,
    previous: Option<&syn::Path>,
) {
    match (version, previous, lit) {
        (1, Some(previous), _) => cx.error_spanned_by(
            previous,
            "version 1 has no previous version; remove `previous`, or bump `version`",
        ),
        (2.., None, Some(lit)) => cx.syn_error(syn::Error::new(
            lit.span(),
            format!(
                "version {version} needs `previous = <the version-{} payload type>`, \
                 with `impl From<that type> for this event`, so lines written under \
                 version {} stay readable; keep the old struct under \
                 `#[basis_events::past_event(version = {})]`",
                version - 1,
                version - 1,
                version - 1
            ),
        )),
        _ => {}
    }
}

pub(crate) fn check_version(cx: &Ctxt, version: Option<&syn::LitInt>) -> Option<u32> {
    let Some(lit) = version else {
        return Some(1);
    };
    match lit.base10_parse::<u32>() {
        Ok(0) | Err(_) => {
            cx.syn_error(syn::Error::new(
                lit.span(),
                "event version must be a whole number from 1 up",
            ));
            None
        }
        Ok(version) => Some(version),
    }
}
