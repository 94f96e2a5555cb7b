//! [`OutputFile`]: creation, resume, per-simulation writes and closing of
//! the sweep's HDF5 file. The layout is documented in [`crate::output`].

use std::path::{Path, PathBuf};

use hdf5::dataset::{AllocTime, FillTime};
use hdf5::types::{FixedUnicode, VarLenUnicode};
use hdf5::{Dataset, Extent, File, H5Type, SimpleExtents};
use ndarray::{s, ArrayView1, ArrayView2};

use super::lock::{resolved, WriterLock};
use super::spikes::{compressed, set_attr_i64, set_attr_str, SpikeStore, DEFAULT_WORK_CHUNK};
use super::swmr;
use super::{
    hostname, rfc3339_utc, stat_units, OutputError, OutputSpec, SimResult, FORMAT, STATUS_DONE,
    STATUS_FAILED, STATUS_PENDING,
};

/// One record of `/cells/gid_ranges`: gids `start <= gid < stop` are cells
/// (or drive cells) of type `name`.
#[derive(H5Type, Clone, Debug)]
#[repr(C)]
pub struct GidRangeRecord {
    pub name: VarLenUnicode,
    pub start: i64,
    pub stop: i64,
}

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

/// The sweep's output file, open for writing (on one rank).
pub struct OutputFile {
    path: PathBuf,
    n_sims: usize,
    n_trials: usize,
    n_times: usize,
    n_stats: usize,
    status: Vec<u8>,
    ds_status: Dataset,
    ds_errors: Dataset,
    /// agg, L2, L5
    dipole: Option<[Dataset; 3]>,
    /// `/vsec/<name>` and its trace count, in the spec's order.
    vsec: Vec<(Dataset, usize)>,
    /// In the order of the spec's `stat_names`.
    summary: Vec<Dataset>,
    spikes: Option<SpikeStore>,
    // Dropped after the handles above.
    file: File,
    /// Held until the file is closed (after `file`).
    _lock: WriterLock,
}

/// What `meta` is when it is not a regular file ("a FIFO", ...).
fn non_regular_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Whether `path` exists (symlinks followed); an error for anything but a
/// regular file.
fn existing_regular_file(path: &Path) -> Result<bool, OutputError> {
    match std::fs::metadata(path) {
        Ok(m) => match non_regular_kind(&m) {
            Some(kind) => Err(OutputError::NotRegular {
                path: path.to_path_buf(),
                kind,
            }),
            None => Ok(true),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(OutputError::Io {
            path: path.to_path_buf(),
            context: "examining the output file".into(),
            source,
        }),
    }
}

/// Bytes of an `/errors` entry (UTF-8, NUL-padded); longer messages are
/// cut.
pub const ERROR_LEN: usize = 512;
type ErrorText = FixedUnicode<ERROR_LEN>;

/// A message as an `/errors` entry: NUL replaced, cut to `ERROR_LEN` bytes
/// at a character boundary (ending with "...").
fn error_text(msg: &str) -> ErrorText {
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

/// Dipole components: dataset names under `/dipole`.
pub const DIPOLE_NAMES: [&str; 3] = ["agg", "L2", "L5"];

/// Largest chunk of a dipole dataset, in elements (1 MiB of f64).
const DIPOLE_CHUNK_ELEMS: usize = 1 << 17;

/// Largest chunk of a `/vsec` dataset, in elements (1 MiB of f32).
const VSEC_CHUNK_ELEMS: usize = 1 << 18;

fn h5<T>(
    r: hdf5::Result<T>,
    path: &Path,
    context: impl FnOnce() -> String,
) -> Result<T, OutputError> {
    r.map_err(|source| OutputError::Hdf5 {
        path: path.to_path_buf(),
        context: context(),
        source,
    })
}

fn vlen(s: &str) -> VarLenUnicode {
    // NUL cannot be stored in a C string; anything else can.
    s.replace('\0', "\u{FFFD}")
        .parse()
        .expect("NUL characters were replaced")
}

fn attr_f64(loc: &hdf5::Location, name: &str, v: f64) -> hdf5::Result<()> {
    loc.new_attr::<f64>().create(name)?.write_scalar(&v)
}

fn has_attr(loc: &hdf5::Location, name: &str) -> bool {
    loc.attr_names()
        .map(|n| n.iter().any(|a| a == name))
        .unwrap_or(false)
}

/// Reads every root attribute `resume` looks at, so that an unreadable
/// one is an error rather than taken for a missing one.
fn root_attrs_readable(file: &File) -> hdf5::Result<()> {
    let names = file.attr_names()?;
    for name in ["format", "definition_hash", "config"] {
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

fn read_attr_str(loc: &hdf5::Location, name: &str) -> Option<String> {
    if !has_attr(loc, name) {
        return None;
    }
    loc.attr(name)
        .and_then(|a| a.read_scalar::<VarLenUnicode>())
        .ok()
        .map(|v| v.as_str().to_string())
}

fn read_attr_i64(loc: &hdf5::Location, name: &str) -> Option<i64> {
    if !has_attr(loc, name) {
        return None;
    }
    loc.attr(name).and_then(|a| a.read_scalar::<i64>()).ok()
}

/// The file's size in bytes.
fn file_len(path: &Path) -> Result<u64, OutputError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|source| OutputError::Io {
            path: path.to_path_buf(),
            context: "reading the file's size".into(),
            source,
        })
}

/// "3, 7, 12" (the first 10, then "... (N in all)").
fn list_sims(sims: &[usize]) -> String {
    let mut s: Vec<String> = sims.iter().take(10).map(|i| i.to_string()).collect();
    if sims.len() > 10 {
        s.push(format!("... ({} in all)", sims.len()));
    }
    s.join(", ")
}

fn same_f64s(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The handles of an open file, in SWMR-write mode.
struct Handles {
    ds_status: Dataset,
    ds_errors: Dataset,
    dipole: Option<[Dataset; 3]>,
    vsec: Vec<(Dataset, usize)>,
    summary: Vec<Dataset>,
    spikes: Option<SpikeStore>,
    status: Vec<u8>,
}

fn open_handles(file: &File, path: &Path, spec: &OutputSpec) -> Result<Handles, OutputError> {
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
        Some(SpikeStore::open(file, n_sims, n_trials).map_err(mismatch)?)
    } else {
        None
    };
    Ok(Handles {
        ds_status,
        ds_errors,
        dipole,
        vsec,
        summary,
        spikes,
        status,
    })
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

    fn from_parts(
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
            summary: h.summary,
            spikes: h.spikes,
            file,
            _lock: lock,
        }
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
                        // 512-byte nodes each fit in a page (see `swmr`).
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

        // /vsec
        if !spec.vsec.is_empty() {
            h5(
                (|| {
                    let g = file.create_group("vsec")?;
                    for v in &spec.vsec {
                        let n_traces = v.n_traces();
                        let ct = n_times.clamp(1, VSEC_CHUNK_ELEMS);
                        let kc = (VSEC_CHUNK_ELEMS / ct).clamp(1, n_traces.max(1));
                        let b = compressed(g.new_dataset::<f32>().chunk((1, 1, kc, ct)), deflate);
                        // As /dipole: two unlimited dimensions for a
                        // version-2 B-tree chunk index (see Crash safety).
                        let d = b
                            .fill_value(f32::NAN)
                            .shape(SimpleExtents::from_vec(vec![
                                Extent::resizable(n_sims),
                                Extent::resizable(n_trials),
                                Extent::fixed(n_traces),
                                Extent::fixed(n_times),
                            ]))
                            .create(v.name.as_str())?;
                        set_attr_str(&d, "units", "mV")?;
                        set_attr_str(
                            &d,
                            "description",
                            &format!(
                                "membrane potential at the middle of each section (sec(0.5)), \
                                 [sim, trial, trace, time], mV, single precision, at every \
                                 sample of /times, as hnn-core's record_vsec={:?}; trace i is \
                                 section {name}_sections[i] of cell {name}_gids[i]; NaN where \
                                 not simulated",
                                v.name,
                                name = v.name
                            ),
                        )?;
                        let gids: Vec<i64> = v.gids.iter().map(|&g| g as i64).collect();
                        g.new_dataset_builder()
                            .with_data(&gids[..])
                            .create(format!("{}_gids", v.name).as_str())?;
                        let names: Vec<VarLenUnicode> =
                            v.sections.iter().map(|n| vlen(n)).collect();
                        g.new_dataset_builder()
                            .with_data(&names[..])
                            .create(format!("{}_sections", v.name).as_str())?;
                    }
                    Ok(())
                })(),
                path,
                || "creating /vsec".into(),
            )?;
        }

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
            vsec,
            summary,
            spikes,
            ..
        } = self;
        drop((ds_status, ds_errors, dipole, vsec, summary, spikes));
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

    /// Before SWMR mode: a built spike CSR that cannot be read back is
    /// emptied, to be rebuilt by `close` from the work area.
    fn drop_damaged_csr(file: &File, path: &Path) -> Result<(), OutputError> {
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
                if !super::spikes::chunk_within(ds, &full, file_len) {
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
        self.spikes
            .as_ref()
            .is_none_or(|sp| sp.readable(sim, file_len))
    }

    /// Resets to pending (NaN data, status 0) every simulation marked done
    /// whose data do not read back; returns them. A file in which even
    /// that cannot be written is refused as damaged.
    fn reset_unreadable(&mut self) -> Result<Vec<usize>, OutputError> {
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
        for (name, values) in spec.param_names.iter().zip(&spec.param_values) {
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
    fn write_summary(&self, sim: usize, rows: Option<&[Vec<f64>]>) -> hdf5::Result<()> {
        let nan = vec![f64::NAN; self.n_trials];
        for (i, d) in self.summary.iter().enumerate() {
            let row = rows.map_or(&nan[..], |r| &r[i][..]);
            d.write_slice(ArrayView1::from(row), s![sim, ..])?;
        }
        Ok(())
    }

    /// `/dipole/*` of `sim`: per trial (agg, L2, L5), or NaN.
    fn write_dipoles(&self, sim: usize, dip: Option<&Vec<[Vec<f64>; 3]>>) -> hdf5::Result<()> {
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
    fn write_vsec(&self, sim: usize, vsec: Option<&Vec<Vec<Vec<f32>>>>) -> hdf5::Result<()> {
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

    fn write_error(&self, sim: usize, msg: &str) -> hdf5::Result<()> {
        let msg = error_text(msg);
        self.ds_errors
            .write_slice(ArrayView1::from(&[msg][..]), s![sim..sim + 1])
    }

    fn write_status(&mut self, sim: usize, status: u8) -> hdf5::Result<()> {
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
                if let Some(sp) = self.spikes.as_mut() {
                    h5(sp.append(sim, &r.spikes), &path, ctx("spikes"))?;
                }
            }
            Some(msg) => {
                // NaN over anything an interrupted attempt left
                h5(self.write_error(sim, msg), &path, ctx("/errors"))?;
                h5(self.write_dipoles(sim, None), &path, ctx("/dipole"))?;
                h5(self.write_vsec(sim, None), &path, ctx("/vsec"))?;
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

    /// Restores what an interrupted `write` may have left: simulations not
    /// done whose data are not NaN (their `/summary` row, or without
    /// statistics their first dipole sample) get NaN again, pending ones
    /// lose a message, done ones lose a leftover message. Returns how many
    /// simulations it touched.
    #[allow(clippy::needless_range_loop)] // several arrays by simulation
    fn scrub(&mut self) -> hdf5::Result<usize> {
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

    /// Finalises the file: builds the spike CSR (simulations not done get
    /// empty entries), flushes and closes. The file can still be resumed
    /// afterwards.
    pub fn close(mut self) -> Result<(), OutputError> {
        let path = self.path.clone();
        if let Some(sp) = self.spikes.as_mut() {
            h5(sp.finish(&self.file, &self.status), &path, || {
                "building the spike CSR".into()
            })?;
        }
        h5(self.file.flush(), &path, || "flushing the file".into())?;
        let OutputFile {
            file,
            ds_status,
            ds_errors,
            dipole,
            vsec,
            summary,
            spikes,
            _lock,
            ..
        } = self;
        drop((ds_status, ds_errors, dipole, vsec, summary, spikes));
        let closed = h5(file.close(), &path, || "closing the file".into());
        drop(_lock);
        closed
    }

    /// Whether `/spikes` holds a CSR of everything written (`None` when
    /// spikes are not saved): false from the first write after a `close`
    /// until the next.
    pub fn spikes_csr_complete(&self) -> Option<bool> {
        self.spikes.as_ref().map(|s| s.is_complete())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
