//! Test-only fault injection: a panic at a chosen simulation on a chosen
//! rank, to check that a panic anywhere ends the whole job promptly
//! (tests/abort.rs).

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// This process's MPI world rank, as the command set it at start-up
/// ([`set_world_rank`]; 0 until then and without MPI).
static WORLD_RANK: AtomicI32 = AtomicI32::new(0);

/// The command tells the sweep layer which world rank this process is.
pub fn set_world_rank(rank: i32) {
    WORLD_RANK.store(rank, Ordering::SeqCst);
}

/// Environment variable of the test-only fault injection: `RANK:N` makes
/// world rank RANK panic as it starts its N-th simulation (0: its first;
/// a batch counts each of its simulations; a `ranks_per_sim` group's other
/// ranks count the group's). Tests use it to check that a panic anywhere
/// ends the whole job promptly; unset, it costs one load per simulation.
pub const FAULT_PANIC_VAR: &str = "HNN_MPI_FAULT_PANIC";

/// The injected fault, `(world rank, simulation count)`, read once.
static FAULT: OnceLock<Option<(i32, usize)>> = OnceLock::new();
/// Simulations this process has started, counted only with a fault set.
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// `n` simulations start on this rank: panic if the injected fault says so.
pub(super) fn fault_point(n: usize) {
    let fault = FAULT.get_or_init(|| {
        let spec = std::env::var(FAULT_PANIC_VAR).ok()?;
        let (rank, nth) = spec.split_once(':')?;
        Some((rank.trim().parse().ok()?, nth.trim().parse().ok()?))
    });
    let Some((rank, nth)) = *fault else { return };
    let first = STARTED.fetch_add(n, Ordering::SeqCst);
    if WORLD_RANK.load(Ordering::SeqCst) == rank && (first..first + n).contains(&nth) {
        panic!(
            "{FAULT_PANIC_VAR}: injected panic on rank {rank} as it starts its simulation #{nth}"
        );
    }
}
