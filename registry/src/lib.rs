//! The component catalog and the error-code registry of the basis-strategy engine.
//!
//! Every component that writes logs is a [`Component`]: it knows its name as the
//! logging guide writes it (`PositionMonitor`), the prefix of its error codes
//! (`POS`) and the name of its structured log file (`position_monitor.log`).
//! Severities follow the guide's "Error Severity" table.
//!
//! Every error the engine logs has a registered [`ErrorCode`]. The registry is
//! one `error_codes!` invocation (`src/codes.rs`), checked at compile time: a
//! malformed code, a prefix that is not its component's, a duplicate, an
//! unknown severity, an empty text or a retirement pointing nowhere does not
//! build. Codes are constants, so a code that does not exist does not build
//! either:
//!
//! ```
//! use basis_registry::{Component, ErrorCode, Severity, codes};
//!
//! let code = codes::POS_005;
//! assert_eq!(code.message(), "Position reconciliation mismatch");
//! assert_eq!(code.severity(), Severity::Critical);
//! assert_eq!(code.component(), Component::PositionMonitor);
//!
//! // Old logs carry retired codes; they parse and say what replaced them.
//! let old = ErrorCode::parse("POS-001").unwrap();
//! assert_eq!(old.retired_by(), Some(codes::POS_005));
//! ```

mod code;
pub mod codes;
mod component;
mod severity;

pub use code::{DuplicateCode, ErrorCode, InvalidErrorCode};
pub use component::{Component, DuplicateComponent, UnknownComponent, components};
pub use severity::{Severity, UnknownSeverity};

/// Declares error codes: the built-in registry in `src/codes.rs`, and an
/// engine's own codes in its own crate.
///
/// Each entry becomes a constant (`FUND_001`), the invocation's table `ALL`
/// lists them, and the table is registered at link time, so
/// `"FUND-001".parse::<ErrorCode>()`, `SystemErrorEvent` read-back, the
/// generated docs and `catalog.json` know them. The grammar is one entry per
/// code:
///
/// ```
/// basis_registry::component! {
///     /// Watches perpetual funding rates.
///     pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
/// }
///
/// basis_registry::error_codes! {
///     FUND_001 = "FUND-001" {
///         component: FundingMonitor,       // a component declared with component!
///         severity: HIGH,                  // CRITICAL, HIGH, MEDIUM or LOW
///         message: "Funding rate feed stale",
///         description: "No funding rate arrived for a minute.",
///         action: "Retried on the next tick. If it persists, check the venue's API.",
///     }
///     FUND_002 = "FUND-002" {
///         component: FundingMonitor,
///         severity: HIGH,
///         message: "Funding rate feed stale",
///         description: "The first number of FUND-001.",
///         action: "Read it as FUND-001.",
///         retired_by: "FUND-001",          // only for a retired code
///     }
/// }
///
/// # fn main() {
/// assert_eq!(FUND_001.component(), FundingMonitor);
/// assert_eq!("FUND-001".parse::<basis_registry::ErrorCode>(), Ok(FUND_001));
/// # }
/// ```
///
/// Checked at compile time, each with the caret on the offending token: the
/// code is `PREFIX-NNN` and its prefix is its component's (for a component
/// declared with `component!`, a constant assertion compares it with the
/// component's declaration); no code or constant is declared twice in the
/// invocation; the constant spells its code; the severity is one of the four;
/// `message`, `description` and `action` are present and not blank; a
/// `retired_by` names a live code of the same invocation. The codes of the
/// guide's built-in components are declared only by basis-registry: an
/// engine declares codes for its own components. A code declared by two
/// crates is refused at start-up ([`ErrorCode::registered`], which run
/// creation calls).
#[macro_export]
macro_rules! error_codes {
    ($($entries:tt)*) => {
        $crate::__with_components!(
            $crate::__private::error_codes, crate = $crate; scope = author; $($entries)*
        );
    };
}

/// The built-in registry's own invocation (`src/codes.rs`): may declare codes
/// of built-in components, and registers nothing, since its table is
/// [`ErrorCode::ALL`]. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __registry_error_codes {
    ($($entries:tt)*) => {
        $crate::__with_components!(
            $crate::__private::error_codes, crate = $crate; scope = registry; $($entries)*
        );
    };
}

/// Declares components of an engine, in the engine's own crate.
///
/// ```
/// basis_registry::component! {
///     /// Watches perpetual funding rates.
///     pub FundingMonitor { prefix: "FUND", log_file: "funding_monitor.log" }
/// }
///
/// # fn main() {
/// assert_eq!(FundingMonitor.prefix(), "FUND");
/// assert_eq!("FUND".parse::<basis_registry::Component>(), Ok(FundingMonitor));
/// # }
/// ```
///
/// Each declaration becomes a constant of type [`Component`], named as the
/// component (as `Component::PositionMonitor` is for a built-in), registered
/// at link time so that it parses, deserializes and appears in the generated
/// docs and `catalog.json`. One invocation may declare several.
///
/// Checked at compile time, with the caret on the offending token: the
/// prefix is upper-case ASCII letters; the log file is a plain file name
/// ending in `.log`, of at most 128 bytes, of ASCII letters, digits, `_`, `-`
/// and `.`; no name, prefix or log file is a built-in component's or is
/// declared twice in the invocation. Across invocations and crates, the same
/// is checked at start-up ([`Component::registered`], which run creation
/// calls).
#[macro_export]
macro_rules! component {
    ($($declarations:tt)*) => {
        $crate::__with_components!($crate::__private::component, crate = $crate; $($declarations)*);
    };
}

/// Used by the code `error_codes!` and `component!` generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use basis_events_macros::{component, error_codes};
    pub use inventory;

    pub use crate::code::RegisteredCodes;
    #[allow(deprecated)]
    pub use crate::code::new_error_code;
    #[allow(deprecated)]
    pub use crate::component::new_component;
    pub use crate::component::{RegisteredComponent, has_prefix};
}
