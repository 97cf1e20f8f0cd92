//! One macro argument's value, with the duplicate check written once.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::ctxt::Ctxt;
use crate::symbol::Symbol;

/// The value of one argument, set at most once.
///
/// Every argument goes through [`Attr::set`], so "duplicate argument" is
/// reported the same way for all of them and cannot be forgotten for one
/// (tracing-attributes' hand-written checks drifted exactly like that).
pub(crate) struct Attr<'c, T> {
    cx: &'c Ctxt,
    macro_name: &'static str,
    name: Symbol,
    value: Option<(TokenStream, T)>,
}

impl<'c, T> Attr<'c, T> {
    pub(crate) fn none(cx: &'c Ctxt, macro_name: &'static str, name: Symbol) -> Self {
        Attr {
            cx,
            macro_name,
            name,
            value: None,
        }
    }

    /// Stores `value`, or reports a duplicate under `obj` if one was stored already.
    pub(crate) fn set(&mut self, obj: impl ToTokens, value: T) {
        let tokens = obj.into_token_stream();
        if self.value.is_some() {
            let msg = format!("duplicate {} argument `{}`", self.macro_name, self.name);
            self.cx.error_spanned_by(tokens, msg);
        } else {
            self.value = Some((tokens, value));
        }
    }

    pub(crate) fn get(self) -> Option<T> {
        self.value.map(|(_, value)| value)
    }
}
