//! Writing one simulation: its data, then its `/status` entry, in the
//! order that makes a status of 1 on disk mean complete data
//! (docs/output_format.md §9).

use ndarray::{s, ArrayView1, ArrayView2};

use super::error::OutputError;
use super::file::OutputFile;
use super::hdf5_util::h5;
use super::layout::{error_text, DIPOLE_NAMES, STATUS_DONE, STATUS_FAILED};
use super::result::SimResult;

impl OutputFile {
    fn check(&self, r: &SimResult) -> Result<(), OutputError> {
        let bad = |reason: String| Err(OutputError::InvalidResult { sim: r.sim, reason });
        if r.sim >= self.n_sims {
            return bad(format!("the sweep has {} simulations", self.n_sims));
        }
        if self.status[r.sim] == STATUS_DONE {
            return Err(OutputError::AlreadyDone {
                path: self.path.clone(),
                sim: r.sim,
            });
        }
        if r.error.is_some() {
            return Ok(());
        }
        if r.summary.len() != self.n_stats {
            return bad(format!(
                "{} summary statistics, the file has {}",
                r.summary.len(),
                self.n_stats
            ));
        }
        if let Some(i) = r.summary.iter().position(|v| v.len() != self.n_trials) {
            return bad(format!(
                "summary statistic {i} has {} values, n_trials is {}",
                r.summary[i].len(),
                self.n_trials
            ));
        }
        if self.dipole.is_some() {
            let Some(d) = &r.dipoles else {
                return bad("no dipoles, but the file saves them".into());
            };
            if d.len() != self.n_trials {
                return bad(format!(
                    "{} dipole trials, n_trials is {}",
                    d.len(),
                    self.n_trials
                ));
            }
            for (t, comps) in d.iter().enumerate() {
                for (c, v) in comps.iter().enumerate() {
                    if v.len() != self.n_times {
                        return bad(format!(
                            "dipole {} of trial {t} has {} samples, n_times is {}",
                            DIPOLE_NAMES[c],
                            v.len(),
                            self.n_times
                        ));
                    }
                }
            }
        }
        if !self.vsec.is_empty() {
            if r.vsec.len() != self.vsec.len() {
                return bad(format!(
                    "{} voltage recordings, the file has {}",
                    r.vsec.len(),
                    self.vsec.len()
                ));
            }
            for (k, ((_, n_traces), trials)) in self.vsec.iter().zip(&r.vsec).enumerate() {
                if trials.len() != self.n_trials {
                    return bad(format!(
                        "voltage recording {k} has {} trials, n_trials is {}",
                        trials.len(),
                        self.n_trials
                    ));
                }
                if let Some(t) = trials
                    .iter()
                    .position(|v| v.len() != n_traces * self.n_times)
                {
                    return bad(format!(
                        "voltage recording {k}, trial {t}: {} values, expected {n_traces} traces \
                         of {} samples",
                        trials[t].len(),
                        self.n_times
                    ));
                }
            }
        }
        if let Err(reason) = self.check_lfp(&r.lfp) {
            return bad(reason);
        }
        if self.spikes.is_some() {
            if r.spikes.len() != self.n_trials {
                return bad(format!(
                    "spikes of {} trials, n_trials is {}",
                    r.spikes.len(),
                    self.n_trials
                ));
            }
            for (t, (times, gids)) in r.spikes.iter().enumerate() {
                if times.len() != gids.len() {
                    return bad(format!(
                        "trial {t} has {} spike times but {} gids",
                        times.len(),
                        gids.len()
                    ));
                }
            }
        }
        Ok(())
    }

    /// `/summary` rows of `sim`: `rows[stat][trial]`, or NaN.
    pub(super) fn write_summary(&self, sim: usize, rows: Option<&[Vec<f64>]>) -> hdf5::Result<()> {
        let nan = vec![f64::NAN; self.n_trials];
        for (i, d) in self.summary.iter().enumerate() {
            let row = rows.map_or(&nan[..], |r| &r[i][..]);
            d.write_slice(ArrayView1::from(row), s![sim, ..])?;
        }
        Ok(())
    }

    /// `/dipole/*` of `sim`: per trial (agg, L2, L5), or NaN.
    pub(super) fn write_dipoles(
        &self,
        sim: usize,
        dip: Option<&Vec<[Vec<f64>; 3]>>,
    ) -> hdf5::Result<()> {
        let Some(ds) = &self.dipole else {
            return Ok(());
        };
        let (t_n, n_times) = (self.n_trials, self.n_times);
        let mut buf = vec![f64::NAN; t_n * n_times];
        for (c, d) in ds.iter().enumerate() {
            if let Some(dip) = dip {
                for (t, comps) in dip.iter().enumerate() {
                    buf[t * n_times..(t + 1) * n_times].copy_from_slice(&comps[c]);
                }
            }
            let view = ArrayView2::from_shape((t_n, n_times), &buf[..]).expect("shape");
            d.write_slice(view, s![sim, .., ..])?;
        }
        Ok(())
    }

    /// `/vsec/*` of `sim`: per recording and trial the traces, or NaN;
    /// one trial at a time (a trial of `vsec_all` can be large).
    pub(super) fn write_vsec(
        &self,
        sim: usize,
        vsec: Option<&Vec<Vec<Vec<f32>>>>,
    ) -> hdf5::Result<()> {
        for (k, (d, n_traces)) in self.vsec.iter().enumerate() {
            for t in 0..self.n_trials {
                let nan;
                let data = match vsec {
                    Some(v) => &v[k][t][..],
                    None => {
                        nan = vec![f32::NAN; n_traces * self.n_times];
                        &nan[..]
                    }
                };
                let view = ArrayView2::from_shape((*n_traces, self.n_times), data).expect("shape");
                d.write_slice(view, s![sim, t, .., ..])?;
            }
        }
        Ok(())
    }

    pub(super) fn write_error(&self, sim: usize, msg: &str) -> hdf5::Result<()> {
        let msg = error_text(msg);
        self.ds_errors
            .write_slice(ArrayView1::from(&[msg][..]), s![sim..sim + 1])
    }

    pub(super) fn write_status(&mut self, sim: usize, status: u8) -> hdf5::Result<()> {
        self.ds_status
            .write_slice(ArrayView1::from(&[status][..]), s![sim..sim + 1])?;
        self.status[sim] = status;
        Ok(())
    }

    /// Writes one finished (or failed) simulation, in any order: its data,
    /// flush, then its `/status` entry, flush. Returns once both are in the
    /// file. Rewriting a failed simulation is allowed; a done one is not.
    ///
    /// The data are written in an order that lets `resume` recognise an
    /// interrupted write ([`OutputFile::resume`]): a success writes
    /// `/summary` first, a failure its message first.
    pub fn write(&mut self, r: &SimResult) -> Result<(), OutputError> {
        self.check(r)?;
        let sim = r.sim;
        let path = self.path.clone();
        let ctx = |what: &'static str| move || format!("writing {what} of simulation {sim}");
        let retry = self.status[sim] == STATUS_FAILED;
        match &r.error {
            None => {
                h5(
                    self.write_summary(sim, Some(&r.summary)),
                    &path,
                    ctx("/summary"),
                )?;
                h5(
                    self.write_dipoles(sim, r.dipoles.as_ref()),
                    &path,
                    ctx("/dipole"),
                )?;
                h5(self.write_vsec(sim, Some(&r.vsec)), &path, ctx("/vsec"))?;
                h5(self.write_lfp(sim, Some(&r.lfp)), &path, ctx("/lfp"))?;
                if let Some(sp) = self.spikes.as_mut() {
                    h5(sp.append(sim, &r.spikes), &path, ctx("spikes"))?;
                }
            }
            Some(msg) => {
                // NaN over anything an interrupted attempt left
                h5(self.write_error(sim, msg), &path, ctx("/errors"))?;
                h5(self.write_dipoles(sim, None), &path, ctx("/dipole"))?;
                h5(self.write_vsec(sim, None), &path, ctx("/vsec"))?;
                h5(self.write_lfp(sim, None), &path, ctx("/lfp"))?;
                h5(self.write_summary(sim, None), &path, ctx("/summary"))?;
            }
        }
        h5(self.file.flush(), &path, ctx("(flushing) the data"))?;

        // Status last: 1 on disk implies the data above are complete.
        let new_status = if r.error.is_some() {
            STATUS_FAILED
        } else {
            STATUS_DONE
        };
        h5(
            self.write_status(sim, new_status)
                .and_then(|_| self.file.flush()),
            &path,
            ctx("/status"),
        )?;
        if retry && r.error.is_none() {
            // the old message goes once the status says done
            h5(
                self.write_error(sim, "").and_then(|_| self.file.flush()),
                &path,
                ctx("/errors"),
            )?;
        }
        Ok(())
    }
}
