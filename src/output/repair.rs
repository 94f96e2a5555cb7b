//! What `resume` repairs before the run continues (docs/output_format.md
//! §10): simulations marked done are read back and reset to pending when
//! unreadable, an unreadable spike CSR is emptied for rebuilding, and the
//! partial data of an interrupted write are reset to NaN.

use std::path::Path;

use hdf5::{Dataset, File};
use ndarray::s;

use super::chunks::chunk_within;
use super::error::OutputError;
use super::file::OutputFile;
use super::hdf5_util::h5;
use super::layout::{ErrorText, STATUS_DONE, STATUS_FAILED, STATUS_PENDING};
use super::paths::file_len;
use super::spikes::SpikeStore;

/// "3, 7, 12" (the first 10, then "... (N in all)").
pub(super) fn list_sims(sims: &[usize]) -> String {
    let mut s: Vec<String> = sims.iter().take(10).map(|i| i.to_string()).collect();
    if sims.len() > 10 {
        s.push(format!("... ({} in all)", sims.len()));
    }
    s.join(", ")
}

impl OutputFile {
    /// Before SWMR mode: a built spike CSR that cannot be read back is
    /// emptied, to be rebuilt by `close` from the work area.
    pub(super) fn drop_damaged_csr(file: &File, path: &Path) -> Result<(), OutputError> {
        let dropped = SpikeStore::drop_damaged_csr(file, file_len(path)?).map_err(|e| {
            OutputError::Damaged {
                path: path.to_path_buf(),
                what: format!("/spikes cannot be read or repaired: {e}"),
            }
        })?;
        if dropped {
            log::warn!(
                "{}: /spikes/times or /spikes/gids is unreadable; it will be rebuilt from the work area",
                path.display()
            );
            h5(file.flush(), path, || {
                "flushing the emptied spike CSR".into()
            })?;
        }
        Ok(())
    }

    /// Whether every dataset row of `sim` (status 1) reads back: each of
    /// its dipole and voltage chunks was written, lies within the file and
    /// decodes, and so do its work-area spikes.
    fn readable(&self, sim: usize, file_len: u64) -> bool {
        let chunked = |ds: &Dataset, lead: &[usize]| -> bool {
            let shape = ds.shape();
            let Some(chunk) = ds.chunk() else {
                return false;
            };
            // every chunk whose leading coordinates are `lead`
            let free = &shape[lead.len()..];
            let steps = &chunk[lead.len()..];
            let mut coord: Vec<usize> = vec![0; free.len()];
            loop {
                let full: Vec<u64> = lead.iter().chain(&coord).map(|&c| c as u64).collect();
                if !chunk_within(ds, &full, file_len) {
                    return false;
                }
                // odometer over the chunk grid of the free dimensions
                let mut d = free.len();
                loop {
                    if d == 0 {
                        return true;
                    }
                    d -= 1;
                    coord[d] += steps[d];
                    if coord[d] < free[d] {
                        break;
                    }
                    coord[d] = 0;
                }
            }
        };
        if let Some(ds) = &self.dipole {
            for d in ds {
                if !chunked(d, &[sim])
                    || d.read_slice::<f64, _, ndarray::Ix2>(s![sim, .., ..])
                        .is_err()
                {
                    return false;
                }
            }
        }
        for (d, _) in &self.vsec {
            if !chunked(d, &[sim])
                || d.read_slice::<f32, _, ndarray::Ix3>(s![sim, .., .., ..])
                    .is_err()
            {
                return false;
            }
        }
        if !self.lfp_readable(sim, &|d| chunked(d, &[sim])) {
            return false;
        }
        self.spikes
            .as_ref()
            .is_none_or(|sp| sp.readable(sim, file_len))
    }

    /// Resets to pending (NaN data, status 0) every simulation marked done
    /// whose data do not read back; returns them. A file in which even
    /// that cannot be written is refused as damaged.
    pub(super) fn reset_unreadable(&mut self) -> Result<Vec<usize>, OutputError> {
        let file_len = file_len(&self.path)?;
        let damaged: Vec<usize> = (0..self.n_sims)
            .filter(|&sim| self.status[sim] == STATUS_DONE && !self.readable(sim, file_len))
            .collect();
        if damaged.is_empty() {
            return Ok(damaged);
        }
        let reset = (|| -> hdf5::Result<()> {
            if let Some(sp) = self.spikes.as_mut() {
                sp.invalidate_csr()?;
            }
            for &sim in &damaged {
                self.write_summary(sim, None)?;
                self.write_dipoles(sim, None)?;
                self.write_vsec(sim, None)?;
                self.write_lfp(sim, None)?;
            }
            self.file.flush()?;
            for &sim in &damaged {
                self.write_status(sim, STATUS_PENDING)?;
            }
            self.file.flush()
        })();
        reset.map_err(|e| OutputError::Damaged {
            path: self.path.clone(),
            what: format!(
                "simulation(s) {} are unreadable and cannot be reset: {e}",
                list_sims(&damaged)
            ),
        })?;
        Ok(damaged)
    }

    /// Restores what an interrupted `write` may have left: simulations not
    /// done whose data are not NaN (their `/summary` row; without
    /// statistics their first dipole sample; without dipoles their first
    /// voltage sample) get NaN again, pending ones lose a message, done
    /// ones lose a leftover message. Returns how many simulations it
    /// touched.
    #[allow(clippy::needless_range_loop)] // several arrays by simulation
    pub(super) fn scrub(&mut self) -> hdf5::Result<usize> {
        let first = match self.summary.first() {
            Some(d) => Some(d.read_2d::<f64>()?),
            None => None,
        };
        let errors = self.ds_errors.read_raw::<ErrorText>()?;
        let mut touched = 0;
        for sim in 0..self.n_sims {
            let st = self.status[sim];
            let stale_data = st != STATUS_DONE
                && match (&first, &self.dipole) {
                    (Some(a), _) => a.row(sim).iter().any(|x| !x.is_nan()),
                    (None, Some(ds)) if self.n_times > 0 => {
                        !ds[0].read_slice_1d::<f64, _>(s![sim, 0, 0..1])?[0].is_nan()
                    }
                    (None, None) if self.n_times > 0 => match self.vsec.first() {
                        Some((d, n)) if *n > 0 => {
                            !d.read_slice_1d::<f32, _>(s![sim, 0, 0, 0..1])?[0].is_nan()
                        }
                        _ => false,
                    },
                    _ => false,
                };
            let stale_error = st != STATUS_FAILED && !errors[sim].is_empty();
            if stale_data {
                self.write_summary(sim, None)?;
                self.write_dipoles(sim, None)?;
                self.write_vsec(sim, None)?;
                self.write_lfp(sim, None)?;
            }
            if stale_error {
                self.write_error(sim, "")?;
            }
            touched += usize::from(stale_data || stale_error);
        }
        if touched > 0 {
            self.file.flush()?;
        }
        Ok(touched)
    }
}
