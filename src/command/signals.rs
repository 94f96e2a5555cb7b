//! SIGTERM and SIGINT (SLURM's time limit, Ctrl-C, `mpirun` passing on a
//! signal). Before the output file is opened there is nothing to save: the
//! process exits at once with [`exit_code::INTERRUPTED`] (a config or a
//! network can take seconds to build). Once [`defer`] is called (just before
//! the file is opened), a signal is only recorded: the sweep abandons the
//! simulations under way (they stay pending, `--resume` reruns them),
//! writes what has finished, closes the file and exits with a message on how
//! to resume.
//!
//! [`exit_code::INTERRUPTED`]: super::cli::exit_code::INTERRUPTED

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use super::cli::exit_code;
use crate::parallel::{signal_name, Interruption};

/// The signal received, 0 if none.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// Whether a signal ends the process at once (nothing written yet).
static EXIT_AT_ONCE: AtomicBool = AtomicBool::new(true);

extern "C" fn on_signal(sig: libc::c_int) {
    // Only atomics, write(2) and _exit(2): async-signal-safe.
    if EXIT_AT_ONCE.load(Ordering::SeqCst) {
        let message: &[u8] = if sig == libc::SIGINT {
            b"hnn-mpi: interrupted by SIGINT before the output file was opened: nothing was \
              written (an existing output file is as it was); rerun the same command, with \
              --resume if it had it\n"
        } else {
            b"hnn-mpi: interrupted by SIGTERM before the output file was opened: nothing was \
              written (an existing output file is as it was); rerun the same command, with \
              --resume if it had it\n"
        };
        // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffer
        // is a static.
        unsafe {
            libc::write(2, message.as_ptr().cast(), message.len());
            libc::_exit(i32::from(exit_code::INTERRUPTED));
        }
    }
    RECEIVED.store(sig, Ordering::SeqCst);
}

/// Install the handlers (idempotent). Until [`defer`], a signal ends the
/// process at once.
pub fn install() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: the handler is async-signal-safe (see `on_signal`).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = libc::SA_RESTART;
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// From now on a signal is recorded ([`received`]) for the sweep to stop
/// cleanly: there is a file to close. A signal that arrived before this
/// call has already ended the process.
pub fn defer() {
    EXIT_AT_ONCE.store(false, Ordering::SeqCst);
}

/// The signals of this process, as the parallel layer asks about them.
pub struct ProcessSignals;

impl Interruption for ProcessSignals {
    fn defer(&self) {
        defer();
    }

    fn received(&self) -> i32 {
        RECEIVED.load(Ordering::SeqCst)
    }
}

/// The name of the signal received, if any.
pub fn received() -> Option<&'static str> {
    signal_name(RECEIVED.load(Ordering::SeqCst))
}
