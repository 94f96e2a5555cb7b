//! [`OutputFile`], the file open for writing: its dataset handles, how they
//! are opened and checked against the spec, and what callers may ask of it.
//! Creating, resuming, writing and closing are in the sibling files.

use std::path::{Path, PathBuf};

use hdf5::{Dataset, File};

use super::error::OutputError;
use super::hdf5_util::h5;
use super::layout::{DIPOLE_NAMES, STATUS_DONE, STATUS_FAILED};
use super::lock::WriterLock;
use super::spec::{LfpSpec, OutputSpec};
use super::spikes::SpikeStore;

/// The sweep's output file, open for writing (on one rank).
pub struct OutputFile {
    pub(super) path: PathBuf,
    pub(super) n_sims: usize,
    pub(super) n_trials: usize,
    pub(super) n_times: usize,
    pub(super) n_stats: usize,
    pub(super) status: Vec<u8>,
    pub(super) ds_status: Dataset,
    pub(super) ds_errors: Dataset,
    /// agg, L2, L5
    pub(super) dipole: Option<[Dataset; 3]>,
    /// `/vsec/<name>` and its trace count, in the spec's order.
    pub(super) vsec: Vec<(Dataset, usize)>,
    /// `/lfp/<name>` and its contact count, in the spec's order.
    pub(super) lfp: Vec<(Dataset, usize)>,
    /// In the order of the spec's `stat_names`.
    pub(super) summary: Vec<Dataset>,
    pub(super) spikes: Option<SpikeStore>,
    // Dropped after the handles above.
    pub(super) file: File,
    /// Held until the file is closed (after `file`).
    pub(super) _lock: WriterLock,
}

/// The dataset handles of an open file and its `/status`. They are opened
/// again after the switch to SWMR-write mode (`resume` reads back and
/// repairs before it, through handles of the plain read-write open).
pub(super) struct Handles {
    pub(super) ds_status: Dataset,
    pub(super) ds_errors: Dataset,
    pub(super) dipole: Option<[Dataset; 3]>,
    pub(super) vsec: Vec<(Dataset, usize)>,
    pub(super) lfp: Vec<(Dataset, usize)>,
    pub(super) summary: Vec<Dataset>,
    pub(super) spikes: Option<SpikeStore>,
    pub(super) status: Vec<u8>,
}

/// Opens every dataset the writer uses and checks its shape against
/// `spec` (a [`OutputError::LayoutMismatch`] otherwise), and that `/status`
/// holds only 0, 1 and 2.
pub(super) fn open_handles(
    file: &File,
    path: &Path,
    spec: &OutputSpec,
) -> Result<Handles, OutputError> {
    let (n_sims, n_trials, n_times) = (spec.n_sims, spec.n_trials, spec.n_times);
    let mismatch = |what: String| OutputError::LayoutMismatch {
        path: path.to_path_buf(),
        what,
    };
    let ctx = |what: &'static str| move || format!("opening {what}");
    let mut summary = Vec::new();
    for stat in &spec.stat_names {
        let d = h5(
            file.dataset(&format!("summary/{stat}")),
            path,
            ctx("/summary"),
        )?;
        if d.shape() != [n_sims, n_trials] {
            return Err(mismatch(format!(
                "/summary/{stat} has shape {:?}",
                d.shape()
            )));
        }
        summary.push(d);
    }
    let dipole = if spec.save_dipole {
        let mut v = Vec::new();
        for name in DIPOLE_NAMES {
            let d = h5(
                file.dataset(&format!("dipole/{name}")),
                path,
                ctx("/dipole"),
            )?;
            if d.shape() != [n_sims, n_trials, n_times] {
                return Err(mismatch(format!(
                    "/dipole/{name} has shape {:?}",
                    d.shape()
                )));
            }
            v.push(d);
        }
        Some([v.remove(0), v.remove(0), v.remove(0)])
    } else {
        None
    };
    let mut vsec = Vec::new();
    for v in &spec.vsec {
        let d = h5(
            file.dataset(&format!("vsec/{}", v.name)),
            path,
            ctx("/vsec"),
        )?;
        if d.shape() != [n_sims, n_trials, v.n_traces(), n_times] {
            return Err(mismatch(format!(
                "/vsec/{} has shape {:?}",
                v.name,
                d.shape()
            )));
        }
        vsec.push((d, v.n_traces()));
    }
    let lfp = open_lfp(file, path, &spec.lfp, (n_sims, n_trials, n_times))?;
    let ds_status = h5(file.dataset("status"), path, ctx("/status"))?;
    let ds_errors = h5(file.dataset("errors"), path, ctx("/errors"))?;
    if ds_status.shape() != [n_sims] || ds_errors.shape() != [n_sims] {
        return Err(mismatch("/status or /errors has the wrong shape".into()));
    }
    let status = h5(ds_status.read_raw::<u8>(), path, ctx("/status"))?;
    if let Some(i) = status.iter().position(|&s| s > STATUS_FAILED) {
        return Err(mismatch(format!(
            "/status[{i}] = {} is not 0, 1 or 2",
            status[i]
        )));
    }
    let spikes = if spec.save_spikes {
        Some(SpikeStore::open(file, path, n_sims, n_trials)?)
    } else {
        None
    };
    Ok(Handles {
        ds_status,
        ds_errors,
        dipole,
        vsec,
        lfp,
        summary,
        spikes,
        status,
    })
}

/// Opens every `/lfp/<name>` of the spec and checks its shape.
fn open_lfp(
    file: &File,
    path: &Path,
    specs: &[LfpSpec],
    (n_sims, n_trials, n_times): (usize, usize, usize),
) -> Result<Vec<(Dataset, usize)>, OutputError> {
    let mut out = Vec::new();
    for a in specs {
        let d = h5(file.dataset(&format!("lfp/{}", a.name)), path, || {
            "opening /lfp".into()
        })?;
        if d.shape() != [n_sims, n_trials, a.n_contacts(), n_times] {
            return Err(OutputError::LayoutMismatch {
                path: path.to_path_buf(),
                what: format!("/lfp/{} has shape {:?}", a.name, d.shape()),
            });
        }
        out.push((d, a.n_contacts()));
    }
    Ok(out)
}

impl OutputFile {
    /// The open file from its parts; the lock is held until it is closed.
    pub(super) fn from_parts(
        path: PathBuf,
        spec: &OutputSpec,
        file: File,
        h: Handles,
        lock: WriterLock,
    ) -> Self {
        OutputFile {
            path,
            n_sims: spec.n_sims,
            n_trials: spec.n_trials,
            n_times: spec.n_times,
            n_stats: spec.stat_names.len(),
            status: h.status,
            ds_status: h.ds_status,
            ds_errors: h.ds_errors,
            dipole: h.dipole,
            vsec: h.vsec,
            lfp: h.lfp,
            summary: h.summary,
            spikes: h.spikes,
            file,
            _lock: lock,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `/status` as written so far.
    pub fn status(&self) -> &[u8] {
        &self.status
    }

    /// Simulations with status 1.
    pub fn n_done(&self) -> usize {
        self.status.iter().filter(|&&s| s == STATUS_DONE).count()
    }

    /// Simulations with status 2.
    pub fn n_failed(&self) -> usize {
        self.status.iter().filter(|&&s| s == STATUS_FAILED).count()
    }

    /// Whether `/spikes` holds a CSR of everything written (`None` when
    /// spikes are not saved): false from the first write after a `close`
    /// until the next.
    pub fn spikes_csr_complete(&self) -> Option<bool> {
        self.spikes.as_ref().map(|s| s.is_complete())
    }
}
