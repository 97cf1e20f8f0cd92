// The collision check sees names after serde's renames: a field called `pid`
// that is written as `PID` does not collide with the envelope's `pid`.
use basis_events::prelude::*;

#[domain_event(file = "processes.jsonl", logged_by = EventDrivenStrategyEngine)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct ProcessStarted {
    pub pid: u32,
}

fn main() {
    let line = serde_json::to_string(&ProcessStarted { pid: 7 }.stamp(Envelope::example())).unwrap();
    assert!(line.contains(r#""pid":12345"#) && line.ends_with(r#""PID":7}"#), "{line}");
}
