//! The struct under `#[domain_event]`, as a typed model that keeps the syn
//! nodes for spans.
//!
//! Field names on the wire come from serde's own front end
//! (`serde_derive_internals`, as schemars does), so `rename`, `rename_all` and
//! `alias` mean exactly what serde will make of them.

use proc_macro2::{Ident, Span};
use serde_derive_internals::{Ctxt as SerdeCtxt, Derive, ast as serde_ast};
use syn::{Data, DeriveInput, Fields};

/// The item the attribute sits on.
pub(crate) struct Event<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) kind: Kind,
    pub(crate) fields: Vec<Field<'a>>,
    /// The author already wrote `#[serde(deny_unknown_fields)]`.
    pub(crate) denies_unknown_fields: bool,
    /// Paths inside the author's own `#[derive(...)]` attributes.
    pub(crate) derives: Vec<syn::Path>,
}

/// What kind of item the attribute was put on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    NamedStruct,
    TupleStruct,
    UnitStruct,
    Enum,
    Union,
}

/// A payload field, with every name serde reads or writes it under.
pub(crate) struct Field<'a> {
    pub(crate) original: &'a syn::Field,
    pub(crate) wire_names: Vec<String>,
    pub(crate) flatten: bool,
}

impl<'a> Event<'a> {
    pub(crate) fn from_syn(item: &'a DeriveInput) -> Self {
        let kind = match &item.data {
            Data::Struct(data) => match data.fields {
                Fields::Named(_) => Kind::NamedStruct,
                Fields::Unnamed(_) => Kind::TupleStruct,
                Fields::Unit => Kind::UnitStruct,
            },
            Data::Enum(_) => Kind::Enum,
            Data::Union(_) => Kind::Union,
        };
        let mut event = Event {
            original: item,
            kind,
            fields: Vec::new(),
            denies_unknown_fields: false,
            derives: derive_paths(item),
        };
        if kind == Kind::NamedStruct {
            event.read_serde_names(item);
        }
        event
    }

    fn read_serde_names(&mut self, item: &'a DeriveInput) {
        // serde's derive reports malformed #[serde] attributes itself once we
        // expand; reporting them here too would show every such error twice.
        let serde_cx = SerdeCtxt::new();
        let private = Ident::new("__private", Span::call_site());
        let container =
            serde_ast::Container::from_ast(&serde_cx, item, Derive::Deserialize, &private);
        if let Some(container) = container {
            self.denies_unknown_fields = container.attrs.deny_unknown_fields();
            if let serde_ast::Data::Struct(_, fields) = container.data {
                self.fields = fields.iter().map(field_from_serde).collect();
            }
        }
        let _ = serde_cx.check();
    }
}

fn field_from_serde<'a>(field: &serde_ast::Field<'a>) -> Field<'a> {
    let name = field.attrs.name();
    let mut wire_names = vec![
        name.serialize_name().value.clone(),
        name.deserialize_name().value.clone(),
    ];
    wire_names.extend(
        field
            .attrs
            .aliases()
            .iter()
            .map(|alias| alias.value.clone()),
    );
    wire_names.sort();
    wire_names.dedup();
    Field {
        original: field.original,
        wire_names,
        flatten: field.attrs.flatten(),
    }
}

fn derive_paths(item: &DeriveInput) -> Vec<syn::Path> {
    item.attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::List(list) => Some(list),
            _ => None,
        })
        .flat_map(|list| {
            list.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .map(|paths| paths.into_iter().collect::<Vec<_>>())
            .unwrap_or_default()
        })
        .collect()
}
