//! The command: what the process does from `main` to its exit code.
//!
//! - [`cli`]: the command line (clap), `--help`'s text, the exit codes.
//! - [`run`]: the program's run: logging, MPI start-up, the config sent to
//!   every rank, the plan, the sweep, the exit code of how it ended.
//! - [`config_file`]: reading the config file (rank 0).
//! - [`signals`]: SIGTERM and SIGINT, before and after the output file is
//!   opened.
//! - [`panic`]: a panic on any rank ends the whole job.
//! - [`rank`]: this process's MPI rank, once MPI is up.
//! - `cpu_check.c`: the start-up check that this CPU has the instruction
//!   set extensions the binary was compiled for (called from `main`, built
//!   by build.rs for baseline x86-64).

pub mod cli;
pub mod config_file;
pub mod panic;
pub mod rank;
pub mod run;
pub mod signals;

pub use run::run;
