#![deny(deprecated)]

use basis_events::codes;

fn main() {
    // POS-001 is retired by POS-005: old logs parse it, new code must not use it.
    let _ = codes::POS_001;
}
