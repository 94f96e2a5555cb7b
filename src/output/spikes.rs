//! `/spikes`: spikes arrive per simulation, out of order, into a work area
//! (`/spikes/_pending`); [`SpikeStore::finish`] (at `close`) builds the CSR
//! by (simulation, trial) from it. The layout is docs/output_format.md §6.
//!
//! Everything here runs in SWMR-write mode, so it only writes and extends
//! datasets created with the file:
//! - each simulation's spikes start on a fresh chunk of the work area, so
//!   that nothing already written is rewritten;
//! - the CSR is valid exactly when `offsets[n_sims*n_trials]` is not -1:
//!   the first write after a build sets it to -1 (before the simulation's
//!   status), a build writes it last, after everything else is flushed.
//!   The work area is kept (it is the CSR's source), so a build can always
//!   be redone.

use std::path::Path;

use hdf5::dataset::AllocTime;
use hdf5::{Dataset, Extent, Group, H5Type, SimpleExtents};
use ndarray::{s, Array2, ArrayView1, ArrayView2};

use super::chunks::chunk_within;
use super::error::OutputError;
use super::hdf5_util::{compressed, set_attr_str};
use super::layout::STATUS_DONE;

/// Chunk length (elements) of the work-area datasets, unless the caller
/// chooses.
pub(super) const DEFAULT_WORK_CHUNK: usize = 4096;
/// Chunk length (elements) of the CSR datasets.
const CSR_CHUNK: usize = 65_536;
/// Spikes written at a time while building the CSR: one chunk, so the
/// build's buffers (about 1 MB) do not grow with the number of spikes.
const COPY_PIECE: usize = CSR_CHUNK;
/// (sim, trial) index entries read at a time while building the CSR.
const ENTRY_PIECE: usize = 1 << 16;

const WORK: &str = "_pending";

pub(super) struct SpikeStore {
    times: Column,
    gids: Column,
    offsets: Dataset,
    work_times: Column,
    work_gids: Column,
    /// `[n_sims*n_trials, 2]`: (start, count) in the work area; -1 unset.
    work_index: Dataset,
    work_chunk: usize,
    n_sims: usize,
    n_trials: usize,
    /// `offsets[n_sims*n_trials] != -1`
    csr_valid: bool,
}

/// A growable column of values: 1-D (the CSR), or `[n, 1]` with both
/// dimensions unlimited (the work area, written during the run: its chunk
/// index is then a version-2 B-tree, whose small nodes a kill cannot leave
/// half-written; docs/output_format.md §9).
struct Column {
    ds: Dataset,
    two_d: bool,
}

impl Column {
    /// Creates an empty column.
    fn create<T: H5Type>(
        g: &Group,
        name: &str,
        chunk: usize,
        deflate: Option<u8>,
        two_d: bool,
    ) -> hdf5::Result<Dataset> {
        let b = if two_d {
            g.new_dataset::<T>().chunk((chunk, 1))
        } else {
            g.new_dataset::<T>().chunk(chunk)
        };
        let b = compressed(b, deflate);
        if two_d {
            b.shape(SimpleExtents::from_vec(vec![
                Extent::resizable(0),
                Extent::resizable(1),
            ]))
            .create(name)
        } else {
            b.shape(0..).create(name)
        }
    }

    fn open(ds: Dataset) -> Self {
        let two_d = ds.ndim() == 2;
        Column { ds, two_d }
    }

    fn len(&self) -> usize {
        self.ds.shape()[0]
    }

    /// Chunk length along the first dimension.
    fn chunk(&self) -> usize {
        self.ds
            .chunk()
            .and_then(|c| c.first().copied())
            .unwrap_or(1)
    }

    /// Writes `data` from position `at`, extending the column if needed.
    fn write_at<T: H5Type>(&self, at: usize, data: &[T]) -> hdf5::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let end = at + data.len();
        if self.len() < end {
            if self.two_d {
                self.ds.resize((end, 1))?;
            } else {
                self.ds.resize(end)?;
            }
        }
        if self.two_d {
            let view = ArrayView2::from_shape((data.len(), 1), data).expect("shape");
            self.ds.write_slice(view, s![at..end, ..])
        } else {
            self.ds.write_slice(ArrayView1::from(data), s![at..end])
        }
    }

    fn read<T: H5Type>(&self, a: usize, b: usize) -> hdf5::Result<Vec<T>> {
        if self.two_d {
            Ok(self
                .ds
                .read_slice_2d::<T, _>(s![a..b, ..])?
                .into_raw_vec_and_offset()
                .0)
        } else {
            Ok(self
                .ds
                .read_slice_1d::<T, _>(s![a..b])?
                .into_raw_vec_and_offset()
                .0)
        }
    }
}

fn write_one_i64(ds: &Dataset, at: usize, v: i64) -> hdf5::Result<()> {
    ds.write_slice(ArrayView1::from(&[v][..]), s![at..at + 1])
}

impl SpikeStore {
    /// Creates `/spikes` in `root` (before SWMR mode starts).
    pub(super) fn create(
        root: &Group,
        n_sims: usize,
        n_trials: usize,
        work_chunk: usize,
        deflate: Option<u8>,
    ) -> hdf5::Result<()> {
        let n_e = n_sims * n_trials;
        let g = root.create_group("spikes")?;
        set_attr_str(
            &g,
            "description",
            "all spikes in CSR form by (simulation, trial): the spikes of simulation i, \
             trial t are times[offsets[i*n_trials+t] : offsets[i*n_trials+t+1]] (gids \
             likewise). Valid when offsets[-1] is not -1 (built by close).",
        )?;
        let times = Column::create::<f64>(&g, "times", CSR_CHUNK, deflate, false)?;
        set_attr_str(&times, "units", "ms")?;
        Column::create::<i64>(&g, "gids", CSR_CHUNK, deflate, false)?;
        let offsets = g
            .new_dataset::<i64>()
            .fill_value(-1i64)
            .alloc_time(Some(AllocTime::Early))
            .shape(n_e + 1)
            .create("offsets")?;
        write_one_i64(&offsets, 0, 0)?;

        let w = g.create_group(WORK)?;
        set_attr_str(
            &w,
            "description",
            "work area: the spikes of each simulation as it was written, in arrival \
             order, each simulation from a fresh chunk; index[i*n_trials+t] = (start, \
             count) in times/gids, -1 when not written. The CSR is built from it.",
        )?;
        let t = Column::create::<f64>(&w, "times", work_chunk, deflate, true)?;
        set_attr_str(&t, "units", "ms")?;
        Column::create::<i64>(&w, "gids", work_chunk, deflate, true)?;
        w.new_dataset::<i64>()
            .fill_value(-1i64)
            .alloc_time(Some(AllocTime::Early))
            .shape((n_e, 2))
            .create("index")?;
        Ok(())
    }

    /// Opens `/spikes` of the file at `path`; a missing or misshapen
    /// dataset is a [`OutputError::LayoutMismatch`].
    pub(super) fn open(
        root: &Group,
        path: &Path,
        n_sims: usize,
        n_trials: usize,
    ) -> Result<Self, OutputError> {
        let mismatch = |what: String| OutputError::LayoutMismatch {
            path: path.to_path_buf(),
            what,
        };
        let h = |e: hdf5::Error| mismatch(format!("/spikes: {e}"));
        let n_e = n_sims * n_trials;
        let g = root.group("spikes").map_err(h)?;
        let w = g.group(WORK).map_err(h)?;
        let offsets = g.dataset("offsets").map_err(h)?;
        let work_index = w.dataset("index").map_err(h)?;
        if offsets.shape() != [n_e + 1] || work_index.shape() != [n_e, 2] {
            return Err(mismatch(format!(
                "/spikes/offsets has shape {:?} and /spikes/{WORK}/index {:?}, \
                 expected [{}] and [{n_e}, 2]",
                offsets.shape(),
                work_index.shape(),
                n_e + 1
            )));
        }
        let last = offsets
            .read_slice_1d::<i64, _>(s![n_e..n_e + 1])
            .map_err(h)?[0];
        // The columns as created (1-D CSR, `[m, 1]` work area): anything
        // else is another layout, not a reason to index out of bounds.
        let column = |g: &Group, name: &str, two_d: bool| -> Result<Column, OutputError> {
            let ds = g.dataset(name).map_err(h)?;
            let shape = ds.shape();
            let fits = if two_d {
                shape.len() == 2 && shape[1] == 1
            } else {
                shape.len() == 1
            };
            if !fits {
                let (full, want) = if two_d {
                    (format!("{WORK}/{name}"), "[m, 1]")
                } else {
                    (name.to_string(), "[m]")
                };
                return Err(mismatch(format!(
                    "/spikes/{full} has shape {shape:?}, expected {want}"
                )));
            }
            Ok(Column::open(ds))
        };
        let work_times = column(&w, "times", true)?;
        let work_chunk = work_times.chunk();
        Ok(SpikeStore {
            times: column(&g, "times", false)?,
            gids: column(&g, "gids", false)?,
            offsets,
            work_times,
            work_gids: column(&w, "gids", true)?,
            work_index,
            work_chunk,
            n_sims,
            n_trials,
            csr_valid: last >= 0,
        })
    }

    /// Stores the spikes of `sim` (one entry per trial) in the work area,
    /// from a fresh chunk. The caller flushes and then sets the status.
    pub(super) fn append(
        &mut self,
        sim: usize,
        spikes: &[(Vec<f64>, Vec<i64>)],
    ) -> hdf5::Result<()> {
        if self.csr_valid {
            write_one_i64(&self.offsets, self.n_sims * self.n_trials, -1)?;
            self.csr_valid = false;
        }
        // After an interrupted earlier write the two may differ; stale data
        // stay unreferenced (their index entries are overwritten below).
        let end = self.work_times.len().max(self.work_gids.len());
        let pos = end.div_ceil(self.work_chunk) * self.work_chunk;
        let total: usize = spikes.iter().map(|(t, _)| t.len()).sum();
        let mut times = Vec::with_capacity(total);
        let mut gids = Vec::with_capacity(total);
        let mut index = Array2::<i64>::zeros((self.n_trials, 2));
        for (t, (tt, gg)) in spikes.iter().enumerate() {
            index[[t, 0]] = (pos + times.len()) as i64;
            index[[t, 1]] = tt.len() as i64;
            times.extend_from_slice(tt);
            gids.extend_from_slice(gg);
        }
        self.work_times.write_at(pos, &times)?;
        self.work_gids.write_at(pos, &gids)?;
        let row = sim * self.n_trials;
        self.work_index
            .write_slice(&index, s![row..row + self.n_trials, ..])
    }

    /// Whether the work-area spikes of `sim` (status 1) can be read back:
    /// its index rows are set, its chunks lie within the file's
    /// `file_len` bytes and decode.
    pub(super) fn readable(&self, sim: usize, file_len: u64) -> bool {
        let row = sim * self.n_trials;
        let Ok(idx) = self
            .work_index
            .read_slice_2d::<i64, _>(s![row..row + self.n_trials, ..])
        else {
            return false;
        };
        let work_len = self.work_times.len().min(self.work_gids.len()) as i64;
        let (mut lo, mut hi) = (i64::MAX, 0);
        for r in idx.rows() {
            let (a, c) = (r[0], r[1]);
            if a < 0 || c < 0 || a + c > work_len {
                return false;
            }
            if c > 0 {
                lo = lo.min(a);
                hi = hi.max(a + c);
            }
        }
        if hi <= lo {
            return true;
        }
        let (lo, hi) = (lo as usize, hi as usize);
        let chunk = self.work_chunk;
        for col in [&self.work_times, &self.work_gids] {
            let mut c = lo / chunk * chunk;
            while c < hi {
                if !chunk_within(&col.ds, &[c as u64, 0], file_len) {
                    return false;
                }
                c += chunk;
            }
        }
        self.work_times.read::<f64>(lo, hi).is_ok() && self.work_gids.read::<i64>(lo, hi).is_ok()
    }

    /// Marks the CSR as not built (`offsets[-1] = -1`): the next `finish`
    /// rebuilds it.
    pub(super) fn invalidate_csr(&mut self) -> hdf5::Result<()> {
        write_one_i64(&self.offsets, self.n_sims * self.n_trials, -1)?;
        self.csr_valid = false;
        Ok(())
    }

    /// Before SWMR mode (objects may still change): when the file claims
    /// a built CSR that cannot be read back (chunks past the file's
    /// `file_len` bytes, or not decoding), empties `/spikes/times` and
    /// `/spikes/gids` and marks the CSR unbuilt, so that `finish` writes
    /// fresh chunks instead of updating damaged ones. Returns whether it
    /// did.
    pub(super) fn drop_damaged_csr(root: &Group, file_len: u64) -> hdf5::Result<bool> {
        let g = root.group("spikes")?;
        let offsets = g.dataset("offsets")?;
        // a misshapen `offsets` is refused later, by `open`
        let n = offsets.shape().first().copied().unwrap_or(0);
        if n == 0 || offsets.read_slice_1d::<i64, _>(s![n - 1..n])?[0] < 0 {
            return Ok(false);
        }
        let times = g.dataset("times")?;
        let gids = g.dataset("gids")?;
        let intact = |ds: &Dataset, read: &dyn Fn(usize, usize) -> bool| {
            let len = ds.shape().first().copied().unwrap_or(0);
            let chunk = ds.chunk().and_then(|c| c.first().copied()).unwrap_or(1);
            (0..len)
                .step_by(chunk.max(1))
                .all(|c| chunk_within(ds, &[c as u64], file_len) && read(c, (c + chunk).min(len)))
        };
        let ok = intact(&times, &|a, b| {
            times.read_slice_1d::<f64, _>(s![a..b]).is_ok()
        }) && intact(&gids, &|a, b| {
            gids.read_slice_1d::<i64, _>(s![a..b]).is_ok()
        });
        if ok {
            return Ok(false);
        }
        write_one_i64(&offsets, n - 1, -1)?;
        times.resize(0)?;
        gids.resize(0)?;
        Ok(true)
    }

    /// True when the CSR holds every simulation written.
    pub(super) fn is_complete(&self) -> bool {
        self.csr_valid
    }

    /// Builds the CSR of every simulation with status 1 (others get empty
    /// entries) from the work area, in place; `offsets[-1]` last.
    #[allow(clippy::needless_range_loop)] // status and index by simulation
    pub(super) fn finish(&mut self, file: &hdf5::File, status: &[u8]) -> hdf5::Result<()> {
        if self.csr_valid {
            return Ok(());
        }
        let t_n = self.n_trials;
        let n_e = self.n_sims * t_n;
        let work_len = self.work_times.len().min(self.work_gids.len());
        let mut buf_t: Vec<f64> = Vec::new();
        let mut buf_g: Vec<i64> = Vec::new();
        let mut written = 0usize;
        let sims_per_piece = (ENTRY_PIECE / t_n).max(1);
        let mut s0 = 0;
        while s0 < self.n_sims {
            let s1 = (s0 + sims_per_piece).min(self.n_sims);
            let (e0, e1) = (s0 * t_n, s1 * t_n);
            let idx = self.work_index.read_slice_2d::<i64, _>(s![e0..e1, ..])?;
            let mut offs = Vec::with_capacity(e1 - e0);
            for sim in s0..s1 {
                if status[sim] == STATUS_DONE {
                    // a simulation's trials lie together in the work area:
                    // read them at once
                    let rows = (sim - s0) * t_n..(sim - s0 + 1) * t_n;
                    let mut lo = usize::MAX;
                    let mut hi = 0;
                    for r in rows.clone() {
                        let (a, c) = (idx[[r, 0]], idx[[r, 1]]);
                        if a < 0 || c < 0 || (a + c) as usize > work_len {
                            return Err(format!(
                                "the spikes of simulation {sim}, trial {} are missing \
                                 from the work area although its status is 1",
                                r % t_n
                            )
                            .into());
                        }
                        if c > 0 {
                            lo = lo.min(a as usize);
                            hi = hi.max((a + c) as usize);
                        }
                    }
                    if hi > lo {
                        let tv = self.work_times.read::<f64>(lo, hi)?;
                        let gv = self.work_gids.read::<i64>(lo, hi)?;
                        for r in rows {
                            let a = idx[[r, 0]] as usize - lo;
                            let c = idx[[r, 1]] as usize;
                            if c > 0 {
                                buf_t.extend_from_slice(&tv[a..a + c]);
                                buf_g.extend_from_slice(&gv[a..a + c]);
                            }
                            offs.push((written + buf_t.len()) as i64);
                        }
                    } else {
                        offs.extend(std::iter::repeat_n((written + buf_t.len()) as i64, t_n));
                    }
                } else {
                    offs.extend(std::iter::repeat_n((written + buf_t.len()) as i64, t_n));
                }
                if buf_t.len() >= COPY_PIECE {
                    self.times.write_at(written, &buf_t)?;
                    self.gids.write_at(written, &buf_g)?;
                    written += buf_t.len();
                    buf_t.clear();
                    buf_g.clear();
                }
            }
            // offsets[n_e] (validity) is written last, below
            let n = if e1 == n_e {
                offs.len() - 1
            } else {
                offs.len()
            };
            if n > 0 {
                self.offsets
                    .write_slice(ArrayView1::from(&offs[..n]), s![e0 + 1..e0 + 1 + n])?;
            }
            s0 = s1;
        }
        self.times.write_at(written, &buf_t)?;
        self.gids.write_at(written, &buf_g)?;
        written += buf_t.len();
        file.flush()?;
        write_one_i64(&self.offsets, n_e, written as i64)?;
        file.flush()?;
        self.csr_valid = true;
        Ok(())
    }
}
