//! `hnn-mpi <CONFIG.toml> [options]`: see `hnn-mpi --help` and docs/cli.md.

use std::ffi::{c_char, c_int};
use std::process::ExitCode;

use clap::Parser;
use hnn_mpi::command::{self, cli::exit_code, cli::Cli};

extern "C" {
    /// src/command/cpu_check.c: returns when this CPU has every feature of the
    /// comma-separated `required` list; else prints which are missing and
    /// how to rebuild, and exits with `exit_code`.
    fn hnn_mpi_check_cpu(
        required: *const c_char,
        target: *const c_char,
        pretend_var: *const c_char,
        exit_code: c_int,
    );
}

/// The target features this binary is compiled with (build.rs).
const TARGET_FEATURES: &str = concat!(env!("HNN_MPI_TARGET_FEATURES"), "\0");
/// How it was built, e.g. `target-cpu=native` (build.rs).
const TARGET_CPU: &str = concat!(env!("HNN_MPI_TARGET_CPU"), "\0");
/// Test-only: comma-separated features the start-up check treats as
/// missing, to test the message without a machine that lacks them.
const PRETEND_MISSING_VAR: &str = "HNN_MPI_PRETEND_MISSING_CPU_FEATURE\0";

fn main() -> ExitCode {
    // First, before any code that may use the instructions the check is
    // about: the check is C compiled for the baseline x86-64, and this
    // function does nothing else before it.
    // SAFETY: three NUL-terminated static strings.
    unsafe {
        hnn_mpi_check_cpu(
            TARGET_FEATURES.as_ptr().cast(),
            TARGET_CPU.as_ptr().cast(),
            PRETEND_MISSING_VAR.as_ptr().cast(),
            c_int::from(exit_code::IO_FAILURE),
        );
    }
    run()
}

/// The program proper, kept out of `main` so that none of its code (moves
/// of large values may use wide vector registers) runs before the check.
#[inline(never)]
fn run() -> ExitCode {
    // Bad arguments: clap prints the error and exits with 2 (docs/cli.md), before MPI starts.
    let cli = Cli::parse();
    ExitCode::from(command::run(&cli))
}
