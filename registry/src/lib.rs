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

pub use code::{ErrorCode, InvalidErrorCode};
pub use component::{Component, UnknownComponent};
pub use severity::{Severity, UnknownSeverity};

/// Declares the registry: used once, by `src/codes.rs`, whose module docs
/// give the grammar.
///
/// It hands the entries to the `error_codes` proc macro together with the
/// component table (so the macro knows each component's prefix) and `$crate`
/// (so the generated paths resolve wherever the macro is invoked). A code
/// declared anywhere else goes through the same checks but is not part of
/// the registry: [`ErrorCode::parse`] does not know it. The trybuild tests are
/// the only other callers.
#[doc(hidden)]
#[macro_export]
macro_rules! error_codes {
    ($($entries:tt)*) => {
        $crate::__with_components!($crate::__private::error_codes, crate = $crate; $($entries)*);
    };
}

/// Used by the code `error_codes!` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use basis_events_macros::error_codes;

    #[allow(deprecated)]
    pub use crate::code::new_error_code;
}
