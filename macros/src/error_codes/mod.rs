//! `error_codes! { … }`: parse, validate, then expand the registry.

pub(crate) mod ast;
mod expand;
#[cfg(test)]
mod tests;
mod valid;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

/// Expands the one invocation of the registry.
///
/// On error the constants are still emitted, as far as they could be
/// resolved, after the errors: uses of `codes::EXEC_001` elsewhere then add no
/// "cannot find value" errors to the ones that matter (thiserror's fallback).
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let input = match ast::Input::from_tokens(&cx, input) {
        Ok(input) => input,
        // The structure itself is broken: there is nothing to fall back to.
        Err(err) => {
            cx.syn_error(err);
            return cx
                .check()
                .map_or_else(syn::Error::into_compile_error, |()| TokenStream::new());
        }
    };
    let codes = valid::check(&cx, &input);
    let expanded = expand::codes(&input.krate, input.scope, &codes);
    match cx.check() {
        Ok(()) => expanded,
        Err(err) => {
            let mut tokens = err.into_compile_error();
            tokens.extend(expanded);
            tokens
        }
    }
}
