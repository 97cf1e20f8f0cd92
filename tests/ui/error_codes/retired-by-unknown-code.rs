basis_events::error_codes! {
    POS_001 = "POS-001" {
        component: PositionMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "The original number.",
        action: "Read it as the new code.",
        retired_by: "POS-099",
    }
}

fn main() {}
