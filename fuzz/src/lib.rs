//! What the fuzz targets share: the scratch directory, the stage and the
//! call into [`hnn_mpi::fuzzing::read_input`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hnn_mpi::fuzzing::{read_input, within_fuzz_budget, InputKind, Stage};

/// `HNN_FUZZ_STAGE=build` also builds the first simulation (cells,
/// synapses, drive events); default: the plan (read, validate, first
/// network).
fn stage() -> Stage {
    static STAGE: OnceLock<Stage> = OnceLock::new();
    *STAGE.get_or_init(|| match std::env::var("HNN_FUZZ_STAGE").as_deref() {
        Ok("build") => Stage::SimulationBuild,
        _ => Stage::Plan,
    })
}

/// One directory per process (fork mode runs several) for the fuzzed
/// network and parameter files.
fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir()
            .join("hnn-mpi-fuzz")
            .join(std::process::id().to_string());
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

/// A config claims to live in the repository root: the seeds name their
/// input files relative to it (fuzz/seeds.sh rewrites them so).
fn config_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz.toml"))
}

/// Feed `bytes` to the reader of `kind`; errors are expected, a panic,
/// an abort or a hang is a finding.
pub fn run(kind: InputKind, bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        let _ = read_input(kind, bytes, config_file(), scratch_dir(), stage());
        return;
    };
    if !within_fuzz_budget(kind, text) {
        return;
    }
    let _ = read_input(kind, bytes, config_file(), scratch_dir(), stage());
}
