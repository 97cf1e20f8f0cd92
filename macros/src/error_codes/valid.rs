//! Every rule the registry must follow, one function per rule.
//!
//! Each rule reports through the [`Ctxt`] with a span on the offending token
//! and lets the others run, so the author sees all of their mistakes at once.
//! [`check`] also resolves the entries into [`Code`]s for `expand`; when a
//! rule failed, the codes are still resolved as far as they can be, so the
//! constants exist and their uses do not add errors of their own.

use std::collections::{HashMap, HashSet};

use proc_macro2::Ident;
use syn::LitStr;

use super::ast::{ComponentDecl, Entry, Input, Scope};
use crate::ctxt::Ctxt;
use crate::symbol::{SEVERITIES, closest};

/// One code, ready to expand.
pub(crate) struct Code {
    /// `POS_001`.
    pub(crate) ident: Ident,
    /// `"POS-001"`.
    pub(crate) code: String,
    /// The code's component.
    pub(crate) component: CodeComponent,
    /// A variant of `Severity`: `Critical`.
    pub(crate) severity: Ident,
    pub(crate) message: String,
    pub(crate) description: String,
    pub(crate) action: String,
    /// The constant of the code that replaces this one, and its code.
    pub(crate) retired_by: Option<(Ident, String)>,
    /// Where the code's literal is, for errors found after expansion.
    pub(crate) code_span: proc_macro2::Span,
}

/// The component of a code, as the expansion names it.
pub(crate) enum CodeComponent {
    /// A built-in: `Component::PositionMonitor`.
    Builtin(Ident),
    /// A component declared with `component!`, named as a constant in the
    /// invoking scope; its prefix is checked by a constant assertion, since
    /// the macro cannot see that declaration.
    Custom {
        ident: Ident,
        prefix: Option<String>,
    },
}

/// Runs every rule and resolves the entries, in declaration order.
pub(crate) fn check(cx: &Ctxt, input: &Input) -> Vec<Code> {
    let Some(fallback_component) = input.components.first() else {
        cx.error_spanned_by(
            &input.krate,
            "the component table is empty; there is no component a code could belong to",
        );
        return Vec::new();
    };
    let next_free = next_free_numbers(input);
    let mut codes_seen: HashSet<String> = HashSet::new();
    let mut names_seen: HashMap<String, String> = HashMap::new();
    let mut codes = Vec::new();
    let mut retirements = Vec::new();

    for entry in &input.entries {
        let code = entry.code.value();
        let prefix = check_format(cx, &entry.code);
        let component = match input.scope {
            Scope::Registry => check_component(cx, entry, &input.components).map(|decl| {
                if let Some(prefix) = &prefix {
                    check_prefix(cx, &entry.code, prefix, decl, &input.components);
                }
                CodeComponent::Builtin(decl.ident.clone())
            }),
            Scope::Author => {
                check_custom_component(cx, entry, prefix.as_deref(), &input.components)
            }
        };

        // A mistake gets one error: a duplicated code is reported as such, not
        // also as a duplicated constant, and a duplicated constant not also as
        // a name that does not spell its code. Neither is expanded, so the
        // fallback does not add "defined multiple times" errors.
        if codes_seen.contains(&code) {
            duplicate_code(cx, &entry.code, prefix.as_deref(), &next_free);
            continue;
        }
        let name = entry.ident.to_string();
        if let Some(first) = names_seen.get(&name) {
            cx.error_spanned_by(
                &entry.ident,
                format!("duplicate constant `{name}`; it is already declared for `{first}`"),
            );
            continue;
        }
        if prefix.is_some() {
            check_constant_name(cx, entry);
        }
        codes_seen.insert(code.clone());
        names_seen.insert(name, code.clone());

        retirements.push(entry.retired_by.as_ref());
        codes.push(Code {
            ident: entry.ident.clone(),
            code,
            component: component
                .unwrap_or_else(|| CodeComponent::Builtin(fallback_component.ident.clone())),
            severity: check_severity(cx, entry),
            message: check_text(cx, entry, "message", entry.message.as_ref()),
            description: check_text(cx, entry, "description", entry.description.as_ref()),
            action: check_text(cx, entry, "action", entry.action.as_ref()),
            retired_by: None,
            code_span: entry.code.span(),
        });
    }

    resolve_retirements(cx, &mut codes, &retirements);
    codes
}

// A code is `PREFIX-NNN`: an upper-case ASCII prefix, `-`, three digits
// (`EXEC-001`). Returns the prefix when the code is well formed.
//
// `ErrorCode::parse` in basis-registry applies the same rule at run time; a
// proc-macro crate cannot share code with the crate it generates code for, so
// both are pinned by tests on the same examples.
fn check_format(cx: &Ctxt, lit: &LitStr) -> Option<String> {
    let code = lit.value();
    let prefix = code.split_once('-').and_then(|(prefix, number)| {
        let well_formed = !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_uppercase())
            && number.len() == 3
            && number.bytes().all(|b| b.is_ascii_digit());
        well_formed.then(|| prefix.to_owned())
    });
    if prefix.is_none() {
        cx.error_spanned_by(
            lit,
            format!(
                "malformed error code `{code}`; expected `PREFIX-NNN`, an upper-case prefix, \
                 `-` and three digits, such as `EXEC-001`"
            ),
        );
    }
    prefix
}

// `component: ExecutionManager` names a row of the component table.
fn check_component<'a>(
    cx: &Ctxt,
    entry: &Entry,
    components: &'a [ComponentDecl],
) -> Option<&'a ComponentDecl> {
    let Some(ident) = &entry.component else {
        missing(cx, entry, "component", "the component that raises the code");
        return None;
    };
    let found = components.iter().find(|decl| decl.ident == *ident);
    if found.is_none() {
        let name = ident.to_string();
        let names: Vec<String> = components
            .iter()
            .map(|decl| decl.ident.to_string())
            .collect();
        let msg = match closest(&name, names.iter().map(String::as_str)) {
            Some(known) => format!("unknown component `{name}`; did you mean `{known}`?"),
            None => format!(
                "unknown component `{name}`; expected one of {}",
                names.join(", ")
            ),
        };
        cx.error_spanned_by(ident, msg);
    }
    found
}

// Outside basis-registry, `component: FundingMonitor` names a component the
// engine declared with `component!`: the codes of the guide's components are
// the built-in registry's alone, and a prefix of a built-in component belongs
// to it whatever the component says.
fn check_custom_component(
    cx: &Ctxt,
    entry: &Entry,
    prefix: Option<&str>,
    components: &[ComponentDecl],
) -> Option<CodeComponent> {
    let Some(ident) = &entry.component else {
        missing(cx, entry, "component", "the component that raises the code");
        return None;
    };
    if components.iter().any(|decl| decl.ident == *ident) {
        cx.error_spanned_by(
            ident,
            format!(
                "`{ident}` is a built-in component, whose codes only basis-registry declares; \
                 declare your own component with `basis_events::component!` and give it the codes"
            ),
        );
        return None;
    }
    if let Some(prefix) = prefix
        && let Some(owner) = components.iter().find(|decl| decl.prefix == prefix)
    {
        cx.error_spanned_by(
            &entry.code,
            format!(
                "error code `{}` has the prefix `{prefix}` of the built-in component `{}`; \
                 use the prefix of `{ident}`",
                entry.code.value(),
                owner.ident
            ),
        );
        return None;
    }
    Some(CodeComponent::Custom {
        ident: ident.clone(),
        prefix: prefix.map(str::to_owned),
    })
}

// The prefix of a code is its component's: `EXEC-001` belongs to
// `ExecutionManager`, whose prefix is `EXEC`.
fn check_prefix(
    cx: &Ctxt,
    lit: &LitStr,
    prefix: &str,
    component: &ComponentDecl,
    components: &[ComponentDecl],
) {
    if prefix == component.prefix {
        return;
    }
    let owner = components
        .iter()
        .find(|decl| decl.prefix == prefix)
        .map(|decl| format!("`{prefix}` is the prefix of `{}`", decl.ident))
        .unwrap_or_else(|| format!("no component has the prefix `{prefix}`"));
    cx.error_spanned_by(
        lit,
        format!(
            "error code `{}` does not start with `{}-`, the prefix of `{}`; {owner}",
            lit.value(),
            component.prefix,
            component.ident,
        ),
    );
}

// The constant spells its code: `EXEC_001 = "EXEC-001"`, so that
// `codes::EXEC_001` is found by anyone who knows the code.
fn check_constant_name(cx: &Ctxt, entry: &Entry) {
    let expected = entry.code.value().replace('-', "_");
    if entry.ident != expected {
        cx.error_spanned_by(
            &entry.ident,
            format!(
                "constant `{}` does not spell its code `{}`; name it `{expected}`",
                entry.ident,
                entry.code.value()
            ),
        );
    }
}

// A code is declared once and never reused: a retired code keeps its entry.
fn duplicate_code(cx: &Ctxt, lit: &LitStr, prefix: Option<&str>, next_free: &HashMap<String, u32>) {
    let hint = prefix
        .and_then(|prefix| next_free.get(prefix).map(|n| (prefix, n)))
        .map(|(prefix, n)| format!(", so take the next free number, `{prefix}-{n:03}`"))
        .unwrap_or_default();
    cx.error_spanned_by(
        lit,
        format!(
            "duplicate error code `{}`; a code is never reused{hint}",
            lit.value()
        ),
    );
}

/// The next unused number of every prefix, for the duplicate hint.
fn next_free_numbers(input: &Input) -> HashMap<String, u32> {
    let mut next = HashMap::new();
    for entry in &input.entries {
        let code = entry.code.value();
        if let Some((prefix, number)) = code.split_once('-')
            && let Ok(number) = number.parse::<u32>()
        {
            let slot = next.entry(prefix.to_owned()).or_insert(1);
            *slot = (*slot).max(number + 1);
        }
    }
    next
}

// `severity: HIGH`, written as the guide writes it.
fn check_severity(cx: &Ctxt, entry: &Entry) -> Ident {
    let Some(ident) = &entry.severity else {
        missing(cx, entry, "severity", "CRITICAL, HIGH, MEDIUM or LOW");
        return Ident::new("Critical", entry.ident.span());
    };
    if let Some((_, variant)) = SEVERITIES.iter().find(|(name, _)| ident == name) {
        return Ident::new(variant, ident.span());
    }
    let name = ident.to_string();
    let msg = match SEVERITIES
        .iter()
        .find(|(known, _)| known.0.eq_ignore_ascii_case(&name))
        .map(|(known, _)| known.0)
        .or_else(|| {
            closest(
                &name.to_ascii_uppercase(),
                SEVERITIES.iter().map(|(s, _)| s.0),
            )
        }) {
        Some(known) => format!(
            "unknown severity `{name}`; did you mean `{known}`? Severities are written \
             in upper case, as in the guide"
        ),
        None => format!("unknown severity `{name}`; expected CRITICAL, HIGH, MEDIUM or LOW"),
    };
    cx.error_spanned_by(ident, msg);
    Ident::new("Critical", ident.span())
}

// `message`, `description` and `action` are present and not blank: the docs
// show all three for every code.
fn check_text(cx: &Ctxt, entry: &Entry, key: &str, lit: Option<&LitStr>) -> String {
    let Some(lit) = lit else {
        let what = match key {
            "message" => "a one-line summary such as \"Order execution failed\"",
            "description" => "what happened, in a sentence or two",
            _ => "what the operator does about it",
        };
        missing(cx, entry, key, what);
        return String::new();
    };
    let value = lit.value();
    if value.trim().is_empty() {
        cx.error_spanned_by(
            lit,
            format!("`{key}` of `{}` must not be empty", entry.code.value()),
        );
    }
    value
}

fn missing(cx: &Ctxt, entry: &Entry, key: &str, what: &str) {
    cx.error_spanned_by(
        &entry.ident,
        format!(
            "missing `{key}` for `{}`; add `{key}: …`, {what}",
            entry.ident
        ),
    );
}

// `retired_by: "POS-005"` names a live code of the same invocation: a retired
// code still parses from old logs, and its constant warns in new code,
// pointing at the one to use instead. Pointing at a retired code would send
// the reader on a chain, so the replacement must itself be live.
fn resolve_retirements(cx: &Ctxt, codes: &mut [Code], retirements: &[Option<&LitStr>]) {
    let declared: HashMap<String, Ident> = codes
        .iter()
        .map(|code| (code.code.clone(), code.ident.clone()))
        .collect();
    let retired: HashMap<String, String> = codes
        .iter()
        .zip(retirements)
        .filter_map(|(code, lit)| Some((code.code.clone(), lit.as_ref()?.value())))
        .collect();

    for (code, lit) in codes.iter_mut().zip(retirements) {
        let Some(lit) = lit else {
            continue;
        };
        let target = lit.value();
        code.retired_by = if target == code.code {
            cx.error_spanned_by(lit, format!("`{target}` cannot be retired by itself"));
            None
        } else if let Some(ident) = declared.get(&target) {
            if let Some(next) = retired.get(&target) {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`{target}` is itself retired (by `{next}`); point `{}` at `{next}`",
                        code.code
                    ),
                );
            }
            Some((ident.clone(), target))
        } else {
            cx.error_spanned_by(
                lit,
                format!(
                    "retired code `{}` points at `{target}`, which is not in the registry",
                    code.code
                ),
            );
            None
        };
    }
}
