//! Command line (docs/cli.md).
//!
//! Flag names and exit codes are a public interface: job scripts depend on
//! them. Add freely, never rename.

use std::path::PathBuf;

use clap::{ArgAction, Parser};
use log::LevelFilter;

/// Process exit codes (docs/cli.md, "Exit codes"). A panic exits with
/// [`crate::command::panic::PANIC_EXIT_CODE`].
pub mod exit_code {
    /// Every simulation done.
    pub const SUCCESS: u8 = 0;
    /// Bad config or arguments. Also clap's own code for bad arguments.
    pub const BAD_CONFIG: u8 = 2;
    /// Finished, but some simulations failed (recorded in the output file).
    pub const SIMS_FAILED: u8 = 3;
    /// I/O failure (output file, disk). MPI failures abort with MPI's code.
    pub const IO_FAILURE: u8 = 4;
    /// Stopped by SIGTERM/SIGINT; the file holds what finished (`--resume`).
    pub const INTERRUPTED: u8 = 5;
}

/// Log level without -v/-q and without RUST_LOG: rank 0's progress is `info`.
pub const DEFAULT_LOG_LEVEL: LevelFilter = LevelFilter::Info;

const LONG_ABOUT: &str = "\
hnn-mpi runs a batch of simulations of the HNN neocortical column model
(HNN-core 0.6.1 on NEURON is the reference) and writes one HDF5 file with
every current dipole, the swept parameter values and summary statistics.

CONFIG is a TOML file: [simulation], [network], [[drives]], [sweep],
[summary], [output], [parallel]. Any number may be \"$name\" to take the value
of sweep parameter `name`. The same binary runs as a single process or under
mpirun/srun; the results are identical, bit for bit, whatever the rank count.

Examples:
  hnn-mpi configs/seed_example.toml                 # one rank, no mpirun
  hnn-mpi configs/seed_example.toml --dry-run       # check config, show plan
  mpirun -n 64 hnn-mpi configs/sweep.toml -o out.h5 --force
  mpirun -n 64 hnn-mpi configs/sweep.toml --resume  # after an interruption";

const AFTER_HELP: &str = "\
Exit codes:
  0      all simulations done (--dry-run: the config is valid)
  2      bad config or arguments; the message names the key, the file and the line
  3      finished, but some simulations failed; their status and error message
         are in the output file (/status, /errors)
  4      I/O error (output file, disk), a damaged output file (--resume), an
         output file being written by another process, or a binary built for CPU
         features this machine lacks (the message says how to rebuild)
  5      interrupted by SIGTERM or SIGINT (e.g. SLURM's time limit): finished
         simulations are in the file; rerun with --resume to complete it
  101    internal error (a panic): its message and rank are printed and every
         rank ends at once (MPI_Abort); finished simulations stay in the file
  other  MPI errors abort with the MPI library's code

Logging goes to stderr. RUST_LOG works too (e.g. RUST_LOG=hnn_mpi::engine=trace);
-v/-q, when given, override its default level.";

/// `hnn-mpi <CONFIG.toml> [options]`: the main job.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(
    name = "hnn-mpi",
    version,
    about = "MPI-parallel batch simulator for the HNN neocortical column model",
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// TOML file describing the network, drives, parameter sweep, summary
    /// statistics and output (read by rank 0 and sent to the other ranks).
    #[arg(value_name = "CONFIG.toml")]
    pub config: PathBuf,

    /// Write the results to PATH instead of [output].path (whose default is
    /// results/<CONFIG stem>.h5). Missing parent directories are created.
    /// One process writes a file at a time (a lock next to it, .NAME.lock).
    /// PATH must be a regular file, or a symlink to one.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Continue an interrupted sweep in an existing output file: only pending
    /// and failed simulations run, and so do those whose data no longer read
    /// back. Refuses, unchanged, a file written from a different
    /// network/sweep definition; refuses a damaged one (exit 4).
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,

    /// Overwrite an existing output file. Without --force or --resume an
    /// existing output file is an error, never overwritten.
    #[arg(long)]
    pub force: bool,

    /// Validate the config, print the sweep plan (number of simulations,
    /// first points) and exit 0 without simulating or writing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// Number of MPI ranks that share one simulation, its cells split by gid
    /// (overrides [parallel].ranks_per_sim, default 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub ranks_per_sim: Option<u32>,

    /// The engine's arithmetic (overrides [simulation] numerics, default
    /// exact): `exact` reproduces NEURON bit for bit; `fast` tabulates the
    /// gates' update factors (NEURON's hh1.mod form) and is validated
    /// against NEURON to 0.05 mV (docs/engine.md, "Fast mode").
    #[arg(long, value_name = "MODE", value_parser = ["exact", "fast"])]
    pub numerics: Option<String>,

    /// More logging: -v debug, -vv trace (default: info).
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,

    /// Less logging: -q warnings, -qq errors only, -qqq nothing.
    #[arg(short, long, action = ArgAction::Count)]
    pub quiet: u8,
}

impl Cli {
    /// Log level asked for by -v/-q; `None` when neither was given.
    pub fn log_level(&self) -> Option<LevelFilter> {
        log_level(self.verbose, self.quiet)
    }

    /// env_logger builder honouring -v/-q and the environment (RUST_LOG,
    /// RUST_LOG_STYLE).
    pub fn logger_builder(&self) -> env_logger::Builder {
        let mut builder = logger_builder(
            self.verbose,
            self.quiet,
            std::env::var("RUST_LOG").ok().as_deref(),
        );
        if let Ok(style) = std::env::var("RUST_LOG_STYLE") {
            builder.parse_write_style(&style);
        }
        builder
    }
}

/// Level from the counts of -v and -q: each -v one step more verbose than
/// `info`, each -q one step quieter, clamped to `off..=trace`.
pub fn log_level(verbose: u8, quiet: u8) -> Option<LevelFilter> {
    if verbose == 0 && quiet == 0 {
        return None;
    }
    const LEVELS: [LevelFilter; 6] = [
        LevelFilter::Off,
        LevelFilter::Error,
        LevelFilter::Warn,
        LevelFilter::Info,
        LevelFilter::Debug,
        LevelFilter::Trace,
    ];
    let step = i32::from(verbose) - i32::from(quiet);
    let index = (DEFAULT_LOG_LEVEL as i32 + step).clamp(0, LEVELS.len() as i32 - 1);
    Some(LEVELS[index as usize])
}

/// env_logger builder for explicit inputs (testable without touching the
/// process environment). Precedence: `info` < RUST_LOG < -v/-q. -v/-q replace
/// only the default level, so RUST_LOG's per-module entries still apply.
pub fn logger_builder(verbose: u8, quiet: u8, rust_log: Option<&str>) -> env_logger::Builder {
    let mut builder = env_logger::Builder::new();
    builder.filter_level(DEFAULT_LOG_LEVEL);
    if let Some(filters) = rust_log {
        builder.parse_filters(filters);
    }
    if let Some(level) = log_level(verbose, quiet) {
        builder.filter_level(level);
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;
    use log::{Level, Record};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("hnn-mpi").chain(args.iter().copied()))
    }

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn config_alone_gives_defaults() {
        let cli = parse(&["configs/seed_example.toml"]).unwrap();
        assert_eq!(
            cli,
            Cli {
                config: PathBuf::from("configs/seed_example.toml"),
                output: None,
                resume: false,
                force: false,
                dry_run: false,
                ranks_per_sim: None,
                numerics: None,
                verbose: 0,
                quiet: 0,
            }
        );
        assert_eq!(cli.log_level(), None);
    }

    #[test]
    fn every_option_parses() {
        let cli = parse(&[
            "sweep.toml",
            "-o",
            "out.h5",
            "--force",
            "--dry-run",
            "--ranks-per-sim",
            "4",
            "-vv",
        ])
        .unwrap();
        assert_eq!(cli.config, PathBuf::from("sweep.toml"));
        assert_eq!(cli.output, Some(PathBuf::from("out.h5")));
        assert!(cli.force && cli.dry_run && !cli.resume);
        assert_eq!(cli.ranks_per_sim, Some(4));
        assert_eq!(cli.verbose, 2);

        let cli = parse(&["--output=x.h5", "--resume", "-q", "-q", "c.toml"]).unwrap();
        assert_eq!(cli.output, Some(PathBuf::from("x.h5")));
        assert!(cli.resume && !cli.force);
        assert_eq!(cli.quiet, 2);
        assert_eq!(cli.config, PathBuf::from("c.toml"));
    }

    #[test]
    fn resume_and_force_conflict() {
        let err = parse(&["c.toml", "--resume", "--force"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
        // docs/cli.md, "Exit codes": bad arguments exit with 2.
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn config_is_required() {
        let err = parse(&[]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(err.exit_code(), 2);
        assert!(parse(&["a.toml", "b.toml"]).is_err());
    }

    #[test]
    fn ranks_per_sim_must_be_a_positive_integer() {
        for bad in ["0", "-1", "two", "1.5"] {
            let err = parse(&["c.toml", "--ranks-per-sim", bad]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "--ranks-per-sim {bad}");
        }
        assert!(parse(&["c.toml", "--ranks-per-sim"]).is_err());
    }

    #[test]
    fn unknown_option_is_an_error() {
        let err = parse(&["c.toml", "--frobnicate"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownArgument);
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn help_and_version_exit_zero() {
        for flag in ["--help", "-h", "--version", "-V"] {
            let err = parse(&[flag]).unwrap_err();
            assert_eq!(err.exit_code(), 0, "{flag}");
        }
    }

    #[test]
    fn help_teaches_options_exit_codes_and_an_example() {
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "--output <PATH>",
            "--resume",
            "--force",
            "--dry-run",
            "--ranks-per-sim <N>",
            "--verbose",
            "--quiet",
            "Exit codes:",
            "  0 ",
            "  2 ",
            "  3 ",
            "  other ",
            "mpirun -n 64 hnn-mpi",
            "RUST_LOG",
        ] {
            assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
        }
    }

    #[test]
    fn verbosity_steps_from_info() {
        assert_eq!(log_level(0, 0), None);
        assert_eq!(log_level(1, 0), Some(LevelFilter::Debug));
        assert_eq!(log_level(2, 0), Some(LevelFilter::Trace));
        assert_eq!(log_level(9, 0), Some(LevelFilter::Trace));
        assert_eq!(log_level(0, 1), Some(LevelFilter::Warn));
        assert_eq!(log_level(0, 2), Some(LevelFilter::Error));
        assert_eq!(log_level(0, 3), Some(LevelFilter::Off));
        assert_eq!(log_level(0, 200), Some(LevelFilter::Off));
        assert_eq!(log_level(1, 1), Some(LevelFilter::Info));
        assert_eq!(log_level(255, 0), Some(LevelFilter::Trace));
    }

    fn enabled(logger: &env_logger::Logger, target: &str, level: Level) -> bool {
        logger.matches(&Record::builder().target(target).level(level).build())
    }

    #[test]
    fn logger_default_is_info() {
        let logger = logger_builder(0, 0, None).build();
        assert!(enabled(&logger, "hnn_mpi", Level::Info));
        assert!(!enabled(&logger, "hnn_mpi", Level::Debug));
    }

    #[test]
    fn rust_log_sets_the_level_without_flags() {
        let logger = logger_builder(0, 0, Some("debug")).build();
        assert!(enabled(&logger, "hnn_mpi::engine", Level::Debug));
        assert!(!enabled(&logger, "hnn_mpi::engine", Level::Trace));
    }

    #[test]
    fn flags_override_rust_log_default_but_keep_its_modules() {
        let logger = logger_builder(0, 1, Some("debug,hnn_mpi::engine=trace")).build();
        assert!(enabled(&logger, "hnn_mpi::cli", Level::Warn));
        assert!(!enabled(&logger, "hnn_mpi::cli", Level::Info));
        assert!(enabled(&logger, "hnn_mpi::engine", Level::Trace));

        let logger = logger_builder(1, 0, Some("error")).build();
        assert!(enabled(&logger, "hnn_mpi", Level::Debug));
        assert!(!enabled(&logger, "hnn_mpi", Level::Trace));
    }

    #[test]
    fn quiet_thrice_silences_everything() {
        let logger = logger_builder(0, 3, None).build();
        assert!(!enabled(&logger, "hnn_mpi", Level::Error));
        assert_eq!(logger.filter(), LevelFilter::Off);
    }
}
