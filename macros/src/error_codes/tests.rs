//! Expansion snapshots and error messages of `error_codes!`.

use proc_macro2::TokenStream;
use quote::quote;

/// What `basis_registry::error_codes!` puts before the entries: a cut-down
/// component table and the crate path.
fn with_table(entries: TokenStream) -> TokenStream {
    quote! {
        components {
            /// Tracks every position.
            PositionMonitor("POS", "position_monitor.log"),
            ExecutionManager("EXEC", "execution_manager.log"),
        }
        crate = ::basis_registry;
        scope = registry;
        #entries
    }
}

/// What the public `error_codes!` hands over: an engine's own codes.
fn authored(entries: TokenStream) -> TokenStream {
    quote! {
        components {
            PositionMonitor("POS", "position_monitor.log"),
            ExecutionManager("EXEC", "execution_manager.log"),
        }
        crate = ::basis_registry;
        scope = author;
        #entries
    }
}

fn authored_errors(entries: TokenStream) -> Vec<String> {
    let file: syn::File =
        syn::parse2(super::expand(authored(entries))).expect("expansion parses as a file");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(mac)
                if mac
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "compile_error") =>
            {
                Some(mac.mac.parse_body::<syn::LitStr>().unwrap().value())
            }
            _ => None,
        })
        .collect()
}

fn fund(ident: &str, code: &str) -> TokenStream {
    entry(
        ident,
        code,
        quote! {
            component: FundingMonitor,
            severity: HIGH,
            message: "Funding feed stale",
            description: "No funding rate for a minute.",
            action: "Retried.",
        },
    )
}

#[test]
fn an_authors_codes_are_registered_and_their_prefix_asserted() {
    let tokens = super::expand(authored(fund("FUND_001", "FUND-001")));
    let text = tokens.to_string();
    assert!(
        authored_errors(fund("FUND_001", "FUND-001")).is_empty(),
        "{text}"
    );
    assert!(text.contains("RegisteredCodes :: new"), "{text}");
    assert!(
        text.contains("has_prefix (FundingMonitor , \"FUND\")"),
        "{text}"
    );
    // The built-in registry registers nothing: its table is ErrorCode::ALL.
    let builtin = super::expand(with_table(exec("EXEC_001", "EXEC-001"))).to_string();
    assert!(!builtin.contains("RegisteredCodes"), "{builtin}");
}

#[test]
fn an_author_cannot_add_codes_to_a_built_in_component() {
    let found = authored_errors(exec("EXEC_001", "EXEC-001"));
    assert!(
        found
            .iter()
            .any(|m| m.contains("`ExecutionManager` is a built-in component")),
        "{found:?}"
    );
    let found = authored_errors(fund("POS_009", "POS-009"));
    assert!(
        found
            .iter()
            .any(|m| m.contains("prefix `POS` of the built-in component `PositionMonitor`")),
        "{found:?}"
    );
}

fn expand_pretty(entries: TokenStream) -> String {
    let tokens = super::expand(with_table(entries));
    prettyplease::unparse(&syn::parse2(tokens).expect("expansion parses as a file"))
}

/// The messages of every `compile_error!` in the expansion.
fn errors(entries: TokenStream) -> Vec<String> {
    let file: syn::File =
        syn::parse2(super::expand(with_table(entries))).expect("expansion parses as a file");
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

fn entry(ident: &str, code: &str, body: TokenStream) -> TokenStream {
    let ident = syn::Ident::new(ident, proc_macro2::Span::call_site());
    quote!(#ident = #code { #body })
}

fn exec(ident: &str, code: &str) -> TokenStream {
    entry(
        ident,
        code,
        quote! {
            component: ExecutionManager,
            severity: HIGH,
            message: "Order execution failed",
            description: "A venue rejected an order.",
            action: "Retried with backoff.",
        },
    )
}

#[test]
fn expands_live_and_retired_codes() {
    let live = entry(
        "POS_005",
        "POS-005",
        quote! {
            component: PositionMonitor,
            severity: CRITICAL,
            message: "Position reconciliation mismatch",
            description: "Simulated and real positions differ.",
            action: "Execution halts.",
        },
    );
    let retired = entry(
        "POS_001",
        "POS-001",
        quote! {
            component: PositionMonitor,
            severity: CRITICAL,
            message: "Position reconciliation mismatch",
            description: "The old number.",
            action: "Read it as POS-005.",
            retired_by: "POS-005",
        },
    );
    let expanded = expand_pretty(quote!(#retired #live));
    assert!(
        expanded.contains(r#"#[deprecated(note = "retired: use POS-005")]"#),
        "{expanded}"
    );
    assert!(
        expanded.contains("::core::option::Option::Some(&POS_005)"),
        "{expanded}"
    );
    insta::assert_snapshot!("live_and_retired", expanded);
}

#[test]
fn a_correct_registry_has_no_errors() {
    assert!(errors(exec("EXEC_001", "EXEC-001")).is_empty());
}

#[test]
fn each_rule_has_its_message() {
    let cases: Vec<(TokenStream, &str)> = vec![
        (exec("EXEC_1", "EXEC-1"), "malformed error code `EXEC-1`"),
        (
            exec("exec_001", "exec-001"),
            "malformed error code `exec-001`",
        ),
        (
            exec("POS_002", "POS-002"),
            "error code `POS-002` does not start with `EXEC-`, the prefix of `ExecutionManager`; \
             `POS` is the prefix of `PositionMonitor`",
        ),
        (
            exec("FOO_001", "FOO-001"),
            "no component has the prefix `FOO`",
        ),
        (
            exec("EXEC_002", "EXEC-001"),
            "constant `EXEC_002` does not spell its code `EXEC-001`; name it `EXEC_001`",
        ),
        (
            {
                let (a, b) = (exec("EXEC_001", "EXEC-001"), exec("EXEC_001", "EXEC-001"));
                quote!(#a #b)
            },
            "duplicate error code `EXEC-001`; a code is never reused, so take the next free \
             number, `EXEC-002`",
        ),
        (
            {
                let (a, b) = (exec("EXEC_001", "EXEC-001"), exec("EXEC_001", "EXEC-002"));
                quote!(#a #b)
            },
            "duplicate constant `EXEC_001`; it is already declared for `EXEC-001`",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: SEVERE, message: "m",
                    description: "d", action: "a",
                },
            ),
            "unknown severity `SEVERE`; expected CRITICAL, HIGH, MEDIUM or LOW",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: Critical, message: "m",
                    description: "d", action: "a",
                },
            ),
            "unknown severity `Critical`; did you mean `CRITICAL`?",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: HIGH, message: "  ",
                    description: "d", action: "a",
                },
            ),
            "`message` of `EXEC-001` must not be empty",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: HIGH, message: "m",
                    description: "d", action: "a", retired_by: "EXEC-099",
                },
            ),
            "retired code `EXEC-001` points at `EXEC-099`, which is not in the registry",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: HIGH, message: "m",
                    description: "d", action: "a", retired_by: "EXEC-001",
                },
            ),
            "`EXEC-001` cannot be retired by itself",
        ),
        (
            {
                let retire = |ident: &str, code: &str, to: &str| {
                    entry(
                        ident,
                        code,
                        quote! {
                            component: ExecutionManager, severity: HIGH, message: "m",
                            description: "d", action: "a", retired_by: #to,
                        },
                    )
                };
                let (a, b, c) = (
                    retire("EXEC_001", "EXEC-001", "EXEC-002"),
                    retire("EXEC_002", "EXEC-002", "EXEC-003"),
                    exec("EXEC_003", "EXEC-003"),
                );
                quote!(#a #b #c)
            },
            "`EXEC-002` is itself retired (by `EXEC-003`); point `EXEC-001` at `EXEC-003`",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManger, severity: HIGH, message: "m",
                    description: "d", action: "a",
                },
            ),
            "unknown component `ExecutionManger`; did you mean `ExecutionManager`?",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: HIGH, mesage: "m",
                    description: "d", action: "a",
                },
            ),
            "unknown error_codes key `mesage`; did you mean `message`?",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! { component: ExecutionManager, severity: HIGH, message: "m" },
            ),
            "missing `description` for `EXEC_001`",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: HIGH, message: "m", message: "n",
                    description: "d", action: "a",
                },
            ),
            "duplicate error_codes argument `message`",
        ),
        (
            entry(
                "EXEC_001",
                "EXEC-001",
                quote! {
                    component: ExecutionManager, severity: "HIGH", message: m,
                    description: "d", action: "a",
                },
            ),
            "expected a severity: `CRITICAL`, `HIGH`, `MEDIUM` or `LOW`",
        ),
    ];
    for (input, expected) in cases {
        let errors = errors(input.clone());
        assert!(
            errors.iter().any(|error| error.contains(expected)),
            "expected {expected:?} for {input}, got {errors:#?}"
        );
    }
}

#[test]
fn one_mistake_gives_one_error() {
    // A duplicated code is not also a duplicated constant.
    let (a, b) = (exec("EXEC_001", "EXEC-001"), exec("EXEC_001", "EXEC-001"));
    assert_eq!(errors(quote!(#a #b)).len(), 1);
    // A malformed code is not also a constant that does not spell it.
    assert_eq!(errors(exec("EXEC_01", "EXEC-01")).len(), 1);
}

#[test]
fn reports_every_mistake_in_one_pass() {
    let (a, b) = (exec("EXEC_1", "EXEC-1"), exec("POS_001", "POS-001"));
    let c = entry(
        "EXEC_003",
        "EXEC-003",
        quote! { component: ExecutionManager, severity: LOUD, message: "", description: "d", action: "a" },
    );
    let errors = errors(quote!(#a #b #c));
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn fallback_still_declares_the_constants_and_the_table() {
    let (a, b) = (exec("EXEC_1", "EXEC-1"), exec("EXEC_002", "EXEC-002"));
    let tokens = super::expand(with_table(quote!(#a #b))).to_string();
    assert!(tokens.contains("compile_error"), "{tokens}");
    assert!(tokens.contains("pub const EXEC_1"), "{tokens}");
    assert!(tokens.contains("pub const EXEC_002"), "{tokens}");
    assert!(tokens.contains("pub const ALL"), "{tokens}");
}

#[test]
fn a_broken_structure_stops_with_one_error() {
    let tokens = super::expand(with_table(quote!(EXEC_001 "EXEC-001" {}))).to_string();
    assert!(tokens.contains("compile_error"), "{tokens}");
    assert!(!tokens.contains("pub const"), "{tokens}");

    let tokens = super::expand(quote!(EXEC_001 = "EXEC-001" {})).to_string();
    assert!(tokens.contains("needs the component table"), "{tokens}");
}

#[test]
fn the_code_form_is_the_same_as_at_run_time() {
    // The same cases as `basis_registry`'s `well_formed_is_prefix_dash_three_digits`:
    // the macro and `ErrorCode::parse` must agree on what a code looks like.
    for good in ["EXEC-001", "POS-005", "A-999", "ENGINE-000"] {
        let errors = errors(exec("X", good));
        assert!(
            !errors.iter().any(|error| error.contains("malformed")),
            "{good}: {errors:?}"
        );
    }
    for bad in [
        "",
        "EXEC",
        "EXEC-",
        "EXEC-1",
        "EXEC-0001",
        "exec-001",
        "EXEC_001",
        "-001",
        "EXEC-00a",
        "EX3C-001",
        "EXEC-001 ",
        "EXEC--001",
        "ÉXEC-001",
    ] {
        let errors = errors(exec("X", bad));
        assert!(
            errors
                .iter()
                .any(|error| error.contains(&format!("malformed error code `{bad}`"))),
            "{bad:?}: {errors:?}"
        );
    }
}
