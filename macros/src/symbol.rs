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

/// Every argument `#[domain_event]` understands, for "did you mean" hints.
pub(crate) const DOMAIN_EVENT_ARGS: &[Symbol] = &[FILE, LOGGED_BY, VERSION, EXAMPLE];

/// The value of `logged_by` for events that every component may log.
pub(crate) const ALL_COMPONENTS: Symbol = Symbol("all");

/// The envelope fields the logger stamps on every event, in wire order.
pub(crate) const ENVELOPE_FIELDS: [&str; 4] =
    ["timestamp", "real_utc_time", "correlation_id", "pid"];

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
