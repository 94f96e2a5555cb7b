//! The fixed names, codes and sizes of the file's layout
//! (docs/output_format.md, §2 and §3): the `format` value, `/status` codes,
//! `/dipole` names, the `/errors` entry, `/cells/gid_ranges` records, chunk
//! limits and `/summary` units.

use hdf5::types::{FixedUnicode, VarLenUnicode};
use hdf5::H5Type;

/// Value of the root attribute `format`.
pub const FORMAT: &str = "hnn-mpi/1";
/// `/status`: not yet simulated.
pub const STATUS_PENDING: u8 = 0;
/// `/status`: simulated, its data complete.
pub const STATUS_DONE: u8 = 1;
/// `/status`: failed; the message is in `/errors`.
pub const STATUS_FAILED: u8 = 2;

/// Dipole components: dataset names under `/dipole`.
pub const DIPOLE_NAMES: [&str; 3] = ["agg", "L2", "L5"];

/// Largest chunk of a dipole dataset, in elements (1 MiB of f64).
pub(super) const DIPOLE_CHUNK_ELEMS: usize = 1 << 17;

/// Largest chunk of a `/vsec` dataset, in elements (1 MiB of f32).
pub(super) const VSEC_CHUNK_ELEMS: usize = 1 << 18;

/// Values per `/lfp` chunk at most (f64: 1 MiB).
pub(super) const LFP_CHUNK_ELEMS: usize = 1 << 17;

/// Bytes of an `/errors` entry (UTF-8, NUL-padded); longer messages are
/// cut.
pub const ERROR_LEN: usize = 512;
pub(super) type ErrorText = FixedUnicode<ERROR_LEN>;

/// A message as an `/errors` entry: NUL replaced, cut to `ERROR_LEN` bytes
/// at a character boundary (ending with "...").
pub(super) fn error_text(msg: &str) -> ErrorText {
    let mut m = msg.replace('\0', "\u{FFFD}");
    if m.len() > ERROR_LEN {
        let mut cut = ERROR_LEN - 3;
        while !m.is_char_boundary(cut) {
            cut -= 1;
        }
        m.truncate(cut);
        m.push_str("...");
    }
    m.parse().expect("fits, no NUL")
}

/// One record of `/cells/gid_ranges`: gids `start <= gid < stop` are cells
/// (or drive cells) of type `name`.
#[derive(H5Type, Clone, Debug)]
#[repr(C)]
pub struct GidRangeRecord {
    pub name: VarLenUnicode,
    pub start: i64,
    pub stop: i64,
}

/// Units attribute of `/summary/<stat>`: `"nAm"` for `dipole_*`, `"Hz"` for
/// `rate_*`, `"nAm^2/Hz"` for `band_power_<k>`, `""` otherwise (the
/// fractions `band_power_rel_<k>` among them).
pub fn stat_units(stat: &str) -> &'static str {
    if stat.starts_with("dipole_") {
        "nAm"
    } else if stat.starts_with("band_power_rel_") {
        // a fraction of the whole periodogram
        ""
    } else if stat.starts_with("band_power_") {
        // periodogram bins (nAm²/Hz) summed over the band
        "nAm^2/Hz"
    } else if stat.starts_with("rate_") {
        "Hz"
    } else {
        ""
    }
}

/// Root attribute naming the engine's numerics mode (`"exact"` or
/// `"fast"`), written from [`super::OutputSpec::extra_attrs`]; a file
/// without it was written in exact mode.
pub const NUMERICS_ATTR: &str = "numerics";

/// Root attributes the writer sets itself.
pub(super) const RESERVED_ATTRS: &[&str] = &[
    "format",
    "version",
    "git_commit",
    "config",
    "definition_hash",
    "n_sims",
    "n_trials",
    "n_times",
    "tstop",
    "dt",
    "mpi_ranks",
    "created",
    "hostname",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_units_by_prefix() {
        assert_eq!(stat_units("dipole_min"), "nAm");
        assert_eq!(stat_units("dipole_rmse"), "nAm");
        assert_eq!(stat_units("rate_L5_pyramidal"), "Hz");
        assert_eq!(stat_units("other"), "");
        assert_eq!(stat_units("band_power_0"), "nAm^2/Hz");
        assert_eq!(stat_units("band_power_rel_0"), "");
    }

    #[test]
    fn error_text_cuts_long_messages_at_a_character() {
        assert_eq!(error_text("diverged").as_str(), "diverged");
        assert_eq!(error_text("a\0b").as_str(), "a\u{FFFD}b");
        let long = "é".repeat(400); // 800 bytes
        let t = error_text(&long);
        assert!(t.as_str().len() <= ERROR_LEN);
        assert!(t.as_str().ends_with("é..."));
        assert_eq!(error_text(&"x".repeat(ERROR_LEN)).as_str().len(), ERROR_LEN);
    }
}
