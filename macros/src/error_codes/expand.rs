//! Code generation for validated codes: one constant each, and the table.

use proc_macro2::TokenStream;
use quote::quote;

use super::valid::Code;

/// `pub const POS_005: ErrorCode = …;` for every code, then `ALL`.
///
/// Paths start at `krate`, the `$crate` of `basis_registry::error_codes!`, so
/// the expansion resolves in any crate that can name the macro, whether or
/// not it depends on basis-registry directly.
pub(crate) fn codes(krate: &TokenStream, codes: &[Code]) -> TokenStream {
    let constants = codes.iter().map(|code| constant(krate, code));
    let idents = codes.iter().map(|code| &code.ident);
    quote! {
        #(#constants)*

        /// Every code of the registry, in declaration order, retired codes included.
        #[allow(deprecated)]
        pub const ALL: &[#krate::ErrorCode] = &[#(#idents),*];
    }
}

fn constant(krate: &TokenStream, code: &Code) -> TokenStream {
    let Code {
        ident,
        code: code_str,
        component,
        severity,
        message,
        description,
        action,
        retired_by,
    } = code;
    let severity_name = severity.to_string().to_ascii_uppercase();
    let summary =
        format!(" **{message}** (`{code_str}`, {severity_name}, raised by `{component}`)");
    let description_doc = format!(" {description}");
    let action_doc = format!(" *Operator action:* {action}");
    let (retired_doc, deprecated, replacement) = match retired_by {
        Some((target, target_code)) => (
            Some(format!(
                " *Retired:* new code uses [`{target}`] (`{target_code}`)."
            )),
            Some(format!("retired: use {target_code}")),
            quote!(::core::option::Option::Some(&#target)),
        ),
        None => (None, None, quote!(::core::option::Option::None)),
    };
    let retired_doc = retired_doc.map(|doc| quote!(#[doc = ""] #[doc = #doc]));
    let deprecated = deprecated.map(|note| quote!(#[deprecated(note = #note)]));
    quote! {
        #[doc = #summary]
        #[doc = ""]
        #[doc = #description_doc]
        #[doc = ""]
        #[doc = #action_doc]
        #retired_doc
        #[doc(alias = #code_str)]
        #deprecated
        // The constructor warns when called by hand; this call is the macro's.
        #[allow(deprecated)]
        pub const #ident: #krate::ErrorCode = #krate::__private::new_error_code(
            #code_str,
            #krate::Component::#component,
            #krate::Severity::#severity,
            #message,
            #description,
            #action,
            #replacement,
        );
    }
}
