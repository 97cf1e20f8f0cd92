//! `docs/ERROR_CODES.md` and `schemas/error_codes.json`: the registry, for
//! operators and for tools.
//!
//! Both are rendered from `ErrorCode::all()`, so they list exactly what
//! `basis_registry::codes` and every linked `error_codes!` table declare.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::docs::one_line;
use crate::{Component, ErrorCode, Severity};

/// The operators' page: the severities, then one table per component, each
/// code with an anchor (`docs/ERROR_CODES.md#EXEC-001`).
pub(super) fn error_codes_md(stamp: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<!-- {stamp} -->\n");
    out.push_str("# Error codes\n\n");
    out.push_str(
        "Every error the engine logs carries a registered code, `PREFIX-NNN`, whose prefix names the component that raises it.\n\
         A `SystemErrorEvent` line carries the code with its registered component and severity; a line that does not is refused when read.\n\
         The built-in registry is declared once, in `registry/src/codes.rs`, and an engine declares the codes of its own components with `error_codes!`; this page and `schemas/error_codes.json` are generated from every code linked into the binary.\n\n",
    );

    out.push_str("## Severities\n\n");
    out.push_str("| severity | meaning | what the engine does | log level |\n|---|---|---|---|\n");
    for severity in Severity::ALL {
        let _ = writeln!(
            out,
            "| {severity} | {} | {} | {} |",
            severity.meaning(),
            severity.handling(),
            severity.log_level()
        );
    }

    out.push_str("\n## Components\n\n");
    out.push_str("| component | prefix | log file | codes |\n|---|---|---|---|\n");
    let components: Vec<(Component, Vec<ErrorCode>)> = Component::all()
        .into_iter()
        .map(|component| (component, codes_of(component)))
        .filter(|(_, codes)| !codes.is_empty())
        .collect();
    for (component, codes) in &components {
        let _ = writeln!(
            out,
            "| [{name}](#{anchor}) | `{prefix}` | `{file}` | {count} |",
            name = component.name(),
            anchor = component.name().to_lowercase(),
            prefix = component.prefix(),
            file = component.log_file(),
            count = codes.len(),
        );
    }

    for (component, codes) in &components {
        component_section(&mut out, *component, codes);
    }
    out
}

fn component_section(out: &mut String, component: Component, codes: &[ErrorCode]) {
    let _ = writeln!(out, "\n## {}\n", component.name());
    let _ = writeln!(
        out,
        "Prefix `{}`, structured log `{}`.\n",
        component.prefix(),
        component.log_file()
    );
    out.push_str(
        "| code | severity | message | description | what the operator does |\n|---|---|---|---|---|\n",
    );
    for code in codes.iter().filter(|code| !code.is_retired()) {
        let _ = writeln!(
            out,
            "| {anchor}`{code}` | {severity} | {message} | {description} | {action} |",
            anchor = anchor(code),
            severity = code.severity(),
            message = one_line(code.message()),
            description = one_line(code.description()),
            action = one_line(code.action()),
        );
    }

    let retired: Vec<&ErrorCode> = codes.iter().filter(|code| code.is_retired()).collect();
    if retired.is_empty() {
        return;
    }
    out.push_str(
        "\nRetired codes: they still parse from old logs, and new code uses the replacement.\n\n",
    );
    out.push_str("| code | replaced by | message | description |\n|---|---|---|---|\n");
    for code in retired {
        let replacement = code
            .retired_by()
            .map(|replacement| format!("[`{replacement}`](#{replacement})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {anchor}`{code}` | {replacement} | {message} | {description} |",
            anchor = anchor(code),
            message = one_line(code.message()),
            description = one_line(code.description()),
        );
    }
}

/// The registry's codes of `component`, in code order.
fn codes_of(component: Component) -> Vec<ErrorCode> {
    let mut codes: Vec<ErrorCode> = ErrorCode::all()
        .into_iter()
        .filter(|code| code.component() == component)
        .collect();
    codes.sort();
    codes
}

/// `<a id="EXEC-001"></a>`, so other pages link to `ERROR_CODES.md#EXEC-001`.
fn anchor(code: &ErrorCode) -> String {
    format!(r#"<a id="{code}"></a>"#)
}

/// The JSON Schema (draft 2020-12) of an error code, with the registry as
/// annotations: one `oneOf` branch per code, its message as `title`, its
/// component, severity and action as `x-` keys, and retired codes marked
/// `deprecated` with their replacement.
pub(super) fn error_codes_json(stamp: &str) -> Value {
    let branches: Vec<Value> = ErrorCode::all().iter().map(branch).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:basis-log:error-codes",
        "$comment": stamp,
        "title": "ErrorCode",
        "description": "A registered error code, `PREFIX-NNN`, as `error_code` carries it in SystemErrorEvent and OperationExecutionEvent lines.",
        "type": "string",
        "pattern": ErrorCode::PATTERN,
        "oneOf": branches,
    })
}

fn branch(code: &ErrorCode) -> Value {
    let mut branch = Map::new();
    branch.insert("const".into(), json!(code.code()));
    branch.insert("title".into(), json!(code.message()));
    branch.insert("description".into(), json!(code.description()));
    if let Some(replacement) = code.retired_by() {
        branch.insert("deprecated".into(), json!(true));
        branch.insert("x-retired-by".into(), json!(replacement.code()));
    }
    branch.insert("x-component".into(), json!(code.component()));
    branch.insert("x-severity".into(), json!(code.severity()));
    branch.insert("x-action".into(), json!(code.action()));
    Value::Object(branch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;
    use crate::schema::GENERATED_BY;

    fn error_codes_md() -> String {
        super::error_codes_md(GENERATED_BY)
    }

    fn error_codes_json() -> Value {
        super::error_codes_json(GENERATED_BY)
    }

    #[test]
    fn the_page_lists_every_code_once_with_an_anchor_severity_and_action() {
        let md = error_codes_md();
        assert!(md.starts_with(&format!("<!-- {GENERATED_BY} -->\n")));
        for code in ErrorCode::ALL {
            let anchor = format!(r#"<a id="{code}"></a>"#);
            assert_eq!(md.matches(&anchor).count(), 1, "{code}");
            let row = md
                .lines()
                .find(|line| line.contains(&anchor))
                .unwrap_or_else(|| panic!("no row for {code}"));
            if code.is_retired() {
                let replacement = code.retired_by().unwrap();
                assert!(
                    row.contains(&format!("[`{replacement}`](#{replacement})")),
                    "{row}"
                );
            } else {
                assert!(row.contains(&format!("| {} |", code.severity())), "{row}");
                assert!(row.contains(&one_line(code.action())), "{row}");
            }
        }
    }

    #[test]
    fn the_page_explains_every_severity() {
        let md = error_codes_md();
        for severity in Severity::ALL {
            let row = format!(
                "| {severity} | {} | {} | {} |",
                severity.meaning(),
                severity.handling(),
                severity.log_level()
            );
            assert!(md.contains(&row), "{row}");
        }
    }

    #[test]
    fn the_page_has_one_section_per_component_with_codes() {
        let md = error_codes_md();
        assert!(md.contains("\n## ExecutionManager\n"));
        assert!(
            md.contains("| <a id=\"EXEC-001\"></a>`EXEC-001` | HIGH | Order execution failed |")
        );
        // The Api raises no codes yet, so it gets no empty table.
        assert!(!md.contains("\n## Api\n"));
        let position = md.split("\n## PositionMonitor\n").nth(1).unwrap();
        let position = position.split("\n## ").next().unwrap();
        assert!(position.contains("Retired codes"));
    }

    #[test]
    fn the_schema_accepts_exactly_the_registered_codes() {
        let schema = error_codes_json();
        assert_eq!(schema["$comment"], GENERATED_BY);
        let branches = schema["oneOf"].as_array().unwrap();
        assert_eq!(branches.len(), ErrorCode::ALL.len());
        let exec = &branches[ErrorCode::ALL
            .iter()
            .position(|c| *c == codes::EXEC_001)
            .unwrap()];
        assert_eq!(exec["const"], "EXEC-001");
        assert_eq!(exec["title"], "Order execution failed");
        assert_eq!(exec["x-severity"], "HIGH");
        assert_eq!(exec["x-component"], "ExecutionManager");
        let retired = branches.iter().find(|b| b["const"] == "POS-001").unwrap();
        assert_eq!(retired["deprecated"], true);
        assert_eq!(retired["x-retired-by"], "POS-005");
    }

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes() {
        assert_eq!(one_line("a |  b\n c"), "a \\| b c");
    }
}
