//! What a failed `#[domain_event]` expands to: the errors, plus the struct.

use proc_macro2::TokenStream;
use syn::{Attribute, Data, DeriveInput};

/// Emits the errors followed by the item as written, minus the attributes only
/// the derives would have understood.
///
/// Deleting the struct would bury the real error under "cannot find type"
/// errors at every use; keeping it leaves one error per mistake (thiserror's
/// and bon's approach). `#[serde]` and `#[schemars]` attributes go, since
/// without the derives they would be unknown attributes.
pub(crate) fn expand(item: &DeriveInput, err: syn::Error) -> TokenStream {
    let mut item = item.clone();
    strip_derive_helpers(&mut item.attrs);
    match &mut item.data {
        Data::Struct(data) => {
            for field in data.fields.iter_mut() {
                strip_derive_helpers(&mut field.attrs);
            }
        }
        Data::Enum(data) => {
            for variant in data.variants.iter_mut() {
                strip_derive_helpers(&mut variant.attrs);
                for field in variant.fields.iter_mut() {
                    strip_derive_helpers(&mut field.attrs);
                }
            }
        }
        Data::Union(data) => {
            for field in data.fields.named.iter_mut() {
                strip_derive_helpers(&mut field.attrs);
            }
        }
    }
    let mut tokens = err.into_compile_error();
    quote::ToTokens::to_tokens(&item, &mut tokens);
    tokens
}

fn strip_derive_helpers(attrs: &mut Vec<Attribute>) {
    attrs.retain(|attr| !(attr.path().is_ident("serde") || attr.path().is_ident("schemars")));
}
