use basis_events::prelude::*;

#[domain_event(
    file = "a_very_long_event_file_name_that_goes_on_and_on_past_the_limit_of_every_name_in_a_run_directory_which_is_128_bytes_long_indeed.jsonl",
    logged_by = PositionMonitor
)]
pub struct LongName {
    pub value: f64,
}

fn main() {}
