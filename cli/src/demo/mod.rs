//! `basis-log demo`: a deterministic backtest of the guide's `pure_lending_usdt`
//! strategy that writes the guide's log tree and finalizes it into the results
//! store.

pub mod rng;
pub mod sim;
pub mod sink;

use std::collections::BTreeMap;
use std::path::PathBuf;

use basis_events::time::EngineTime;

use crate::dataset::{self, DatasetOptions, DatasetOutcome};
use crate::export::{self, ExportOptions, ExportOutcome};
use crate::{Error, Result};
pub use sim::SimStats;
use sink::{RunInfo, RunWriter};

/// The engine clock's first tick: the time of the guide's examples, so its
/// `jq 'select(.timestamp == "2025-01-15T10:30:00")'` recipe finds the entry.
pub const START: &str = "2025-01-15T10:30:00";

/// What `basis-log demo` is asked to do.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub days: u32,
    pub capital: f64,
    /// The log root: the run goes to `{out}/{correlation_id}/{pid}/`.
    pub out: PathBuf,
    /// The results root: the run is finalized into `{results}/{correlation_id}/`.
    pub results: PathBuf,
    /// A fixed correlation id; a fresh random one when `None`.
    pub correlation_id: Option<String>,
    /// Replace an existing results directory.
    pub force: bool,
    /// Rotate event files at this size instead of the logger's 100 MB.
    pub max_file_bytes: Option<u64>,
}

/// Where the demo wrote, and what happened.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    pub correlation_id: String,
    pub seed: u64,
    pub run_dir: PathBuf,
    pub stats: SimStats,
    pub export: ExportOutcome,
}

/// Runs the demo: simulate, write the logs, export the results. `on_tick`
/// is called after every simulated hour with the number done so far.
pub fn run(options: &DemoOptions, on_tick: &mut dyn FnMut(u64)) -> Result<DemoOutcome> {
    if options.days == 0 {
        return Err(Error::Usage("--days must be at least 1".to_owned()));
    }
    if !(options.capital.is_finite() && options.capital >= 100.0) {
        return Err(Error::Usage(
            "--capital must be a finite amount of at least 100 USDT".to_owned(),
        ));
    }
    crate::ids::check_target_path("log directory", &options.out)?;
    crate::ids::check_target_path("results directory", &options.results)?;
    let correlation_id = options
        .correlation_id
        .clone()
        .unwrap_or_else(basis_events::run_dir::generate_id);
    crate::ids::check_plain_name("correlation id", &correlation_id)?;
    let run_root = options.out.join(&correlation_id);
    if run_root.exists() {
        return Err(Error::Usage(format!(
            "`{}` already exists: a demo run needs a fresh correlation id",
            run_root.display()
        )));
    }
    let results_dir = options.results.join(&correlation_id);
    // Checked before simulating, so a bad target fails now, not after the run.
    crate::target::check_results_dir(&results_dir, std::slice::from_ref(&run_root), options.force)?;

    let start = EngineTime::parse(START).map_err(|err| Error::Usage(err.to_string()))?;
    let mut writer = RunWriter::create(
        &options.out,
        RunInfo {
            correlation_id: correlation_id.clone(),
            mode: sim::STRATEGY_NAME.to_owned(),
            strategy: "pure_lending".to_owned(),
            capital: options.capital,
            start,
            max_file_bytes: options.max_file_bytes,
            parameters: parameters(options),
        },
    )?;
    let config = sim::SimConfig {
        seed: options.seed,
        ticks: u64::from(options.days) * 24,
        capital: options.capital,
        start,
    };
    let stats = sim::simulate(&config, &mut writer, on_tick)?;
    let run_dir = writer.finish()?;

    let export = export::export(&ExportOptions {
        run_dir: run_root,
        to: Some(results_dir),
        results_root: options.results.clone(),
        force: options.force,
        ..ExportOptions::default()
    })?;
    Ok(DemoOutcome {
        correlation_id,
        seed: options.seed,
        run_dir,
        stats,
        export,
    })
}

/// The demo's own knobs, recorded in the manifest's `parameters` so the
/// dataset's `runs.parquet` and `compare` can tell the runs of a sweep apart.
fn parameters(options: &DemoOptions) -> BTreeMap<String, String> {
    let mut parameters = BTreeMap::from([
        ("seed".to_owned(), options.seed.to_string()),
        ("days".to_owned(), options.days.to_string()),
        ("capital".to_owned(), options.capital.to_string()),
    ]);
    if let Some(bytes) = options.max_file_bytes {
        parameters.insert("max_file_bytes".to_owned(), bytes.to_string());
    }
    parameters
}

/// A sweep: `runs` demo runs with seeds `seed_from`, `seed_from + 1`, …,
/// then the dataset of the whole results root.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Everything but the seed and the correlation id, shared by every run.
    pub demo: DemoOptions,
    pub runs: u32,
    pub seed_from: u64,
    /// Where the dataset goes; [`default_dataset_dir`] of the results root
    /// when `None`.
    pub dataset: Option<PathBuf>,
}

/// Where a sweep puts its dataset by default: `{results}/dataset`, beside
/// the runs it is built from (the dataset skips it: it is not a run).
pub fn default_dataset_dir(results: &std::path::Path) -> PathBuf {
    results.join("dataset")
}

/// The runs of a sweep and their dataset.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    pub runs: Vec<DemoOutcome>,
    pub dataset: DatasetOutcome,
}

/// Runs a sweep: every run with a fresh correlation id, then the dataset.
/// `on_run` is called before each run with its index and seed.
pub fn sweep(options: &SweepOptions, on_run: &mut dyn FnMut(u32, u64)) -> Result<SweepOutcome> {
    if options.runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".to_owned()));
    }
    if options.demo.correlation_id.is_some() && options.runs > 1 {
        return Err(Error::Usage(
            "--correlation-id names one run; a sweep of several runs gets fresh ids".to_owned(),
        ));
    }
    let last = options
        .seed_from
        .checked_add(u64::from(options.runs) - 1)
        .ok_or_else(|| Error::Usage("--seed-from + --runs overflows a 64-bit seed".to_owned()))?;
    let to = options
        .dataset
        .clone()
        .unwrap_or_else(|| default_dataset_dir(&options.demo.results));
    // Checked before simulating, so a bad dataset target fails now.
    crate::target::check_dataset_dir(&to)?;
    let mut runs = Vec::with_capacity(options.runs as usize);
    for (i, seed) in (options.seed_from..=last).enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        on_run(i, seed);
        let demo = DemoOptions {
            seed,
            ..options.demo.clone()
        };
        runs.push(run(&demo, &mut |_| {})?);
    }
    let dataset = dataset::build(&DatasetOptions {
        results_root: options.demo.results.clone(),
        to,
    })?;
    Ok(SweepOutcome { runs, dataset })
}
