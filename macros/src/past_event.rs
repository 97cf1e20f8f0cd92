//! `#[past_event(version = N, previous = …)]`: a frozen past version of an
//! event's payload, kept so that lines written under it stay readable.
//!
//! Parse, validate, expand, like `#[domain_event]`, whose struct rules it
//! shares: the past type gets the same derives and closed objects, and its
//! place in the version chain (`Upcast`), but no file, no component and no
//! registration: it is never written, only read and converted forward.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::{LitInt, Token};

use crate::attr::Attr;
use crate::ctxt::Ctxt;
use crate::domain_event::expand::upcast_impl;
use crate::domain_event::{ast, fallback, valid};
use crate::symbol::{PAST_EVENT_ARGS, PREVIOUS, VERSION, closest};

const MACRO: &str = "past_event";

struct PastArgs {
    version: Option<LitInt>,
    previous: Option<syn::Path>,
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(item) => item,
        Err(err) => return err.into_compile_error(),
    };
    let cx = Ctxt::new();
    let args = parse(&cx, args);
    let event = ast::Event::from_syn(&item);
    valid::check_payload(&cx, &event);
    let version = match &args.version {
        Some(lit) => valid::check_version(&cx, Some(lit)),
        None => {
            cx.error_spanned_by(
                &item.ident,
                "#[past_event] needs `version = N`: the version whose lines this type reads",
            );
            None
        }
    };
    if let Some(version) = version {
        valid::check_previous(&cx, version, args.version.as_ref(), args.previous.as_ref());
    }
    if let Err(err) = cx.check() {
        return fallback::expand(&item, err);
    }
    let Some(version) = version else {
        unreachable!("a missing version was reported")
    };
    let ident = &item.ident;
    let name = ident.to_string();
    let upcast = upcast_impl(ident, &name, version, args.previous.as_ref());
    let deny_unknown_fields =
        (!event.denies_unknown_fields).then(|| quote!(#[serde(deny_unknown_fields)]));
    quote! {
        #[derive(
            ::basis_events::__private::serde::Serialize,
            ::basis_events::__private::serde::Deserialize,
            ::basis_events::__private::schemars::JsonSchema,
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::cmp::PartialEq,
        )]
        #[serde(crate = "::basis_events::__private::serde")]
        #[schemars(crate = "::basis_events::__private::schemars")]
        #deny_unknown_fields
        #item

        #upcast
    }
}

fn parse(cx: &Ctxt, tokens: TokenStream) -> PastArgs {
    let mut version = Attr::none(cx, MACRO, VERSION);
    let mut previous = Attr::none(cx, MACRO, PREVIOUS);
    let parser = syn::meta::parser(|meta| {
        if meta.path == VERSION {
            let lit: LitInt = meta.value()?.parse()?;
            version.set(&meta.path, lit);
        } else if meta.path == PREVIOUS {
            let path: syn::Path = meta.value()?.parse()?;
            previous.set(&meta.path, path);
        } else {
            let path = &meta.path;
            let name = quote!(#path).to_string().replace(' ', "");
            let hint = match closest(&name, PAST_EVENT_ARGS.iter().map(|known| known.0)) {
                Some(known) => format!("; did you mean `{known}`?"),
                None => "; expected `version` or `previous`".to_owned(),
            };
            cx.error_spanned_by(
                &meta.path,
                format!("unknown {MACRO} argument `{name}`{hint}"),
            );
            if meta.input.peek(Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
        }
        Ok(())
    });
    if let Err(err) = parser.parse2(tokens) {
        cx.syn_error(err);
    }
    PastArgs {
        version: version.get(),
        previous: previous.get(),
    }
}
