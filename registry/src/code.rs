//! [`ErrorCode`]: one entry of the registry, and how it is read and written.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::{Component, Severity};

/// A registered error code, such as `EXEC-001`, with everything the registry
/// says about it.
///
/// Every value comes from the registry: the constants in [`crate::codes`]
/// (`codes::EXEC_001`), [`ErrorCode::ALL`], or [`ErrorCode::parse`], which only
/// ever returns one of those. The fields are private and there is no public
/// constructor, so a code that is not in the registry, or one that carries
/// another severity than its registered one, cannot be built.
///
/// Written as the bare code string (`"EXEC-001"`), as the guide's
/// `SystemErrorEvent` shows; reading one back looks it up in the registry and
/// refuses a malformed or unknown code. Two codes are equal when their code
/// strings are: codes are unique in the registry.
///
/// # Examples
///
/// ```
/// use basis_registry::{Component, ErrorCode, Severity, codes};
///
/// let code = codes::EXEC_001;
/// assert_eq!(code.code(), "EXEC-001");
/// assert_eq!(code.component(), Component::ExecutionManager);
/// assert_eq!(code.severity(), Severity::High);
/// assert_eq!(code.message(), "Order execution failed");
///
/// assert_eq!("EXEC-001".parse::<ErrorCode>(), Ok(code));
/// assert_eq!(serde_json::to_string(&code).unwrap(), r#""EXEC-001""#);
/// ```
#[derive(Clone, Copy)]
pub struct ErrorCode {
    code: &'static str,
    component: Component,
    severity: Severity,
    message: &'static str,
    description: &'static str,
    action: &'static str,
    retired_by: Option<&'static ErrorCode>,
}

impl ErrorCode {
    /// Every code of the built-in registry, in the order `codes.rs` declares
    /// them, retired codes included. [`ErrorCode::all`] adds the codes other
    /// crates declared with `error_codes!`.
    pub const ALL: &'static [ErrorCode] = crate::codes::ALL;

    /// The form of every code, as a regular expression: an upper-case prefix
    /// (the component's), `-`, and three digits.
    pub const PATTERN: &'static str = "^[A-Z]+-[0-9]{3}$";

    /// Looks a code up in the registry.
    ///
    /// Retired codes parse, since old logs carry them; [`ErrorCode::retired_by`]
    /// says what replaced them. The match is exact: codes are upper case.
    ///
    /// # Errors
    ///
    /// [`InvalidErrorCode::Malformed`] when `code` is not of the form
    /// `PREFIX-NNN`, [`InvalidErrorCode::Unknown`] when it is but no such code
    /// is registered.
    ///
    /// # Examples
    ///
    /// ```
    /// use basis_registry::{ErrorCode, InvalidErrorCode, codes};
    ///
    /// assert_eq!(ErrorCode::parse("POS-005"), Ok(codes::POS_005));
    /// assert!(matches!(ErrorCode::parse("POS-5"), Err(InvalidErrorCode::Malformed(_))));
    /// assert!(matches!(ErrorCode::parse("POS-999"), Err(InvalidErrorCode::Unknown(_))));
    /// ```
    pub fn parse(code: &str) -> Result<ErrorCode, InvalidErrorCode> {
        if !is_well_formed(code) {
            return Err(InvalidErrorCode::Malformed(code.to_owned()));
        }
        by_code()
            .get(code)
            .copied()
            .ok_or_else(|| InvalidErrorCode::Unknown(code.to_owned()))
    }

    /// Every code linked into the binary: the built-in registry in
    /// declaration order, then each crate's `error_codes!` table, by module
    /// path. Duplicates are kept; [`ErrorCode::registered`] refuses them.
    pub fn all() -> Vec<ErrorCode> {
        ErrorCode::ALL
            .iter()
            .chain(custom_tables().flat_map(|table| table.codes))
            .copied()
            .collect()
    }

    /// Every code linked into the binary, as [`ErrorCode::all`], after
    /// checking that no code is declared twice (in two crates, or in another
    /// crate and the built-in registry): the start-up check across crates.
    ///
    /// # Errors
    ///
    /// [`DuplicateCode`] naming the code and both declarations.
    pub fn registered() -> Result<Vec<ErrorCode>, DuplicateCode> {
        let declared = ErrorCode::ALL
            .iter()
            .map(|code| (*code, "basis_registry::codes"))
            .chain(
                custom_tables()
                    .flat_map(|table| table.codes.iter().map(|code| (*code, table.module_path))),
            );
        let mut seen: std::collections::HashMap<&'static str, &'static str> =
            std::collections::HashMap::new();
        let mut codes = Vec::new();
        for (code, module_path) in declared {
            if let Some(first) = seen.insert(code.code, module_path) {
                return Err(DuplicateCode {
                    code: code.code,
                    first: first.to_owned(),
                    second: module_path.to_owned(),
                });
            }
            codes.push(code);
        }
        Ok(codes)
    }

    /// Whether this is exactly a code of the registry (built-in or declared
    /// with `error_codes!`), with its registered component and severity.
    pub fn is_registered(&self) -> bool {
        ErrorCode::parse(self.code)
            .is_ok_and(|known| known.component == self.component && known.severity == self.severity)
    }

    /// The code itself: `"EXEC-001"`.
    pub const fn code(&self) -> &'static str {
        self.code
    }

    /// The component that raises it; the code's prefix is this component's.
    pub const fn component(&self) -> Component {
        self.component
    }

    /// Its registered severity: every occurrence is logged with this one.
    pub const fn severity(&self) -> Severity {
        self.severity
    }

    /// A one-line summary: `"Order execution failed"`.
    pub const fn message(&self) -> &'static str {
        self.message
    }

    /// What happened, in a sentence or two.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// What the operator does about it.
    pub const fn action(&self) -> &'static str {
        self.action
    }

    /// The code that replaces this one, if it is retired.
    ///
    /// A retired code is kept so that old logs still parse; new code uses the
    /// replacement (the retired constant is `#[deprecated]`).
    pub const fn retired_by(&self) -> Option<ErrorCode> {
        match self.retired_by {
            Some(replacement) => Some(*replacement),
            None => None,
        }
    }

    /// Whether the code is retired; see [`ErrorCode::retired_by`].
    pub const fn is_retired(&self) -> bool {
        self.retired_by.is_some()
    }
}

/// `PREFIX-NNN`: an upper-case ASCII prefix, `-` and three digits.
///
/// The `error_codes!` macro applies the same rule at compile time (a proc-macro
/// crate cannot share code with this one); tests pin both on the same cases.
fn is_well_formed(code: &str) -> bool {
    code.split_once('-').is_some_and(|(prefix, number)| {
        !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_uppercase())
            && number.len() == 3
            && number.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Builds one entry of the registry. Not public API.
///
/// Only code generated by `error_codes!` calls this, after the macro checked
/// the entry (form, prefix, uniqueness, severity, texts, retirement).
///
/// Rust has no visibility that admits code a macro generates in another crate
/// yet refuses code written by hand there: a private token type would have
/// to be nameable by the expansion, and so by hand too (serde and thiserror
/// live with the same limit, hence their `__private` modules). So instead this
/// function is hidden from the docs, reachable only through
/// `basis_registry::__private`, and deprecated: the expansion allows the
/// warning, while a hand-written call warns, which CI's `-D warnings` turns
/// into an error. And a code built by hand would still not be in
/// [`ErrorCode::ALL`], so it would fail [`ErrorCode::parse`] when read back.
#[doc(hidden)]
#[deprecated(
    note = "only `error_codes!` builds an ErrorCode; add new codes to basis-registry's codes.rs"
)]
pub const fn new_error_code(
    code: &'static str,
    component: Component,
    severity: Severity,
    message: &'static str,
    description: &'static str,
    action: &'static str,
    retired_by: Option<&'static ErrorCode>,
) -> ErrorCode {
    ErrorCode {
        code,
        component,
        severity,
        message,
        description,
        action,
        retired_by,
    }
}

/// Every linked code by its string, built once: `inventory` registrations are
/// fixed before `main`, and parsing (every `error_code` read back, every
/// serialization's registration check) must not scan and sort the tables
/// each time. Where a code is declared twice the first in [`ErrorCode::all`]
/// order wins; [`ErrorCode::registered`] refuses the binary anyway.
fn by_code() -> &'static std::collections::HashMap<&'static str, ErrorCode> {
    static BY_CODE: std::sync::OnceLock<std::collections::HashMap<&'static str, ErrorCode>> =
        std::sync::OnceLock::new();
    BY_CODE.get_or_init(|| {
        let mut map = std::collections::HashMap::new();
        for code in ErrorCode::all() {
            map.entry(code.code).or_insert(code);
        }
        map
    })
}

/// The code tables other crates declared with `error_codes!`, sorted by
/// module path so that every listing is deterministic.
fn custom_tables() -> impl Iterator<Item = &'static RegisteredCodes> {
    let mut tables: Vec<&'static RegisteredCodes> =
        inventory::iter::<RegisteredCodes>.into_iter().collect();
    tables.sort_by_key(|table| table.module_path);
    tables.into_iter()
}

/// One crate's `error_codes!` table, as submitted to `inventory`. Not public
/// API: built only by the macro's expansion.
#[doc(hidden)]
#[derive(Debug)]
pub struct RegisteredCodes {
    codes: &'static [ErrorCode],
    module_path: &'static str,
}

impl RegisteredCodes {
    /// Called by the code `error_codes!` generates.
    pub const fn new(codes: &'static [ErrorCode], module_path: &'static str) -> Self {
        RegisteredCodes { codes, module_path }
    }
}

inventory::collect!(RegisteredCodes);

/// One error code declared twice: in two crates, or in a crate and the
/// built-in registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "error code `{code}` is declared twice, in `{first}` and in `{second}`; \
     a code is declared once, by the crate of its component"
)]
pub struct DuplicateCode {
    /// The code, `"FUND-001"`.
    pub code: &'static str,
    /// The module of the first declaration.
    pub first: String,
    /// The module of the second.
    pub second: String,
}

// === impl ErrorCode: comparison, formatting ===

impl PartialEq for ErrorCode {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for ErrorCode {}

impl Hash for ErrorCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl PartialOrd for ErrorCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ErrorCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code.cmp(other.code)
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ErrorCode").field(&self.code).finish()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

// === impl ErrorCode: parsing, serde, schema ===

/// A string that is not a registered error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidErrorCode {
    /// Not of the form `PREFIX-NNN`.
    #[error(
        "malformed error code `{0}`; expected `PREFIX-NNN`, an upper-case prefix, `-` and three digits, such as `EXEC-001`"
    )]
    Malformed(String),
    /// Of the right form, but not in the registry.
    #[error(
        "unknown error code `{0}`; it is not in the registry (docs/ERROR_CODES.md lists every code)"
    )]
    Unknown(String),
}

impl InvalidErrorCode {
    /// The string that failed to parse.
    pub fn input(&self) -> &str {
        match self {
            InvalidErrorCode::Malformed(input) | InvalidErrorCode::Unknown(input) => input,
        }
    }
}

impl FromStr for ErrorCode {
    type Err = InvalidErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::parse(s)
    }
}

impl Serialize for ErrorCode {
    /// Writes the code string. A code that is not registered as it stands
    /// (built by hand through the deprecated constructor, or carrying another
    /// severity or component than its registered one) fails to serialize, so
    /// the logger refuses the event and never writes a line that could not
    /// be read back.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.is_registered() {
            return Err(serde::ser::Error::custom(format_args!(
                "error code `{}` is not registered (declare it with `error_codes!`)",
                self.code
            )));
        }
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CodeVisitor)
    }
}

struct CodeVisitor;

impl Visitor<'_> for CodeVisitor {
    type Value = ErrorCode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a registered error code such as `EXEC-001`")
    }

    fn visit_str<E: de::Error>(self, code: &str) -> Result<ErrorCode, E> {
        ErrorCode::parse(code).map_err(E::custom)
    }
}

impl JsonSchema for ErrorCode {
    fn schema_name() -> Cow<'static, str> {
        "ErrorCode".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "basis_registry::ErrorCode".into()
    }

    /// A string of the code's form, and one of the registered codes: retired
    /// codes included, since old lines carry them.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let codes: Vec<&str> = ErrorCode::all().iter().map(ErrorCode::code).collect();
        json_schema!({
            "description": "A registered error code, `PREFIX-NNN`; docs/ERROR_CODES.md says what each one means and what the operator does.",
            "type": "string",
            "pattern": ErrorCode::PATTERN,
            "enum": codes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;

    #[test]
    fn well_formed_is_prefix_dash_three_digits() {
        for good in ["EXEC-001", "POS-005", "A-999", "ENGINE-000"] {
            assert!(is_well_formed(good), "{good}");
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
            assert!(!is_well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn malformed_and_unknown_are_told_apart_and_name_the_input() {
        let malformed = ErrorCode::parse("exec-001").unwrap_err();
        assert_eq!(malformed, InvalidErrorCode::Malformed("exec-001".into()));
        assert!(malformed.to_string().contains("`exec-001`"), "{malformed}");
        assert!(malformed.to_string().contains("PREFIX-NNN"), "{malformed}");

        let unknown = ErrorCode::parse("EXEC-999").unwrap_err();
        assert_eq!(unknown, InvalidErrorCode::Unknown("EXEC-999".into()));
        assert_eq!(unknown.input(), "EXEC-999");
        assert!(unknown.to_string().contains("`EXEC-999`"), "{unknown}");
    }

    #[test]
    fn equality_hash_and_order_follow_the_code() {
        use std::collections::HashSet;
        let set: HashSet<ErrorCode> = [codes::EXEC_001, codes::EXEC_001, codes::POS_005].into();
        assert_eq!(set.len(), 2);
        assert!(codes::ENGINE_001 < codes::EXEC_001);
        assert_eq!(format!("{:?}", codes::EXEC_001), r#"ErrorCode("EXEC-001")"#);
        assert_eq!(codes::EXEC_001.to_string(), "EXEC-001");
    }

    #[test]
    fn deserializing_names_the_bad_code() {
        let err = serde_json::from_str::<ErrorCode>(r#""EXEC-999""#).unwrap_err();
        assert!(
            err.to_string().contains("unknown error code `EXEC-999`"),
            "{err}"
        );
        let err = serde_json::from_str::<ErrorCode>("1").unwrap_err();
        assert!(err.to_string().contains("a registered error code"), "{err}");
        let back: ErrorCode = serde_json::from_str(r#""RISK-001""#).unwrap();
        assert_eq!(back, codes::RISK_001);
    }

    #[test]
    fn schema_is_a_string_enum_of_every_code() {
        let schema = schemars::schema_for!(ErrorCode).to_value();
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["pattern"], ErrorCode::PATTERN);
        let listed: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(ErrorCode::code).collect();
        assert_eq!(listed, all);
    }
}
