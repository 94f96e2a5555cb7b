//! How much memory one simulation may use on this machine, and byte counts
//! as the estimates print them.

use std::fmt;

/// The memory limit where the machine's memory is unknown.
pub const MEMORY_UNKNOWN_BYTES: f64 = 1e12;
/// Share of physical memory one simulation may use.
const MEMORY_SHARE: f64 = 0.9;

/// A byte count, shown with a binary-free SI unit ("1.3 TB").
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Bytes(pub f64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
        let mut v = self.0;
        let mut i = 0;
        while v >= 1000.0 && i + 1 < units.len() {
            v /= 1000.0;
            i += 1;
        }
        if i == 0 {
            write!(f, "{v:.0} {}", units[i])
        } else if v >= 1000.0 {
            write!(f, "{:.1e} {}", v, units[i])
        } else {
            write!(f, "{v:.1} {}", units[i])
        }
    }
}

/// The memory one simulation may use: [`MEMORY_SHARE`] of physical memory
/// (`MemTotal` of /proc/meminfo) shared by the ranks of this node that run
/// simulations side by side (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`,
/// MPICH's `MPI_LOCALNRANKS`).
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryLimit {
    pub bytes: f64,
    /// How the limit was found, for messages.
    pub source: String,
}

impl MemoryLimit {
    /// The limit of this machine, or [`MEMORY_UNKNOWN_BYTES`] where
    /// /proc/meminfo cannot tell.
    pub fn of_this_machine() -> MemoryLimit {
        Self::physical().unwrap_or_else(|| MemoryLimit {
            bytes: MEMORY_UNKNOWN_BYTES,
            source: "an absolute cap: this machine's memory is unknown (no /proc/meminfo)"
                .to_string(),
        })
    }

    fn physical() -> Option<MemoryLimit> {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let total_kb: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        let total = total_kb * 1024.0;
        let local_ranks = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"]
            .iter()
            .find_map(|v| std::env::var(v).ok()?.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let mut source = format!(
            "{:.0}% of this machine's {} of memory (/proc/meminfo MemTotal)",
            MEMORY_SHARE * 100.0,
            Bytes(total)
        );
        if local_ranks > 1 {
            source.push_str(&format!(", shared by {local_ranks} ranks on this node"));
        }
        Some(MemoryLimit {
            bytes: MEMORY_SHARE * total / local_ranks as f64,
            source,
        })
    }
}
