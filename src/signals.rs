//! SIGTERM and SIGINT (SLURM's time limit, Ctrl-C): record that one arrived,
//! so the sweep stops handing out work, writes what has finished, closes
//! the file and exits with a message on how to resume.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal received, 0 if none.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    RECEIVED.store(sig, Ordering::SeqCst);
}

/// Install the handlers (idempotent).
pub fn install() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: the handler only stores to an atomic.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = libc::SA_RESTART;
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// The name of the signal received, if any.
pub fn received() -> Option<&'static str> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s if s == libc::SIGTERM => Some("SIGTERM"),
        s if s == libc::SIGINT => Some("SIGINT"),
        _ => Some("a signal"),
    }
}
