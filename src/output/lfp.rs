//! `/lfp/<name>`: the extracellular potential of each electrode array
//! (docs/output_format.md §8b): f64 `[n_sims, n_trials, n_contacts,
//! n_times]` µV, chunked per simulation and trial, compressed, NaN where
//! not simulated; the array's geometry as attributes. Created, opened,
//! written and read back here (the spec, [`LfpSpec`], is in spec.rs, the
//! opening in file.rs); create.rs, write.rs and repair.rs call in.

use std::path::Path;

use hdf5::{Dataset, Extent, File, SimpleExtents};
use ndarray::{s, Array2, ArrayView2};

use super::error::OutputError;
use super::file::OutputFile;
use super::hdf5_util::{attr_f64, compressed, h5, set_attr_str};
use super::layout::LFP_CHUNK_ELEMS;
use super::spec::LfpSpec;

/// The chunk shape `(1, 1, contacts, times)` of an array of `n_contacts`:
/// one simulation and trial, at most [`LFP_CHUNK_ELEMS`] values.
fn chunk(n_contacts: usize, n_times: usize) -> (usize, usize, usize, usize) {
    let ct = n_times.clamp(1, LFP_CHUNK_ELEMS);
    let kc = (LFP_CHUNK_ELEMS / ct).clamp(1, n_contacts.max(1));
    (1, 1, kc, ct)
}

/// Creates `/lfp` and its datasets (nothing when the spec has no arrays).
pub(super) fn create(
    file: &File,
    path: &Path,
    specs: &[LfpSpec],
    (n_sims, n_trials, n_times): (usize, usize, usize),
    deflate: Option<u8>,
) -> Result<(), OutputError> {
    if specs.is_empty() {
        return Ok(());
    }
    h5(
        (|| {
            let g = file.create_group("lfp")?;
            for a in specs {
                let n = a.n_contacts();
                let b = compressed(g.new_dataset::<f64>().chunk(chunk(n, n_times)), deflate);
                // As /dipole: two unlimited dimensions for a version-2
                // B-tree chunk index (docs/output_format.md §9).
                let d = b
                    .fill_value(f64::NAN)
                    .shape(SimpleExtents::from_vec(vec![
                        Extent::resizable(n_sims),
                        Extent::resizable(n_trials),
                        Extent::fixed(n),
                        Extent::fixed(n_times),
                    ]))
                    .create(a.name.as_str())?;
                set_attr_str(&d, "units", "uV")?;
                let pos = Array2::from_shape_fn((n, 3), |(i, k)| a.positions_um[i][k]);
                d.new_attr::<f64>()
                    .shape((n, 3))
                    .create("positions")?
                    .write(&pos)?;
                attr_f64(&d, "conductivity", a.conductivity)?;
                set_attr_str(&d, "method", &a.method)?;
                attr_f64(&d, "min_distance", a.min_distance)?;
                set_attr_str(
                    &d,
                    "description",
                    "extracellular potential at each contact (positions, um), [sim, trial, \
                     contact, time], uV, at every sample of /times (0 at t = 0), as hnn-core's \
                     net.rec_arrays[name].voltages; NaN where not simulated",
                )?;
            }
            Ok(())
        })(),
        path,
        || "creating /lfp".into(),
    )
}

impl OutputFile {
    /// Whether a result's `lfp` fits the file's arrays (`Err(reason)`).
    pub(super) fn check_lfp(&self, lfp: &[Vec<Vec<f64>>]) -> Result<(), String> {
        if self.lfp.is_empty() {
            return Ok(());
        }
        if lfp.len() != self.lfp.len() {
            return Err(format!(
                "{} electrode arrays, the file has {}",
                lfp.len(),
                self.lfp.len()
            ));
        }
        for (k, ((_, n), trials)) in self.lfp.iter().zip(lfp).enumerate() {
            if trials.len() != self.n_trials {
                return Err(format!(
                    "electrode array {k} has {} trials, n_trials is {}",
                    trials.len(),
                    self.n_trials
                ));
            }
            if let Some(t) = trials.iter().position(|v| v.len() != n * self.n_times) {
                return Err(format!(
                    "electrode array {k}, trial {t}: {} values, expected {n} contacts of {} \
                     samples",
                    trials[t].len(),
                    self.n_times
                ));
            }
        }
        Ok(())
    }

    /// `/lfp/*` of `sim`: per array and trial the contacts' traces, or NaN.
    pub(super) fn write_lfp(
        &self,
        sim: usize,
        lfp: Option<&Vec<Vec<Vec<f64>>>>,
    ) -> hdf5::Result<()> {
        for (k, (d, n)) in self.lfp.iter().enumerate() {
            for t in 0..self.n_trials {
                let nan;
                let data = match lfp {
                    Some(v) => &v[k][t][..],
                    None => {
                        nan = vec![f64::NAN; n * self.n_times];
                        &nan[..]
                    }
                };
                let view = ArrayView2::from_shape((*n, self.n_times), data).expect("shape");
                d.write_slice(view, s![sim, t, .., ..])?;
            }
        }
        Ok(())
    }

    /// Whether every `/lfp` row of `sim` decodes (its chunks are checked by
    /// `chunked`, repair.rs's check that they were written within the file).
    pub(super) fn lfp_readable(&self, sim: usize, chunked: &dyn Fn(&Dataset) -> bool) -> bool {
        self.lfp.iter().all(|(d, _)| {
            chunked(d)
                && d.read_slice::<f64, _, ndarray::Ix3>(s![sim, .., .., ..])
                    .is_ok()
        })
    }
}
