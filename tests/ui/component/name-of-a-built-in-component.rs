basis_events::component! {
    /// Shadows the guide's component.
    pub PositionMonitor { prefix: "PM", log_file: "pm.log" }
}

fn main() {}
