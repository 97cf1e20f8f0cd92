//! The names of the macros' arguments, as constants so that a typo is a compile error.

use std::fmt::{self, Display};

use syn::{Ident, Path};

/// An argument name such as `file` in `#[domain_event(file = "…")]`.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Symbol(pub(crate) &'static str);

pub(crate) const FILE: Symbol = Symbol("file");
pub(crate) const LOGGED_BY: Symbol = Symbol("logged_by");
pub(crate) const VERSION: Symbol = Symbol("version");
pub(crate) const EXAMPLE: Symbol = Symbol("example");
pub(crate) const PREVIOUS: Symbol = Symbol("previous");

/// Every argument `#[domain_event]` understands, for "did you mean" hints.
pub(crate) const DOMAIN_EVENT_ARGS: &[Symbol] = &[FILE, LOGGED_BY, VERSION, EXAMPLE, PREVIOUS];

/// Every argument `#[past_event]` understands.
pub(crate) const PAST_EVENT_ARGS: &[Symbol] = &[VERSION, PREVIOUS];

/// The value of `logged_by` for events that every component may log.
pub(crate) const ALL_COMPONENTS: Symbol = Symbol("all");

/// The envelope fields the logger stamps on every event, in wire order.
pub(crate) const ENVELOPE_FIELDS: [&str; 5] =
    ["timestamp", "real_utc_time", "correlation_id", "pid", "seq"];

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.0)
    }
}

/// The keys of one `error_codes!` entry:
/// `EXEC_001 = "EXEC-001" { component: …, severity: …, message: "…", … }`.
pub(crate) const COMPONENT: Symbol = Symbol("component");
pub(crate) const SEVERITY: Symbol = Symbol("severity");
pub(crate) const MESSAGE: Symbol = Symbol("message");
pub(crate) const DESCRIPTION: Symbol = Symbol("description");
pub(crate) const ACTION: Symbol = Symbol("action");
pub(crate) const RETIRED_BY: Symbol = Symbol("retired_by");

/// Every key an `error_codes!` entry understands, for "did you mean" hints.
pub(crate) const ERROR_CODE_KEYS: &[Symbol] = &[
    COMPONENT,
    SEVERITY,
    MESSAGE,
    DESCRIPTION,
    ACTION,
    RETIRED_BY,
];

/// The block in which `basis_registry::error_codes!` passes the component table.
pub(crate) const COMPONENTS: Symbol = Symbol("components");

// component! { Name { prefix: "FUND", log_file: "funding_monitor.log" } }
pub(crate) const PREFIX: Symbol = Symbol("prefix");
pub(crate) const LOG_FILE: Symbol = Symbol("log_file");

/// The guide's severities as an entry writes them, with the `Severity`
/// variant each one names.
pub(crate) const SEVERITIES: [(Symbol, &str); 4] = [
    (Symbol("CRITICAL"), "Critical"),
    (Symbol("HIGH"), "High"),
    (Symbol("MEDIUM"), "Medium"),
    (Symbol("LOW"), "Low"),
];

/// The candidate closest to `name` within an edit distance of 3, for a
/// "did you mean `…`?" hint.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::levenshtein(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}
