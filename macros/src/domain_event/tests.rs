//! Expansion snapshots: what `#[domain_event]` writes for a typical event.

use quote::quote;

fn expand_pretty(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
    let tokens = super::expand(args, item);
    prettyplease::unparse(&syn::parse2(tokens).expect("expansion parses as a file"))
}

#[test]
fn expands_position_snapshot() {
    let expanded = expand_pretty(
        quote!(file = "positions.jsonl", logged_by = PositionMonitor),
        quote! {
            /// Snapshot of every position after an update.
            pub struct PositionSnapshot {
                pub positions: BTreeMap<String, f64>,
                pub total_value_usd: f64,
                #[serde(default)]
                pub metadata: Metadata,
            }
        },
    );
    insta::assert_snapshot!("position_snapshot", expanded);
}

#[test]
fn expands_all_components_with_version_and_example() {
    let expanded = expand_pretty(
        quote!(
            file = "system_errors.jsonl",
            logged_by = all,
            version = 2,
            previous = v1::SystemError,
            example = demo
        ),
        quote! {
            #[serde(deny_unknown_fields)]
            pub struct SystemError {
                pub error_message: String,
            }
        },
    );
    // The author's own deny_unknown_fields is kept and not repeated.
    assert_eq!(expanded.matches("deny_unknown_fields").count(), 1);
    insta::assert_snapshot!("all_components_versioned", expanded);
}

#[test]
fn fallback_keeps_the_struct_without_serde_attributes() {
    let tokens = super::expand(
        quote!(file = "positions.json", logged_by = PositionMonitor),
        quote! {
            pub struct PositionSnapshot {
                #[serde(default)]
                pub total_value_usd: f64,
            }
        },
    )
    .to_string();
    assert!(tokens.contains("compile_error"), "{tokens}");
    assert!(tokens.contains("pub struct PositionSnapshot"), "{tokens}");
    assert!(!tokens.contains("serde"), "{tokens}");
}

#[test]
fn reports_every_mistake_in_one_pass() {
    let tokens = super::expand(
        quote!(file = "x.json", flie = "y", version = 0),
        quote! {
            pub struct Bad { pub timestamp: String }
        },
    )
    .to_string();
    for expected in [
        "must end in `.jsonl`",
        "did you mean `file`",
        "from 1 up",
        "missing `logged_by`",
        "collides with an envelope field",
    ] {
        assert!(
            tokens.contains(expected),
            "missing {expected:?} in {tokens}"
        );
    }
}
