use basis_events::prelude::*;

#[domain_event(file = "ticks.jsonl", logged_by = EventDrivenStrategyEngine)]
pub struct Tick;

fn main() {}
