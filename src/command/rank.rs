//! This process's MPI rank, for log lines and the panic message.

use std::sync::OnceLock;

/// This process's (rank, size), set once MPI is up; log lines carry the rank
/// when there are several.
pub static RANK: OnceLock<(i32, i32)> = OnceLock::new();
