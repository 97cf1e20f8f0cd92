//! Implementation detail of `basis-events`: the `#[domain_event]` attribute.
//!
//! Entry points only. Each one converts to `proc_macro2` and hands over to a
//! module that parses, validates and expands, so the stages can be unit-tested
//! without a compiler in the loop. User documentation lives on the re-export in
//! `basis-events`.

mod attr;
mod ctxt;
mod domain_event;
mod symbol;

use proc_macro::TokenStream;

/// Declares a domain event. See `basis_events::domain_event` for the docs.
#[proc_macro_attribute]
pub fn domain_event(args: TokenStream, item: TokenStream) -> TokenStream {
    domain_event::expand(args.into(), item.into()).into()
}
