//! `basis-live`: the forwarder and collector as a bare process, for the
//! kill tests and benchmarks of this crate. Operators use `basis-log forward`
//! and `basis-log collect`, which take the same options with full help.
//!
//! ```text
//! basis-live forward --nats URL [--stream NAME] [--follow] [--ack-timeout-ms N] RUN_DIR
//! basis-live collect --nats URL --out DIR [--stream NAME] [--dedup-window-ms N]
//!                    [--ack-wait-ms N] [--idle-exit-ms N] [--gap-patience N]
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use basis_live::{CollectOptions, ForwardOptions, Status, StreamSettings};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("basis-live: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (command, rest) = args
        .split_first()
        .ok_or("expected `forward` or `collect`")?;
    let (flags, positional) = parse(rest)?;
    let get = |name: &str| flags.get(name).and_then(|v| v.clone());
    let millis = |name: &str| -> Result<Option<Duration>, String> {
        get(name)
            .map(|v| {
                v.parse()
                    .map(Duration::from_millis)
                    .map_err(|_| format!("--{name}: not a number: {v}"))
            })
            .transpose()
    };
    let url = get("nats").ok_or("--nats URL is required")?;
    let status = |status: &Status| eprintln!("{status}");
    match command.as_str() {
        "forward" => {
            let dir = positional.first().ok_or("forward: RUN_DIR is required")?;
            let mut options = ForwardOptions::new(url);
            if let Some(stream) = get("stream") {
                options.stream = stream;
            }
            options.follow = flags.contains_key("follow");
            if let Some(timeout) = millis("ack-timeout-ms")? {
                options.ack_timeout = timeout;
            }
            let report = basis_live::forward(&PathBuf::from(dir), &options, &status)
                .map_err(|e| e.to_string())?;
            println!("{report:?}");
            Ok(())
        }
        "collect" => {
            let out = get("out").ok_or("--out DIR is required")?;
            let mut options = CollectOptions::new(url, out);
            if let Some(stream) = get("stream") {
                options.stream = StreamSettings::new(stream);
            }
            if let Some(window) = millis("dedup-window-ms")? {
                options.stream.duplicate_window = window;
            }
            if let Some(wait) = millis("ack-wait-ms")? {
                options.ack_wait = wait;
            }
            options.idle_exit = millis("idle-exit-ms")?;
            if let Some(patience) = get("gap-patience") {
                options.gap_patience = patience
                    .parse()
                    .map_err(|_| "--gap-patience: not a number")?;
            }
            let report = basis_live::collect(&options, &status).map_err(|e| e.to_string())?;
            println!("{report:?}");
            Ok(())
        }
        other => Err(format!(
            "unknown command `{other}`; expected `forward` or `collect`"
        )),
    }
}

type Flags = HashMap<String, Option<String>>;

fn parse(args: &[String]) -> Result<(Flags, Vec<String>), String> {
    let mut flags = HashMap::new();
    let mut positional = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if let Some(name) = arg.strip_prefix("--") {
            if name == "follow" {
                flags.insert(name.to_owned(), None);
            } else {
                let value = args
                    .next()
                    .ok_or_else(|| format!("--{name} needs a value"))?;
                flags.insert(name.to_owned(), Some(value.clone()));
            }
        } else {
            positional.push(arg.clone());
        }
    }
    Ok((flags, positional))
}
