//! `component! { … }`: parse, validate, then expand an engine's own components.
//!
//! The grammar, as `basis_registry::component!` hands it over (the built-in
//! table first, so the checks know every built-in name, prefix and log file):
//!
//! ```text
//! components { PositionMonitor("POS", "position_monitor.log"), … }
//! crate = $crate;
//! /// Watches perpetual funding rates.
//! pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
//! …
//! ```

#[cfg(test)]
mod tests;

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, LitStr, Token, Visibility, braced};

use crate::attr::Attr;
use crate::ctxt::Ctxt;
use crate::error_codes::ast::{ComponentDecl, parse_components, parse_krate};
use crate::symbol::{LOG_FILE, PREFIX};

const MACRO: &str = "component";

/// The longest log file name accepted, in bytes: the limit of every name that
/// becomes a path in a run directory (ids, event files).
const MAX_FILE_BYTES: usize = 128;

/// One declaration as written.
struct Decl {
    attrs: Vec<Attribute>,
    vis: Visibility,
    ident: Ident,
    prefix: Option<LitStr>,
    log_file: Option<LitStr>,
}

/// Expands every declaration of one invocation.
///
/// On error the constants are still emitted (unregistered), so uses of
/// `FundingMonitor` elsewhere add no "cannot find value" errors.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let parsed = (|input: ParseStream| {
        let builtins = parse_components(input)?;
        let krate = parse_krate(input)?;
        let mut decls = Vec::new();
        while !input.is_empty() {
            decls.push(parse_decl(&cx, input)?);
        }
        Ok((builtins, krate, decls))
    })
    .parse2(input);
    let (builtins, krate, decls) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            cx.syn_error(err);
            return cx
                .check()
                .map_or_else(syn::Error::into_compile_error, |()| TokenStream::new());
        }
    };
    check(&cx, &builtins, &decls);
    match cx.check() {
        Ok(()) => decls
            .iter()
            .map(|decl| constant(&krate, decl, true))
            .collect(),
        Err(err) => {
            let mut tokens = err.into_compile_error();
            // A name declared twice is emitted once, so rustc adds no
            // "defined multiple times" error to ours.
            let firsts = decls.iter().enumerate().filter(|(index, decl)| {
                !decls[..*index]
                    .iter()
                    .any(|other| other.ident == decl.ident)
            });
            tokens.extend(firsts.map(|(_, decl)| constant(&krate, decl, false)));
            tokens
        }
    }
}

// /// docs
// pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
fn parse_decl(cx: &Ctxt, input: ParseStream) -> syn::Result<Decl> {
    let attrs = Attribute::parse_outer(input)?;
    let vis: Visibility = input.parse()?;
    let ident: Ident = input.parse()?;
    let body;
    braced!(body in input);
    let mut prefix = Attr::none(cx, MACRO, PREFIX);
    let mut log_file = Attr::none(cx, MACRO, LOG_FILE);
    while !body.is_empty() {
        let key: Ident = body.parse()?;
        body.parse::<Token![:]>()?;
        let value: LitStr = body.parse()?;
        if key == PREFIX {
            prefix.set(&key, value);
        } else if key == LOG_FILE {
            log_file.set(&key, value);
        } else {
            cx.error_spanned_by(
                &key,
                format!("unknown {MACRO} key `{key}`; expected `prefix` or `log_file`"),
            );
        }
        if !body.is_empty() {
            body.parse::<Token![,]>()?;
        }
    }
    Ok(Decl {
        attrs,
        vis,
        ident,
        prefix: prefix.get(),
        log_file: log_file.get(),
    })
}

/// Every rule, each reporting under the offending token.
fn check(cx: &Ctxt, builtins: &[ComponentDecl], decls: &[Decl]) {
    for (index, decl) in decls.iter().enumerate() {
        let earlier = &decls[..index];
        check_name(cx, builtins, earlier, decl);
        match &decl.prefix {
            Some(prefix) => check_prefix(cx, builtins, earlier, prefix),
            None => missing(cx, decl, "prefix", "prefix: \"FUND\""),
        }
        match &decl.log_file {
            Some(log_file) => check_log_file(cx, builtins, earlier, log_file),
            None => missing(cx, decl, "log_file", "log_file: \"funding_monitor.log\""),
        }
    }
}

fn missing(cx: &Ctxt, decl: &Decl, key: &str, example: &str) {
    cx.error_spanned_by(
        &decl.ident,
        format!(
            "missing `{key}` for component `{}`; add `{example}`",
            decl.ident
        ),
    );
}

// A component's name is its own: not a built-in's, not declared twice.
fn check_name(cx: &Ctxt, builtins: &[ComponentDecl], earlier: &[Decl], decl: &Decl) {
    let ident = &decl.ident;
    if builtins.iter().any(|builtin| builtin.ident == *ident) {
        cx.error_spanned_by(
            ident,
            format!(
                "`{ident}` is a built-in component; use `Component::{ident}`, or pick another name"
            ),
        );
    } else if earlier.iter().any(|other| other.ident == *ident) {
        cx.error_spanned_by(ident, format!("duplicate component `{ident}`"));
    }
}

// `prefix: "FUND"`: upper-case ASCII letters, as every code's `PREFIX-NNN`
// needs; not a built-in's, not declared twice.
fn check_prefix(cx: &Ctxt, builtins: &[ComponentDecl], earlier: &[Decl], lit: &LitStr) {
    let prefix = lit.value();
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        cx.error_spanned_by(
            lit,
            format!("component prefix `{prefix}` must be upper-case ASCII letters, such as `FUND`"),
        );
    } else if let Some(owner) = builtins.iter().find(|b| b.prefix == prefix) {
        cx.error_spanned_by(
            lit,
            format!(
                "prefix `{prefix}` is the prefix of the built-in component `{}`",
                owner.ident
            ),
        );
    } else if let Some(owner) = earlier
        .iter()
        .find(|other| other.prefix.as_ref().is_some_and(|p| p.value() == prefix))
    {
        cx.error_spanned_by(
            lit,
            format!(
                "duplicate prefix `{prefix}`; `{}` already has it",
                owner.ident
            ),
        );
    }
}

// `log_file: "funding_monitor.log"`: a plain file name in the process
// directory, so no declaration can write outside it; not a built-in's, not
// declared twice.
fn check_log_file(cx: &Ctxt, builtins: &[ComponentDecl], earlier: &[Decl], lit: &LitStr) {
    let file = lit.value();
    let problem = if file.contains(['/', '\\']) || file.contains("..") {
        Some("log file must be a plain file name, without `/`, `\\` or `..`".to_owned())
    } else if !file.ends_with(".log") || file == ".log" {
        Some("log file must be a name ending in `.log`, such as `funding_monitor.log`".to_owned())
    } else if file.len() > MAX_FILE_BYTES {
        Some(format!(
            "log file name is {} bytes long; the limit is {MAX_FILE_BYTES}",
            file.len()
        ))
    } else if !file
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        Some("log file may only contain ASCII letters, digits, `_`, `-` and `.`".to_owned())
    } else if let Some(owner) = builtins.iter().find(|b| b.log_file == file) {
        Some(format!(
            "`{file}` is the log file of the built-in component `{}`",
            owner.ident
        ))
    } else {
        earlier
            .iter()
            .find(|other| other.log_file.as_ref().is_some_and(|f| f.value() == file))
            .map(|owner| {
                format!(
                    "duplicate log file `{file}`; `{}` already writes it",
                    owner.ident
                )
            })
    };
    if let Some(msg) = problem {
        cx.error_spanned_by(lit, msg);
    }
}

/// `pub const FundingMonitor: Component = …;` and, when valid, its
/// registration.
fn constant(krate: &TokenStream, decl: &Decl, register: bool) -> TokenStream {
    let Decl {
        attrs,
        vis,
        ident,
        prefix,
        log_file,
    } = decl;
    let name = ident.to_string();
    let prefix = prefix.as_ref().map(LitStr::value).unwrap_or_default();
    let log_file = log_file.as_ref().map(LitStr::value).unwrap_or_default();
    let doc: String = attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(lit),
                    ..
                }) => Some(format!("{}\n", lit.value())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let registration = register.then(|| {
        quote! {
            #krate::__private::inventory::submit! {
                #krate::__private::RegisteredComponent::new(#ident, ::core::module_path!())
            }
        }
    });
    quote! {
        #(#attrs)*
        #[allow(non_upper_case_globals)]
        // The constructor warns when called by hand; this call is the macro's.
        #[allow(deprecated)]
        #vis const #ident: #krate::Component =
            #krate::__private::new_component(#name, #prefix, #log_file, #doc);
        #registration
    }
}
