//! Code generation for a validated event. Assumes every rule in `valid` passed.

use proc_macro2::TokenStream;
use quote::quote;

use super::ast::Event;
use super::valid::{ValidArgs, ValidLoggedBy};

/// The struct with its derives, the `DomainEvent` impl and the registration.
///
/// Every path goes through `::basis_events::__private`, so an author's crate
/// needs no direct dependency on serde, schemars or inventory.
pub(crate) fn event(args: &ValidArgs, event: &Event<'_>) -> TokenStream {
    let item = event.original;
    let ident = &item.ident;
    let name = ident.to_string();
    let file = &args.file;
    let version = args.version;
    let logged_by = match &args.logged_by {
        // A block that glob-imports the built-ins: a built-in name resolves
        // without an import, a component declared with `component!` from the
        // author's scope, and a typo is rustc's error on the author's token.
        ValidLoggedBy::Component(component) => quote! {
            ::basis_events::LoggedBy::Component({
                #[allow(unused_imports)]
                use ::basis_events::components::*;
                #component
            })
        },
        ValidLoggedBy::All => quote!(::basis_events::LoggedBy::AllComponents),
    };
    let example = args.example.as_ref().map(|path| {
        quote! {
            fn example() -> ::core::option::Option<Self> {
                ::core::option::Option::Some(#path())
            }
        }
    });
    let upcast = upcast_impl(ident, &name, version, args.previous.as_ref());
    // Closed objects: a line with a key the schema does not know is refused,
    // unless the author already asked for it.
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

        #[automatically_derived]
        impl ::basis_events::DomainEvent for #ident {
            const NAME: &'static str = #name;
            const FILE: &'static str = #file;
            const LOGGED_BY: ::basis_events::LoggedBy = #logged_by;
            const VERSION: u32 = #version;
            #example
        }

        #upcast

        ::basis_events::__private::inventory::submit! {
            ::basis_events::__private::EventInfo::of::<#ident>(::core::module_path!())
        }
    }
}

/// `impl Upcast`: the event's place in its version chain. Version 1 is its
/// own previous; a later version converts from `previous` through the
/// author's `From` impl, and a const assertion checks that `previous` is
/// the same event, one version less.
pub(crate) fn upcast_impl(
    ident: &syn::Ident,
    name: &str,
    version: u32,
    previous: Option<&syn::Path>,
) -> TokenStream {
    let upcast = quote!(::basis_events::__private::Upcast);
    match previous {
        None => quote! {
            #[automatically_derived]
            impl #upcast for #ident {
                const EVENT: &'static str = #name;
                const AT_VERSION: u32 = #version;
                type Previous = Self;
                fn upcast(previous: Self) -> Self {
                    previous
                }
            }
        },
        Some(previous) => quote! {
            #[automatically_derived]
            impl #upcast for #ident {
                const EVENT: &'static str = #name;
                const AT_VERSION: u32 = #version;
                type Previous = #previous;
                fn upcast(previous: #previous) -> Self {
                    <Self as ::core::convert::From<#previous>>::from(previous)
                }
            }

            const _: () = ::basis_events::__private::assert_previous::<#ident, #previous>();
        },
    }
}
