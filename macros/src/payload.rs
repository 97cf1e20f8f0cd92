//! `#[payload]`: the derives a nested type of an event needs, through
//! `basis_events`' own re-exports, so the author depends on basis-events alone.

use proc_macro2::TokenStream;
use quote::quote;

/// The item with serde's and schemars' derives (and `Debug`, `Clone`,
/// `PartialEq`, as events get), their paths set to basis-events' copies.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        return syn::Error::new_spanned(args, "#[payload] takes no arguments").into_compile_error();
    }
    let item = match syn::parse2::<syn::DeriveInput>(item) {
        Ok(item) => item,
        Err(err) => return err.into_compile_error(),
    };
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
        #item
    }
}
