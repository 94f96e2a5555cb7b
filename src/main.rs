//! `hnn-mpi <CONFIG.toml> [options]`: see `hnn-mpi --help` and SPEC §1.

use std::process::ExitCode;

use clap::Parser;
use hnn_mpi::{app, cli::Cli};

fn main() -> ExitCode {
    // Bad arguments: clap prints the error and exits with 2 (SPEC §1), before MPI starts.
    let cli = Cli::parse();
    ExitCode::from(app::run(&cli))
}
