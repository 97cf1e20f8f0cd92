//! Implementation detail of `basis-events`: the `#[domain_event]` attribute,
//! and of `basis-registry`: the `error_codes!` registry.
//!
//! Entry points only. Each one converts to `proc_macro2` and hands over to a
//! module that parses, validates and expands, so the stages can be unit-tested
//! without a compiler in the loop. User documentation lives on the re-export in
//! `basis-events`.

mod attr;
mod ctxt;
mod domain_event;
mod error_codes;
mod symbol;

use proc_macro::TokenStream;

/// Declares a domain event. See `basis_events::domain_event` for the docs.
#[proc_macro_attribute]
pub fn domain_event(args: TokenStream, item: TokenStream) -> TokenStream {
    domain_event::expand(args.into(), item.into()).into()
}

/// Declares the error-code registry. Invoked through
/// `basis_registry::error_codes!`, which passes the component table along;
/// see `basis_registry`'s `codes.rs` for the grammar.
#[proc_macro]
pub fn error_codes(input: TokenStream) -> TokenStream {
    error_codes::expand(input.into()).into()
}
