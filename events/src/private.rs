//! Re-exports used by code that `#[domain_event]` generates. Not public API.

pub use inventory;
pub use schemars;
pub use serde;

pub use crate::model::upcast::{Upcast, assert_previous};
pub use crate::registered::EventInfo;
