//! Resuming the file: every refusal decided on a read-only open, then the
//! file reopened for writing, repaired (see `repair`) and switched to SWMR
//! mode (docs/output_format.md §10).

use std::path::Path;

use hdf5::types::VarLenUnicode;
use hdf5::File;

use super::error::OutputError;
use super::file::{open_handles, OutputFile};
use super::hdf5_util::{h5, read_attr_i64, read_attr_str};
use super::layout::{FORMAT, NUMERICS_ATTR};
use super::lock::WriterLock;
use super::paths::{existing_regular_file, file_len};
use super::repair::list_sims;
use super::spec::OutputSpec;
use super::swmr;

/// Reads every root attribute `resume` looks at, so that an unreadable
/// one is an error rather than taken for a missing one.
fn root_attrs_readable(file: &File) -> hdf5::Result<()> {
    let names = file.attr_names()?;
    for name in ["format", "definition_hash", "config", NUMERICS_ATTR] {
        if names.iter().any(|n| n == name) {
            file.attr(name)?.read_scalar::<VarLenUnicode>()?;
        }
    }
    for name in ["n_sims", "n_trials", "n_times"] {
        if names.iter().any(|n| n == name) {
            file.attr(name)?.read_scalar::<i64>()?;
        }
    }
    Ok(())
}

fn same_f64s(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

impl OutputFile {
    /// Reopens an interrupted (or finished) file to continue it, and returns
    /// its `/status`. Refuses a file written from another definition
    /// (`definition_hash`) or whose layout differs from `spec`. A file whose
    /// writer was killed is recovered first (its open-for-writing flag
    /// cleared), and the partial data of a write it interrupted are reset
    /// (NaN), so that every simulation not done has NaN data again.
    pub fn resume(
        path: impl AsRef<Path>,
        spec: &OutputSpec,
    ) -> Result<(Self, Vec<u8>), OutputError> {
        spec.validate()?;
        let path = path.as_ref().to_path_buf();
        if !existing_regular_file(&path)? {
            return Err(OutputError::NotFound(path));
        }
        let lock = WriterLock::acquire(&path)?;
        let not_hdf5 = |e: &hdf5::Error| e.to_string().contains("signature");
        // Every refusal is decided on a read-only open: a refused file is
        // left byte for byte as it was (a read-write open rewrites the
        // superblock's flags and the mtime).
        {
            let ro = match swmr::open_for_reading(&path) {
                Ok(f) => f,
                Err(e) if not_hdf5(&e) => {
                    return Err(OutputError::NotOurs {
                        path,
                        reason: "not an HDF5 file".into(),
                    })
                }
                Err(e) => {
                    return Err(OutputError::Damaged {
                        path,
                        what: format!("HDF5 cannot open it: {e}"),
                    })
                }
            };
            // HDF5 errors here mean a damaged file, not a foreign one
            let damaged = |e: OutputError| match e {
                OutputError::Hdf5 {
                    path,
                    context,
                    source,
                } => OutputError::Damaged {
                    path,
                    what: format!("{context}: {source}"),
                },
                e => e,
            };
            h5(root_attrs_readable(&ro), &path, || {
                "reading the root attributes".into()
            })
            .map_err(damaged)?;
            Self::check_resumable(&ro, &path, spec).map_err(damaged)?;
            Self::check_not_cut_short(&ro, &path, spec).map_err(damaged)?;
            h5(ro.close(), &path, || "closing the read-only check".into())?;
        }
        let file = match swmr::open_rw(&path) {
            Ok(swmr::OpenRw::Clean(f)) => f,
            Ok(swmr::OpenRw::Recovered(f)) => {
                log::warn!(
                    "{} was not closed by its last writer (killed?): recovered",
                    path.display()
                );
                f
            }
            Err(e) => return h5(Err(e), &path, || "opening the file to resume it".into()),
        };
        if spec.save_spikes {
            Self::drop_damaged_csr(&file, &path)?;
        }
        // What /status calls done is read back before SWMR mode: in it,
        // HDF5 retries a damaged metadata block about a hundred times with
        // growing sleeps (a hang) instead of failing. The few resets of a
        // damaged file are written then too.
        let handles = open_handles(&file, &path, spec)?;
        let mut out = Self::from_parts(path, spec, file, handles, lock);
        let damaged = out.reset_unreadable()?;
        let mut out = out.into_swmr(spec)?;
        if !damaged.is_empty() {
            log::warn!(
                "{}: the data of {} simulation(s) marked done are unreadable (the file was \
                 damaged): simulation(s) {} will run again",
                out.path.display(),
                damaged.len(),
                list_sims(&damaged)
            );
        }
        let touched = h5(out.scrub(), &out.path.clone(), || {
            "resetting interrupted writes".into()
        })?;
        if touched > 0 {
            log::info!(
                "{}: reset the partial data of {touched} interrupted simulation write(s)",
                out.path.display()
            );
        }
        let status = out.status.clone();
        Ok((out, status))
    }

    /// The file (open read-write, not yet in SWMR mode) switched to
    /// SWMR-write mode, its datasets reopened.
    fn into_swmr(self, spec: &OutputSpec) -> Result<Self, OutputError> {
        let OutputFile {
            path,
            file,
            _lock,
            ds_status,
            ds_errors,
            dipole,
            traces,
            lfp,
            summary,
            spikes,
            ..
        } = self;
        drop((ds_status, ds_errors, dipole, traces, lfp, summary, spikes));
        h5(swmr::start_swmr_write(&file), &path, || {
            "switching to SWMR-write mode".into()
        })?;
        let handles = open_handles(&file, &path, spec)?;
        Ok(Self::from_parts(path, spec, file, handles, _lock))
    }

    /// Refuses a file cut short: a dataset allocated at creation (status,
    /// messages, statistics, the spike indexes) that does not lie wholly
    /// within the file. (A killed writer can leave the file short of its
    /// last page only, past everything allocated at creation.) Reading
    /// past the end gives zeros, which would pass for data.
    fn check_not_cut_short(file: &File, path: &Path, spec: &OutputSpec) -> Result<(), OutputError> {
        let file_len = file_len(path)?;
        let mut names: Vec<String> = vec!["status".into(), "errors".into()];
        names.extend(spec.stat_names.iter().map(|s| format!("summary/{s}")));
        if spec.save_spikes {
            names.push("spikes/offsets".into());
            names.push("spikes/_pending/index".into());
        }
        for name in names {
            let ds = h5(file.dataset(&name), path, || format!("opening /{name}"))?;
            if let Some(offset) = ds.offset() {
                let end = offset.saturating_add(ds.storage_size());
                if end > file_len {
                    return Err(OutputError::Damaged {
                        path: path.to_path_buf(),
                        what: format!(
                            "it is cut short: /{name} ends at byte {end}, the file has {file_len} bytes"
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The checks of `resume`: format, definition hash, layout.
    fn check_resumable(file: &File, path: &Path, spec: &OutputSpec) -> Result<(), OutputError> {
        let mismatch = |what: String| OutputError::LayoutMismatch {
            path: path.to_path_buf(),
            what,
        };
        let not_ours = |reason: String| OutputError::NotOurs {
            path: path.to_path_buf(),
            reason,
        };
        match read_attr_str(file, "format") {
            Some(f) if f == FORMAT => {}
            Some(f) => return Err(not_ours(format!("its format attribute is {f:?}"))),
            None => return Err(not_ours("it has no format attribute".into())),
        }
        let file_hash = read_attr_str(file, "definition_hash").unwrap_or_default();
        if file_hash != spec.definition_hash {
            return Err(OutputError::DefinitionMismatch {
                path: path.to_path_buf(),
                file_hash,
                new_hash: spec.definition_hash.clone(),
            });
        }
        // The definition hash leaves the numerics mode out (an exact run's
        // hash is what it was before fast mode existed); a file of the
        // other mode would mix two kinds of numbers.
        let file_numerics = read_attr_str(file, NUMERICS_ATTR).unwrap_or_else(|| "exact".into());
        if file_numerics != spec.numerics() {
            return Err(mismatch(format!(
                "it was written with numerics = {file_numerics:?}, this run's is {:?} \
                 ([simulation] numerics, or --numerics)",
                spec.numerics()
            )));
        }
        if read_attr_str(file, "config").as_deref() != Some(spec.config_text.as_str()) {
            log::info!(
                "resuming {}: the configuration text differs from the file's, the network/sweep definition is the same",
                path.display()
            );
        }
        for (name, want) in [
            ("n_sims", spec.n_sims),
            ("n_trials", spec.n_trials),
            ("n_times", spec.n_times),
        ] {
            let got = read_attr_i64(file, name);
            if got != Some(want as i64) {
                return Err(mismatch(format!(
                    "attribute {name} is {got:?}, this configuration has {want}"
                )));
            }
        }
        let ctx = |what: &'static str| move || format!("reading {what} to resume");
        let times = h5(
            file.dataset("times").and_then(|d| d.read_raw::<f64>()),
            path,
            ctx("/times"),
        )?;
        if !same_f64s(&times, &spec.times) {
            return Err(mismatch("/times differs".into()));
        }
        let params = h5(file.group("params"), path, ctx("/params"))?;
        let mut names = h5(params.member_names(), path, ctx("/params"))?;
        names.sort();
        let mut want: Vec<String> = spec.param_names.clone();
        want.sort();
        if names != want {
            return Err(mismatch(format!(
                "the file's swept parameters are {names:?}, this configuration's {want:?}"
            )));
        }
        // A fit's points are compared by the fit, which replays its search.
        let values = if spec.fit.is_some() {
            &[][..]
        } else {
            &spec.param_values[..]
        };
        if spec.fit.is_some() != file.link_exists("fit") {
            return Err(mismatch(format!(
                "the file {} a fit's, this configuration {}",
                if spec.fit.is_some() { "is not" } else { "is" },
                if spec.fit.is_some() {
                    "runs a fit"
                } else {
                    "does not"
                }
            )));
        }
        for (name, values) in spec.param_names.iter().zip(values) {
            let got = h5(
                params.dataset(name).and_then(|d| d.read_raw::<f64>()),
                path,
                ctx("/params"),
            )?;
            if !same_f64s(&got, values) {
                return Err(mismatch(format!("the values of parameter `{name}` differ")));
            }
        }
        let sg = h5(file.group("summary"), path, ctx("/summary"))?;
        let mut stats = h5(sg.member_names(), path, ctx("/summary"))?;
        stats.sort();
        let mut want: Vec<String> = spec.stat_names.clone();
        want.sort();
        if stats != want {
            return Err(mismatch(format!(
                "the file's summary statistics are {stats:?}, this configuration's {want:?}"
            )));
        }
        for (what, saved, group) in [
            ("dipoles", spec.save_dipole, "dipole"),
            ("spikes", spec.save_spikes, "spikes"),
            ("voltages", !spec.vsec.is_empty(), "vsec"),
            ("synaptic currents", !spec.isec.is_empty(), "isec"),
            ("calcium concentrations", !spec.ca.is_empty(), "ca"),
            ("electrode arrays", !spec.lfp.is_empty(), "lfp"),
        ] {
            if file.link_exists(group) != saved {
                return Err(mismatch(format!(
                    "the file {} {what}, this configuration {}",
                    if saved { "has no" } else { "has" },
                    if saved { "saves them" } else { "does not" }
                )));
            }
        }
        Ok(())
    }
}
