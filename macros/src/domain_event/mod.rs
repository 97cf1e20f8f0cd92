//! `#[domain_event(file = "…", logged_by = Component)]`: parse, validate, then expand.

mod args;
pub(crate) mod ast;
pub(crate) mod expand;
pub(crate) mod fallback;
#[cfg(test)]
mod tests;
pub(crate) mod valid;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

/// Expands one `#[domain_event]` attribute on `input`.
pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(item) => item,
        // Not even a struct, enum or union: there is nothing to fall back to.
        Err(err) => return err.into_compile_error(),
    };
    let cx = Ctxt::new();
    let args = args::EventArgs::from_tokens(&cx, args);
    let event = ast::Event::from_syn(&item);
    let checked = valid::check(&cx, &args, &event);
    match (cx.check(), checked) {
        (Ok(()), Some(valid)) => expand::event(&valid, &event),
        (Err(err), _) => fallback::expand(&item, err),
        (Ok(()), None) => unreachable!("validation failed without reporting an error"),
    }
}
