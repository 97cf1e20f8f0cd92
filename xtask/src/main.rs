//! See <https://github.com/matklad/cargo-xtask/>.
//!
//! Project automation written in Rust, run as `cargo xtask <task>` through the
//! alias in `.cargo/config.toml`. Today it has one task: generating the JSON
//! Schemas and docs that are committed under `schemas/` and `docs/`, and
//! checking that the committed copies are fresh.

mod codegen;
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  schemas           write schemas/ and docs/ from the registered events and error codes
  schemas --check   fail with a diff if a committed file is stale or missing; writes nothing
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mode = match args.as_slice() {
        ["schemas"] => codegen::Mode::Write,
        ["schemas", "--check"] => codegen::Mode::Check,
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("error: unknown arguments {args:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match codegen::schemas::generate(mode) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprint!("{err}");
            ExitCode::FAILURE
        }
    }
}
