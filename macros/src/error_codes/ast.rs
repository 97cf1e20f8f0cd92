//! The input of `error_codes!`, parsed into a typed model that keeps the
//! tokens for spans.
//!
//! A bad key or value is recorded in the [`Ctxt`] and parsing goes on, so one
//! compile shows every mistake. Only a broken structure (an entry without
//! `=`, a missing brace) stops it, since nothing after it can be trusted.
//!
//! The grammar, as `basis_registry::error_codes!` hands it over:
//!
//! ```text
//! components { /// docs
//!              PositionMonitor("POS", "position_monitor.log"), … }
//! crate = $crate;
//! POS_005 = "POS-005" {
//!     component: PositionMonitor,
//!     severity: CRITICAL,
//!     message: "…",
//!     description: "…",
//!     action: "…",
//!     retired_by: "POS-009",   // optional
//! }
//! …
//! ```

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, LitStr, Token, braced, parenthesized};

use crate::attr::Attr;
use crate::ctxt::Ctxt;
use crate::symbol::{
    ACTION, COMPONENT, COMPONENTS, DESCRIPTION, ERROR_CODE_KEYS, MESSAGE, RETIRED_BY, SEVERITY,
    closest,
};

const MACRO: &str = "error_codes";

const EXPECTED_COMPONENT: &str = "expected a component name such as `PositionMonitor`";
const EXPECTED_SEVERITY: &str = "expected a severity: `CRITICAL`, `HIGH`, `MEDIUM` or `LOW`";
const EXPECTED_STRING: &str = "expected a string literal";

/// Everything between the braces of one invocation.
pub(crate) struct Input {
    /// The component table of `basis_registry`, each with its error prefix.
    pub(crate) components: Vec<ComponentDecl>,
    /// The path generated code names the registry crate by (`$crate`).
    pub(crate) krate: TokenStream,
    /// Who invokes the macro: the built-in registry, or an engine's crate.
    pub(crate) scope: Scope,
    pub(crate) entries: Vec<Entry>,
}

/// `scope = registry;` or `scope = author;`, as the wrapper macros pass it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// `basis_registry`'s own `codes.rs`: codes of the built-in components,
    /// listed by `ErrorCode::ALL` and not registered again.
    Registry,
    /// An engine's crate: codes of its own components, registered through
    /// `inventory`.
    Author,
}

/// One row of the component table: `PositionMonitor("POS", "position_monitor.log")`.
pub(crate) struct ComponentDecl {
    pub(crate) ident: Ident,
    pub(crate) prefix: String,
    pub(crate) log_file: String,
}

/// One code as written, before validation. Keys are `None` when absent or
/// unparsable; the error for the latter is already recorded.
pub(crate) struct Entry {
    /// `POS_005`, the constant's name.
    pub(crate) ident: Ident,
    /// `"POS-005"`, the code.
    pub(crate) code: LitStr,
    pub(crate) component: Option<Ident>,
    pub(crate) severity: Option<Ident>,
    pub(crate) message: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) action: Option<LitStr>,
    pub(crate) retired_by: Option<LitStr>,
}

impl Input {
    pub(crate) fn from_tokens(cx: &Ctxt, tokens: TokenStream) -> syn::Result<Input> {
        let parser = |input: ParseStream| {
            let components = parse_components(input)?;
            let krate = parse_krate(input)?;
            let scope = parse_scope(input)?;
            let mut entries = Vec::new();
            while !input.is_empty() {
                entries.push(Entry::parse(cx, input)?);
            }
            Ok(Input {
                components,
                krate,
                scope,
                entries,
            })
        };
        parser.parse2(tokens)
    }
}

// components { /// docs
//              PositionMonitor("POS", "position_monitor.log"), … }
pub(crate) fn parse_components(input: ParseStream) -> syn::Result<Vec<ComponentDecl>> {
    let keyword: Ident = input.parse().map_err(|_| missing_table(input.span()))?;
    if keyword != COMPONENTS {
        return Err(missing_table(keyword.span()));
    }
    let content;
    braced!(content in input);
    let mut components = Vec::new();
    while !content.is_empty() {
        // The docs are the enum's; only the name and the prefix matter here.
        Attribute::parse_outer(&content)?;
        let ident: Ident = content.parse()?;
        let row;
        parenthesized!(row in content);
        let prefix: LitStr = row.parse()?;
        row.parse::<Token![,]>()?;
        let log_file: LitStr = row.parse()?;
        components.push(ComponentDecl {
            ident,
            prefix: prefix.value(),
            log_file: log_file.value(),
        });
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(components)
}

fn missing_table(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "error_codes! needs the component table; invoke it as `basis_registry::error_codes! { … }`",
    )
}

// crate = $crate;
pub(crate) fn parse_krate(input: ParseStream) -> syn::Result<TokenStream> {
    input.parse::<Token![crate]>()?;
    input.parse::<Token![=]>()?;
    let mut krate = TokenStream::new();
    while !input.peek(Token![;]) {
        krate.extend([input.parse::<TokenTree>()?]);
    }
    input.parse::<Token![;]>()?;
    Ok(krate)
}

// scope = registry;
fn parse_scope(input: ParseStream) -> syn::Result<Scope> {
    let keyword: Ident = input.parse()?;
    if keyword != "scope" {
        return Err(syn::Error::new(keyword.span(), "expected `scope = …;`"));
    }
    input.parse::<Token![=]>()?;
    let value: Ident = input.parse()?;
    input.parse::<Token![;]>()?;
    match value.to_string().as_str() {
        "registry" => Ok(Scope::Registry),
        "author" => Ok(Scope::Author),
        _ => Err(syn::Error::new(
            value.span(),
            "expected `registry` or `author`",
        )),
    }
}

impl Entry {
    // POS_005 = "POS-005" { key: value, … }
    fn parse(cx: &Ctxt, input: ParseStream) -> syn::Result<Entry> {
        let ident: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let code: LitStr = input.parse()?;
        let body;
        braced!(body in input);

        let mut component = Attr::none(cx, MACRO, COMPONENT);
        let mut severity = Attr::none(cx, MACRO, SEVERITY);
        let mut message = Attr::none(cx, MACRO, MESSAGE);
        let mut description = Attr::none(cx, MACRO, DESCRIPTION);
        let mut action = Attr::none(cx, MACRO, ACTION);
        let mut retired_by = Attr::none(cx, MACRO, RETIRED_BY);

        while !body.is_empty() {
            let key: Ident = body.parse()?;
            let colon: Token![:] = body.parse()?;
            let value = value_tokens(&body)?;
            if value.is_empty() {
                cx.error_spanned_by(colon, format!("expected a value for `{key}`"));
            } else if key == COMPONENT {
                // component: PositionMonitor
                if let Some(ident) = parse_value::<Ident>(cx, value, EXPECTED_COMPONENT) {
                    component.set(&key, ident);
                }
            } else if key == SEVERITY {
                // severity: CRITICAL
                if let Some(ident) = parse_value::<Ident>(cx, value, EXPECTED_SEVERITY) {
                    severity.set(&key, ident);
                }
            } else if key == MESSAGE {
                // message: "Position reconciliation mismatch"
                if let Some(lit) = parse_value::<LitStr>(cx, value, EXPECTED_STRING) {
                    message.set(&key, lit);
                }
            } else if key == DESCRIPTION {
                // description: "Simulated and real positions differ …"
                if let Some(lit) = parse_value::<LitStr>(cx, value, EXPECTED_STRING) {
                    description.set(&key, lit);
                }
            } else if key == ACTION {
                // action: "Halt trading and …"
                if let Some(lit) = parse_value::<LitStr>(cx, value, EXPECTED_STRING) {
                    action.set(&key, lit);
                }
            } else if key == RETIRED_BY {
                // retired_by: "POS-005"
                if let Some(lit) = parse_value::<LitStr>(cx, value, EXPECTED_STRING) {
                    retired_by.set(&key, lit);
                }
            } else {
                cx.error_spanned_by(&key, unknown_key(&key));
            }
            if !body.is_empty() {
                body.parse::<Token![,]>()?;
            }
        }

        Ok(Entry {
            ident,
            code,
            component: component.get(),
            severity: severity.get(),
            message: message.get(),
            description: description.get(),
            action: action.get(),
            retired_by: retired_by.get(),
        })
    }
}

/// The tokens of one value: everything up to the next top-level comma.
/// Reading them whole lets a value of the wrong kind be reported and skipped
/// without losing the keys after it.
fn value_tokens(body: ParseStream) -> syn::Result<TokenStream> {
    let mut value = TokenStream::new();
    while !body.is_empty() && !body.peek(Token![,]) {
        value.extend([body.parse::<TokenTree>()?]);
    }
    Ok(value)
}

/// Parses one value as `T`; on failure records `expected` under the value.
fn parse_value<T: syn::parse::Parse>(cx: &Ctxt, value: TokenStream, expected: &str) -> Option<T> {
    match syn::parse2::<T>(value.clone()) {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            cx.error_spanned_by(value, expected);
            None
        }
    }
}

/// "unknown error_codes key `mesage`; did you mean `message`?"
fn unknown_key(key: &Ident) -> String {
    let name = key.to_string();
    match closest(&name, ERROR_CODE_KEYS.iter().map(|known| known.0)) {
        Some(known) => format!("unknown {MACRO} key `{name}`; did you mean `{known}`?"),
        None => format!(
            "unknown {MACRO} key `{name}`; expected `component`, `severity`, `message`, \
             `description`, `action` or `retired_by`"
        ),
    }
}
