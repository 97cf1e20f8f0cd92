//! The argument list of `#[domain_event(...)]`, parsed into [`EventArgs`].
//!
//! Parsing never stops at the first mistake: every bad argument is recorded in
//! the [`Ctxt`] and parsing goes on, so one compile shows them all.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{Ident, LitInt, LitStr, Token};

use crate::attr::Attr;
use crate::ctxt::Ctxt;
use crate::symbol::{
    ALL_COMPONENTS, DOMAIN_EVENT_ARGS, EXAMPLE, FILE, LOGGED_BY, PREVIOUS, VERSION, closest,
};

const MACRO: &str = "domain_event";

/// What the author wrote between the parentheses, before validation.
pub(crate) struct EventArgs {
    pub(crate) file: Option<LitStr>,
    pub(crate) logged_by: Option<LoggedBy>,
    pub(crate) version: Option<LitInt>,
    pub(crate) example: Option<syn::Path>,
    pub(crate) previous: Option<syn::Path>,
}

/// The component that logs the event.
pub(crate) enum LoggedBy {
    /// `logged_by = PositionMonitor`: a variant of `basis_events::Component`.
    /// Whether it exists is left to the type checker, whose error points at
    /// this ident and suggests the closest variant.
    Component(Ident),
    /// `logged_by = all`: the guide's "All components" (SystemErrorEvent).
    All,
}

impl EventArgs {
    pub(crate) fn from_tokens(cx: &Ctxt, tokens: TokenStream) -> EventArgs {
        let mut file = Attr::none(cx, MACRO, FILE);
        let mut logged_by = Attr::none(cx, MACRO, LOGGED_BY);
        let mut version = Attr::none(cx, MACRO, VERSION);
        let mut example = Attr::none(cx, MACRO, EXAMPLE);
        let mut previous = Attr::none(cx, MACRO, PREVIOUS);

        let parser = syn::meta::parser(|meta| {
            if meta.path == FILE {
                // #[domain_event(file = "positions.jsonl")]
                let lit: LitStr = meta.value()?.parse()?;
                file.set(&meta.path, lit);
            } else if meta.path == LOGGED_BY {
                // #[domain_event(logged_by = PositionMonitor)]
                // #[domain_event(logged_by = all)]
                let ident: Ident = meta.value()?.parse()?;
                let value = if ident == ALL_COMPONENTS {
                    LoggedBy::All
                } else {
                    LoggedBy::Component(ident)
                };
                logged_by.set(&meta.path, value);
            } else if meta.path == VERSION {
                // #[domain_event(version = 2)]
                let lit: LitInt = meta.value()?.parse()?;
                version.set(&meta.path, lit);
            } else if meta.path == EXAMPLE {
                // #[domain_event(example = path::to::canonical_instance)]
                let path: syn::Path = meta.value()?.parse()?;
                example.set(&meta.path, path);
            } else if meta.path == PREVIOUS {
                // #[domain_event(version = 2, previous = v1::PositionSnapshot)]
                let path: syn::Path = meta.value()?.parse()?;
                previous.set(&meta.path, path);
            } else {
                cx.error_spanned_by(&meta.path, unknown_argument(&meta.path));
                // Skip the value so that the arguments after it are still checked.
                if meta.input.peek(Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                    meta.input.parse::<TokenStream>()?;
                }
            }
            Ok(())
        });
        if let Err(err) = parser.parse2(tokens) {
            cx.syn_error(err);
        }

        EventArgs {
            file: file.get(),
            logged_by: logged_by.get(),
            version: version.get(),
            example: example.get(),
            previous: previous.get(),
        }
    }
}

/// "unknown domain_event argument `flie`; did you mean `file`?"
fn unknown_argument(path: &syn::Path) -> String {
    let name = path
        .get_ident()
        .map(Ident::to_string)
        .unwrap_or_else(|| quote::quote!(#path).to_string().replace(' ', ""));
    match closest(&name, DOMAIN_EVENT_ARGS.iter().map(|known| known.0)) {
        Some(known) => format!("unknown {MACRO} argument `{name}`; did you mean `{known}`?"),
        None => format!(
            "unknown {MACRO} argument `{name}`; expected `file`, `logged_by`, `version`, `previous` or `example`"
        ),
    }
}
