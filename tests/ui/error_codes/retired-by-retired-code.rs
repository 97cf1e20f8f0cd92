basis_events::error_codes! {
    POS_001 = "POS-001" {
        component: PositionMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "The first number.",
        action: "Read it as POS-005.",
        retired_by: "POS-002",
    }
    POS_002 = "POS-002" {
        component: PositionMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "The second number.",
        action: "Read it as POS-005.",
        retired_by: "POS-005",
    }
    POS_005 = "POS-005" {
        component: PositionMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "Simulated and real positions differ.",
        action: "Execution halts.",
    }
}

fn main() {}
