//! Implementation detail of `basis-events`: the `#[domain_event]` attribute,
//! and of `basis-registry`: the `error_codes!` registry.
//!
//! Entry points only. Each one converts to `proc_macro2` and hands over to a
//! module that parses, validates and expands, so the stages can be unit-tested
//! without a compiler in the loop. User documentation lives on the re-export in
//! `basis-events`.

mod attr;
mod component;
mod ctxt;
mod domain_event;
mod error_codes;
mod past_event;
mod payload;
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

/// Declares components of an engine. Invoked through
/// `basis_registry::component!` (re-exported as `basis_events::component!`),
/// which passes the built-in component table along.
#[proc_macro]
pub fn component(input: TokenStream) -> TokenStream {
    component::expand(input.into()).into()
}

/// Derives what a nested payload type needs. See `basis_events::payload`.
#[proc_macro_attribute]
pub fn payload(args: TokenStream, item: TokenStream) -> TokenStream {
    payload::expand(args.into(), item.into()).into()
}

/// Declares a past version of an event's payload. See
/// `basis_events::past_event`.
#[proc_macro_attribute]
pub fn past_event(args: TokenStream, item: TokenStream) -> TokenStream {
    past_event::expand(args.into(), item.into()).into()
}
