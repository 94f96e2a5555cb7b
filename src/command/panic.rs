//! A panic (a bug) on any rank ends the whole job at once.

use super::rank::RANK;

/// Exit code of a process that panicked: Rust's own (docs/cli.md, "Exit codes": "other").
/// Under MPI it is the code of the MPI_Abort that ends every rank.
pub const PANIC_EXIT_CODE: i32 = 101;

/// A panic (a bug) on any rank ends the whole job at once: the standard
/// message (where, what; a backtrace with RUST_BACKTRACE=1), which rank,
/// then MPI_Abort on MPI_COMM_WORLD, so that no other rank waits for this
/// one forever. Without MPI the panic unwinds as usual (exit code 101),
/// closing the output file on the way. Finished simulations are in the
/// file either way (`--resume`).
pub fn install_panic_hook() {
    let standard = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        standard(info);
        let (rank, size) = RANK.get().copied().unwrap_or((0, 1));
        let mpi_up = mpi::environment::is_initialized() && !mpi::environment::is_finalized();
        if mpi_up && size > 1 {
            eprintln!(
                "hnn-mpi: fatal: internal error (a panic, above) on rank {rank} of {size}: \
                 ending every rank (MPI_Abort); finished simulations are in the output file, \
                 rerun with --resume to complete it"
            );
            // SAFETY: MPI is initialised and not finalised; MPI_Abort does
            // not return.
            unsafe {
                mpi::ffi::MPI_Abort(mpi::ffi::RSMPI_COMM_WORLD, PANIC_EXIT_CODE);
            }
        }
        eprintln!(
            "hnn-mpi: fatal: internal error (a panic, above); finished simulations are in \
             the output file, rerun with --resume to complete it"
        );
    }));
}
