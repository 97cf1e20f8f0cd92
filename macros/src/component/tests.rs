//! Error messages of `component!`, one per rule.

use proc_macro2::TokenStream;
use quote::quote;

fn errors(decls: TokenStream) -> Vec<String> {
    let input = quote! {
        components {
            PositionMonitor("POS", "position_monitor.log"),
        }
        crate = ::basis_registry;
        #decls
    };
    let file: syn::File = syn::parse2(super::expand(input)).expect("expansion parses as a file");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(mac)
                if mac
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|segment| segment.ident == "compile_error") =>
            {
                Some(mac.mac.parse_body::<syn::LitStr>().unwrap().value())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_valid_declaration_has_no_error_and_is_registered() {
    let decl = quote! {
        /// Watches funding.
        pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
    };
    assert_eq!(errors(decl.clone()), Vec::<String>::new());
    let input = quote! {
        components { PositionMonitor("POS", "position_monitor.log"), }
        crate = ::basis_registry;
        #decl
    };
    let text = super::expand(input).to_string();
    assert!(text.contains("RegisteredComponent"), "{text}");
    assert!(text.contains("\"FUND\""), "{text}");
}

#[test]
fn each_rule_has_its_message() {
    let cases = [
        (
            quote!(PositionMonitor {
                prefix: "PM",
                log_file: "pm.log"
            }),
            "`PositionMonitor` is a built-in component",
        ),
        (
            quote!(Funding {
                prefix: "POS",
                log_file: "funding.log"
            }),
            "prefix `POS` is the prefix of the built-in component `PositionMonitor`",
        ),
        (
            quote!(Funding {
                prefix: "Fund",
                log_file: "funding.log"
            }),
            "must be upper-case ASCII letters",
        ),
        (
            quote!(Funding {
                prefix: "FUND",
                log_file: "position_monitor.log"
            }),
            "is the log file of the built-in component `PositionMonitor`",
        ),
        (
            quote!(Funding {
                prefix: "FUND",
                log_file: "../funding.log"
            }),
            "plain file name",
        ),
        (
            quote!(Funding {
                prefix: "FUND",
                log_file: "funding.txt"
            }),
            "ending in `.log`",
        ),
        (
            quote!(Funding {
                log_file: "funding.log"
            }),
            "missing `prefix`",
        ),
        (
            quote!(Funding {
                prefix: "FUND",
                prefix: "FUN",
                log_file: "funding.log"
            }),
            "duplicate component argument `prefix`",
        ),
        (
            quote!(Funding {
                prefix: "FUND",
                log: "funding.log"
            }),
            "unknown component key `log`",
        ),
    ];
    for (decl, expected) in cases {
        let found = errors(decl.clone());
        assert!(
            found.iter().any(|msg| msg.contains(expected)),
            "{decl}: expected {expected:?}, got {found:?}"
        );
    }
    let long = format!("{}.log", "f".repeat(125));
    let found = errors(quote!(Funding { prefix: "FUND", log_file: #long }));
    assert!(
        found.iter().any(|msg| msg.contains("the limit is 128")),
        "{found:?}"
    );
}

#[test]
fn duplicates_within_one_invocation_are_refused() {
    let found = errors(quote! {
        A { prefix: "AAA", log_file: "a.log" }
        A { prefix: "BBB", log_file: "b.log" }
        C { prefix: "AAA", log_file: "c.log" }
        D { prefix: "DDD", log_file: "a.log" }
    });
    assert!(
        found.iter().any(|m| m.contains("duplicate component `A`")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|m| m.contains("duplicate prefix `AAA`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.contains("duplicate log file `a.log`")),
        "{found:?}"
    );
}
