use basis_events::catalog::{Metadata, SystemErrorEvent};
use basis_events::{Component, Severity, codes};

fn main() {
    // The code's registered component and severity cannot be replaced:
    // `SystemErrorEvent::from_code` is the way to build one.
    let _ = SystemErrorEvent {
        error_code: codes::VEN_002,
        error_message: "timeout".to_owned(),
        component: Component::VenueInterfaceManager,
        severity: Severity::Medium,
        stack_trace: None,
        metadata: Metadata::new(),
    };
}
