//! Code generation for validated codes: one constant each, and the table.

use proc_macro2::TokenStream;
use quote::quote;

use super::ast::Scope;
use super::valid::{Code, CodeComponent};

/// `pub const POS_005: ErrorCode = …;` for every code, then `ALL`.
///
/// Paths start at `krate`, the `$crate` of `basis_registry::error_codes!`, so
/// the expansion resolves in any crate that can name the macro, whether or
/// not it depends on basis-registry directly.
///
/// An author's table is also registered through `inventory`, so that
/// `ErrorCode::parse` finds its codes; and each code of a custom component
/// gets a constant assertion that its prefix is the component's, spanned to
/// the code so the error points there.
pub(crate) fn codes(krate: &TokenStream, scope: Scope, codes: &[Code]) -> TokenStream {
    let constants = codes.iter().map(|code| constant(krate, code));
    let idents = codes.iter().map(|code| &code.ident);
    let prefix_checks = codes.iter().filter_map(|code| prefix_check(krate, code));
    let registration = (scope == Scope::Author).then(|| {
        quote! {
            #krate::__private::inventory::submit! {
                #krate::__private::RegisteredCodes::new(ALL, ::core::module_path!())
            }
        }
    });
    quote! {
        #(#constants)*

        /// Every code of this table, in declaration order, retired codes included.
        #[allow(deprecated)]
        pub const ALL: &[#krate::ErrorCode] = &[#(#idents),*];

        #(#prefix_checks)*
        #registration
    }
}

fn prefix_check(krate: &TokenStream, code: &Code) -> Option<TokenStream> {
    let CodeComponent::Custom {
        ident,
        prefix: Some(prefix),
    } = &code.component
    else {
        return None;
    };
    let message = format!(
        "error code `{}` does not start with the prefix of `{ident}`; \
         its prefix must be the one `component!` declared for `{ident}`",
        code.code
    );
    let span = code.code_span;
    Some(quote::quote_spanned! {span=>
        const _: () = ::core::assert!(#krate::__private::has_prefix(#ident, #prefix), #message);
    })
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
        ..
    } = code;
    let severity_name = severity.to_string().to_ascii_uppercase();
    let component_path = match component {
        CodeComponent::Builtin(ident) => quote!(#krate::Component::#ident),
        CodeComponent::Custom { ident, .. } => quote!(#ident),
    };
    let component = match component {
        CodeComponent::Builtin(ident) | CodeComponent::Custom { ident, .. } => ident,
    };
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
            #component_path,
            #krate::Severity::#severity,
            #message,
            #description,
            #action,
            #replacement,
        );
    }
}
