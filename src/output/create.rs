//! Creating the file: every object at once (SWMR mode forbids creating
//! any later), under a temporary name renamed into place
//! (docs/output_format.md §1).

use std::path::{Path, PathBuf};

use hdf5::dataset::{AllocTime, FillTime};
use hdf5::{Extent, File, SimpleExtents};

use super::error::OutputError;
use super::file::{open_handles, OutputFile};
use super::hdf5_util::{attr_f64, compressed, h5, set_attr_i64, set_attr_str, vlen};
use super::layout::{
    stat_units, ErrorText, GidRangeRecord, DIPOLE_CHUNK_ELEMS, DIPOLE_NAMES, ERROR_LEN, FORMAT,
    STATUS_PENDING,
};
use super::lock::WriterLock;
use super::paths::{existing_regular_file, resolved};
use super::provenance::{hostname, rfc3339_utc};
use super::spec::OutputSpec;
use super::spikes::{SpikeStore, DEFAULT_WORK_CHUNK};
use super::swmr;
use super::traces::create_traces;

/// Writer settings that are not part of the file's contract.
#[derive(Clone, Debug)]
pub struct OutputOptions {
    /// Chunk length (elements) of the spike work area (default 4096). Each
    /// simulation's spikes start on a fresh chunk, so that nothing written
    /// is rewritten; small values suit sweeps with few spikes.
    pub spike_work_chunk: usize,
    /// Deflate level of the dipole and spike datasets (default `Some(4)`),
    /// `None` for no compression. Without the deflate filter in the HDF5
    /// library the data are stored uncompressed.
    pub deflate_level: Option<u8>,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            spike_work_chunk: DEFAULT_WORK_CHUNK,
            deflate_level: Some(4),
        }
    }
}

impl OutputFile {
    /// Creates the file with default [`OutputOptions`]. Refuses an existing
    /// file unless `force`; a missing directory is an error (not created).
    pub fn create(
        path: impl AsRef<Path>,
        spec: &OutputSpec,
        force: bool,
    ) -> Result<Self, OutputError> {
        Self::create_with(path, spec, force, &OutputOptions::default())
    }

    /// Creates the file. Its skeleton (attributes, `/times`, `/params`,
    /// empty datasets) is built under a temporary name in the same
    /// directory and renamed into place once flushed and in SWMR mode, so
    /// `path` never holds a half-created file (and, with `force`, the old
    /// file stays until then).
    pub fn create_with(
        path: impl AsRef<Path>,
        spec: &OutputSpec,
        force: bool,
        opts: &OutputOptions,
    ) -> Result<Self, OutputError> {
        spec.validate()?;
        if opts.spike_work_chunk == 0 {
            return Err(OutputError::InvalidSpec(
                "spike_work_chunk must be at least 1".into(),
            ));
        }
        let path = path.as_ref().to_path_buf();
        let io_err = |context: &str, source: std::io::Error| OutputError::Io {
            path: path.clone(),
            context: context.to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                let dir = dir.to_path_buf();
                return Err(OutputError::MissingDirectory { path, dir });
            }
        }
        // Before anything else: a refusal of a file being written must not
        // touch it, and nothing may replace it while we decide.
        let lock = WriterLock::acquire(&path)?;
        let exists = existing_regular_file(&path)?;
        if exists && !force {
            return Err(OutputError::Exists(path));
        }
        // A symlink to a regular file: replace the file it names, not the
        // link (which the rename below would).
        let target = if exists && path.is_symlink() {
            resolved(&path)
        } else {
            path.clone()
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(OutputError::MissingDirectory { path, dir });
        }
        let Some(file_name) = target.file_name() else {
            return Err(io_err(
                "creating the output file",
                std::io::Error::other("the path has no file name"),
            ));
        };
        let tmp = dir.join(format!(
            ".{}.creating-{}",
            file_name.to_string_lossy(),
            std::process::id()
        ));
        let _ = std::fs::remove_file(&tmp);
        let built = Self::build(&tmp, &path, spec, opts)
            .and_then(|file| {
                h5(swmr::start_swmr_write(&file), &path, || {
                    "switching to SWMR-write mode".into()
                })?;
                let handles = open_handles(&file, &path, spec)?;
                Ok(Self::from_parts(path.clone(), spec, file, handles, lock))
            })
            .and_then(|out| match std::fs::rename(&tmp, &target) {
                Ok(()) => Ok(out),
                Err(e) => {
                    drop(out);
                    Err(io_err("moving the new file into place", e))
                }
            });
        if built.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        built
    }

    /// Creates every object of the file (SWMR mode forbids creating any
    /// later) and flushes.
    fn build(
        tmp: &Path,
        path: &Path,
        spec: &OutputSpec,
        opts: &OutputOptions,
    ) -> Result<File, OutputError> {
        let file = h5(swmr::create_latest(tmp), path, || {
            "creating the file".into()
        })?;
        let deflate = match opts.deflate_level {
            Some(level) if hdf5::filters::deflate_available() => Some(level),
            Some(_) => {
                log::warn!(
                    "the HDF5 library has no deflate filter: dipoles and spikes are stored uncompressed"
                );
                None
            }
            None => None,
        };
        let (n_sims, n_trials, n_times) = (spec.n_sims, spec.n_trials, spec.n_times);

        // Root attributes.
        h5(
            (|| {
                let strings = [
                    ("format", FORMAT.to_string()),
                    ("version", env!("CARGO_PKG_VERSION").to_string()),
                    ("git_commit", spec.git_commit.clone()),
                    ("config", spec.config_text.clone()),
                    ("definition_hash", spec.definition_hash.clone()),
                    ("created", rfc3339_utc(std::time::SystemTime::now())),
                    ("hostname", hostname()),
                ];
                for (name, value) in &strings {
                    set_attr_str(&file, name, value)?;
                }
                for (name, value) in [
                    ("n_sims", n_sims),
                    ("n_trials", n_trials),
                    ("n_times", n_times),
                    ("mpi_ranks", spec.mpi_ranks),
                ] {
                    set_attr_i64(&file, name, value as i64)?;
                }
                attr_f64(&file, "tstop", spec.tstop)?;
                attr_f64(&file, "dt", spec.dt)?;
                for (name, value) in &spec.extra_attrs {
                    set_attr_str(&file, name, value)?;
                }
                Ok(())
            })(),
            path,
            || "writing the root attributes".into(),
        )?;

        // /times, /params
        h5(
            (|| {
                let times = file
                    .new_dataset_builder()
                    .with_data(&spec.times[..])
                    .create("times")?;
                set_attr_str(&times, "units", "ms")?;
                let params = file.create_group("params")?;
                for (name, values) in spec.param_names.iter().zip(&spec.param_values) {
                    params
                        .new_dataset_builder()
                        .with_data(&values[..])
                        .create(name.as_str())?;
                }
                Ok(())
            })(),
            path,
            || "writing /times and /params".into(),
        )?;

        // /dipole
        if spec.save_dipole {
            let ct = n_times.clamp(1, DIPOLE_CHUNK_ELEMS);
            let kt = (DIPOLE_CHUNK_ELEMS / ct).clamp(1, n_trials);
            h5(
                (|| {
                    let g = file.create_group("dipole")?;
                    for (name, what) in DIPOLE_NAMES.iter().zip([
                        "aggregate current dipole (L2 + L5)",
                        "current dipole of layer 2/3",
                        "current dipole of layer 5",
                    ]) {
                        let b = compressed(g.new_dataset::<f64>().chunk((1, kt, ct)), deflate);
                        // Maximum extents unlimited in two dimensions: the
                        // chunk index is then a version-2 B-tree, whose
                        // 512-byte nodes each fit in a page (docs/output_format.md §9).
                        let d = b
                            .fill_value(f64::NAN)
                            .shape(SimpleExtents::from_vec(vec![
                                Extent::resizable(n_sims),
                                Extent::resizable(n_trials),
                                Extent::fixed(n_times),
                            ]))
                            .create(*name)?;
                        set_attr_str(&d, "units", "nAm")?;
                        set_attr_str(&d, "smoothed", "no")?;
                        set_attr_str(&d, "scaled", "no")?;
                        set_attr_str(
                            &d,
                            "description",
                            &format!(
                                "{what} [sim, trial, time], nAm, as hnn-core's simulate_dipole \
                                 returns it, neither smoothed nor scaled; NaN where not simulated"
                            ),
                        )?;
                    }
                    Ok(())
                })(),
                path,
                || "creating /dipole".into(),
            )?;
        }

        // /vsec, /isec, /ca
        h5(create_traces(&file, spec, deflate), path, || {
            "creating /vsec, /isec and /ca".into()
        })?;

        // /lfp
        super::lfp::create(&file, path, &spec.lfp, (n_sims, n_trials, n_times), deflate)?;

        // /summary
        h5(
            (|| {
                let g = file.create_group("summary")?;
                for stat in &spec.stat_names {
                    let d = g
                        .new_dataset::<f64>()
                        .fill_value(f64::NAN)
                        .alloc_time(Some(AllocTime::Early))
                        .shape((n_sims, n_trials))
                        .create(stat.as_str())?;
                    set_attr_str(&d, "units", stat_units(stat))?;
                }
                Ok(())
            })(),
            path,
            || "creating /summary".into(),
        )?;

        // /spikes
        if spec.save_spikes {
            h5(
                SpikeStore::create(&file, n_sims, n_trials, opts.spike_work_chunk, deflate),
                path,
                || "creating /spikes".into(),
            )?;
        }

        // /fit
        if let Some(fit) = &spec.fit {
            h5(super::fit::create(&file, n_sims, fit), path, || {
                "creating /fit".into()
            })?;
        }

        // /cells, /status, /errors
        h5(
            (|| {
                let cells = file.create_group("cells")?;
                let records: Vec<GidRangeRecord> = spec
                    .gid_ranges
                    .iter()
                    .map(|(name, start, stop)| GidRangeRecord {
                        name: vlen(name),
                        start: *start as i64,
                        stop: *stop as i64,
                    })
                    .collect();
                let gr = cells
                    .new_dataset::<GidRangeRecord>()
                    .shape(records.len())
                    .create("gid_ranges")?;
                if !records.is_empty() {
                    gr.write(&records[..])?;
                }
                set_attr_str(
                    &gr,
                    "description",
                    "per cell type (and drive): gids start <= gid < stop",
                )?;
                let status = file
                    .new_dataset::<u8>()
                    .fill_value(STATUS_PENDING)
                    .alloc_time(Some(AllocTime::Early))
                    .shape(n_sims)
                    .create("status")?;
                set_attr_str(
                    &status,
                    "description",
                    "0 pending, 1 done, 2 failed (message in /errors)",
                )?;
                // contiguous, allocated (not written: a sparse file) at
                // creation: a message is written in place, within a page
                let errors = file
                    .new_dataset::<ErrorText>()
                    .alloc_time(Some(AllocTime::Early))
                    .fill_time(FillTime::Never)
                    .shape(n_sims)
                    .create("errors")?;
                set_attr_str(
                    &errors,
                    "description",
                    &format!(
                        "failure message of each simulation (UTF-8, NUL-padded to \
                         {ERROR_LEN} bytes); empty when none"
                    ),
                )?;
                Ok(())
            })(),
            path,
            || "creating /cells, /status and /errors".into(),
        )?;

        h5(file.flush(), path, || "flushing the new file".into())?;
        Ok(file)
    }
}
