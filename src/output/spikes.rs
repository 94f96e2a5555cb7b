//! `/spikes`: spikes arrive per simulation, out of order, into a work area;
//! [`SpikeStore::finish`] (at `close`) builds the CSR by (simulation,
//! trial). See the module docs of [`crate::output`] for the layout.
//!
//! Crash safety rests on two rules: during the run nothing already written
//! is rewritten or freed (each simulation's spikes start on a fresh chunk of
//! the work area), and the CSR is built into new datasets that replace the
//! old ones only once complete, through the `csr_state` attribute:
//! - `"none"`: no CSR yet (placeholders); spikes are in the work area;
//! - `"complete"`: the CSR holds every simulation done when it was built;
//!   simulations written since are in the work area (its index says which);
//! - `"swap"`: a new CSR is complete in `_next`; moving it into place (and
//!   the old CSR and work area out, into `_old`, deleted afterwards) is
//!   idempotent and is finished by `open` if it was interrupted.
//!
//! Anything an interrupted close leaves behind (`_next` before the swap,
//! `_old` after it) is never read again: it is renamed `_abandoned_<k>`
//! rather than traversed for deletion, as its metadata may be incomplete.

use hdf5::dataset::AllocTime;
use hdf5::filters::Filter;
use hdf5::types::VarLenUnicode;
use hdf5::{Dataset, File, Group, H5Type};
use ndarray::{s, Array2, ArrayView1};

use super::STATUS_DONE;

/// Chunk length (elements) of the work-area datasets, unless the caller
/// chooses.
pub(crate) const DEFAULT_WORK_CHUNK: usize = 4096;
/// Chunk length (elements) of the CSR datasets.
const CSR_CHUNK: usize = 65_536;
/// Spikes read or written at a time while building the CSR.
const COPY_PIECE: usize = 1 << 20;
/// (sim, trial) entries handled at a time while building the CSR.
const ENTRY_PIECE: usize = 1 << 16;

const WORK: &str = "_pending";
const NEXT: &str = "_next";
const OLD: &str = "_old";
const CSR: [&str; 3] = ["times", "gids", "offsets"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CsrState {
    None,
    Complete,
    Swap,
}

impl CsrState {
    fn name(self) -> &'static str {
        match self {
            CsrState::None => "none",
            CsrState::Complete => "complete",
            CsrState::Swap => "swap",
        }
    }
}

struct Work {
    times: Dataset,
    gids: Dataset,
    /// `[n_sims*n_trials, 2]`: (start, count) in `times`/`gids`; -1 unset.
    index: Dataset,
    chunk: usize,
}

pub(crate) struct SpikeStore {
    group: Group,
    n_sims: usize,
    n_trials: usize,
    deflate: Option<u8>,
    work_chunk: usize,
    state: CsrState,
    work: Option<Work>,
}

/// A chunked 1-D dataset of unlimited length, initially empty.
fn new_extendable<T: H5Type>(
    g: &Group,
    name: &str,
    chunk: usize,
    deflate: Option<u8>,
) -> hdf5::Result<Dataset> {
    let b = g.new_dataset::<T>().chunk(chunk);
    let b = match deflate {
        Some(level) => b.shuffle().deflate(level),
        None => b,
    };
    b.shape(0..).create(name)
}

pub(crate) fn set_attr_i64(loc: &hdf5::Location, name: &str, v: i64) -> hdf5::Result<()> {
    let a = if loc.attr_names()?.iter().any(|n| n == name) {
        loc.attr(name)?
    } else {
        loc.new_attr::<i64>().create(name)?
    };
    a.write_scalar(&v)
}

pub(crate) fn set_attr_str(loc: &hdf5::Location, name: &str, v: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = v
        .parse()
        .map_err(|_| hdf5::Error::from(format!("attribute `{name}` contains a NUL character")))?;
    let a = if loc.attr_names()?.iter().any(|n| n == name) {
        loc.attr(name)?
    } else {
        loc.new_attr::<VarLenUnicode>().create(name)?
    };
    a.write_scalar(&v)
}

fn append<T: H5Type>(ds: &Dataset, at: usize, data: &[T]) -> hdf5::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    ds.resize(at + data.len())?;
    ds.write_slice(ArrayView1::from(data), s![at..at + data.len()])
}

/// Creates the CSR datasets in `g`: empty `times`, `gids`; `offsets` all
/// -1 but `offsets[0] = 0`.
fn create_csr(g: &Group, n_entries: usize, deflate: Option<u8>) -> hdf5::Result<()> {
    let times = new_extendable::<f64>(g, "times", CSR_CHUNK, deflate)?;
    set_attr_str(&times, "units", "ms")?;
    new_extendable::<i64>(g, "gids", CSR_CHUNK, deflate)?;
    let offsets = g
        .new_dataset::<i64>()
        .fill_value(-1i64)
        .alloc_time(Some(AllocTime::Early))
        .shape(n_entries + 1)
        .create("offsets")?;
    offsets.write_slice(ArrayView1::from(&[0i64][..]), s![0..1])
}

/// Reads spans of a pair of (times, gids) datasets through a window of at
/// least `COPY_PIECE` elements: sources are mostly read in order.
struct Window<'a> {
    times: &'a Dataset,
    gids: &'a Dataset,
    len: usize,
    start: usize,
    tv: Vec<f64>,
    gv: Vec<i64>,
}

impl<'a> Window<'a> {
    fn new(times: &'a Dataset, gids: &'a Dataset) -> Self {
        let len = times.shape()[0].min(gids.shape()[0]);
        Window {
            times,
            gids,
            len,
            start: 0,
            tv: Vec::new(),
            gv: Vec::new(),
        }
    }

    fn copy(
        &mut self,
        first: usize,
        count: usize,
        out_t: &mut Vec<f64>,
        out_g: &mut Vec<i64>,
    ) -> hdf5::Result<()> {
        if count == 0 {
            return Ok(());
        }
        if first + count > self.len {
            return Err(format!(
                "spike span {first}..{} lies past the end ({}) of {}",
                first + count,
                self.len,
                self.times.name()
            )
            .into());
        }
        if first < self.start || first + count > self.start + self.tv.len() {
            let end = (first + count.max(COPY_PIECE)).min(self.len);
            self.tv = self.times.read_slice_1d::<f64, _>(s![first..end])?.to_vec();
            self.gv = self.gids.read_slice_1d::<i64, _>(s![first..end])?.to_vec();
            self.start = first;
        }
        let a = first - self.start;
        out_t.extend_from_slice(&self.tv[a..a + count]);
        out_g.extend_from_slice(&self.gv[a..a + count]);
        Ok(())
    }
}

impl SpikeStore {
    /// Creates `/spikes` in `root`: placeholder CSR and an empty work area.
    pub(crate) fn create(
        root: &Group,
        n_sims: usize,
        n_trials: usize,
        work_chunk: usize,
        deflate: Option<u8>,
    ) -> hdf5::Result<Self> {
        let group = root.create_group("spikes")?;
        create_csr(&group, n_sims * n_trials, deflate)?;
        set_attr_str(
            &group,
            "description",
            "all spikes in CSR form by (simulation, trial): the spikes of simulation i, \
             trial t are times[offsets[i*n_trials+t] : offsets[i*n_trials+t+1]] (gids \
             likewise); valid when csr_state is \"complete\" (built by close)",
        )?;
        set_attr_str(&group, "csr_state", CsrState::None.name())?;
        let mut store = SpikeStore {
            group,
            n_sims,
            n_trials,
            deflate,
            work_chunk,
            state: CsrState::None,
            work: None,
        };
        store.work_area()?;
        Ok(store)
    }

    /// Opens `/spikes` of an existing file and finishes or sets aside what an
    /// interrupted `close` left (the caller flushes afterwards).
    pub(crate) fn open(
        root: &Group,
        file: &File,
        n_sims: usize,
        n_trials: usize,
    ) -> Result<Self, String> {
        let h = |e: hdf5::Error| format!("/spikes: {e}");
        let group = root.group("spikes").map_err(h)?;
        let state = match group
            .attr("csr_state")
            .and_then(|a| a.read_scalar::<VarLenUnicode>())
            .map_err(h)?
            .as_str()
        {
            "none" => CsrState::None,
            "complete" => CsrState::Complete,
            "swap" => CsrState::Swap,
            other => return Err(format!("/spikes has an unknown csr_state {other:?}")),
        };
        // (an interrupted swap may have moved `times` aside already)
        let probe = if group.link_exists("times") {
            "times"
        } else {
            "_next/times"
        };
        let deflate = group
            .dataset(probe)
            .map_err(h)?
            .filters()
            .iter()
            .find_map(|f| match f {
                Filter::Deflate(level) => Some(*level),
                _ => None,
            });
        let mut store = SpikeStore {
            group,
            n_sims,
            n_trials,
            deflate,
            work_chunk: DEFAULT_WORK_CHUNK,
            state,
            work: None,
        };
        match state {
            CsrState::Swap => store.swap(file).map_err(h)?,
            _ => {
                for name in [NEXT, OLD] {
                    if store.group.link_exists(name) {
                        store.abandon(name).map_err(h)?;
                    }
                }
            }
        }
        if store.group.link_exists(WORK) {
            store.work = Some(store.open_work().map_err(h)?);
        } else if store.state == CsrState::None {
            return Err(format!("/spikes/{WORK} is missing"));
        }
        let off = store.group.dataset("offsets").map_err(h)?;
        if off.shape() != [n_sims * n_trials + 1] {
            return Err(format!(
                "/spikes/offsets has shape {:?}, expected [{}]",
                off.shape(),
                n_sims * n_trials + 1
            ));
        }
        Ok(store)
    }

    /// Renames `name` out of the way, without reading it.
    fn abandon(&self, name: &str) -> hdf5::Result<()> {
        let mut k = 0;
        while self.group.link_exists(&format!("_abandoned_{k}")) {
            k += 1;
        }
        let to = format!("_abandoned_{k}");
        log::warn!(
            "{}/{name}: left by an interrupted close; renamed {to} (h5repack removes it)",
            self.group.name()
        );
        self.group.relink(name, &to)
    }

    fn open_work(&self) -> hdf5::Result<Work> {
        let g = self.group.group(WORK)?;
        let times = g.dataset("times")?;
        let chunk = times.chunk().and_then(|c| c.first().copied()).unwrap_or(1);
        let index = g.dataset("index")?;
        if index.shape() != [self.n_sims * self.n_trials, 2] {
            return Err(format!(
                "/spikes/{WORK}/index has shape {:?}, expected [{}, 2]",
                index.shape(),
                self.n_sims * self.n_trials
            )
            .into());
        }
        Ok(Work {
            times,
            gids: g.dataset("gids")?,
            index,
            chunk,
        })
    }

    /// The work area, created if needed.
    fn work_area(&mut self) -> hdf5::Result<&Work> {
        if self.work.is_none() {
            let g = self.group.create_group(WORK)?;
            new_extendable::<f64>(&g, "times", self.work_chunk, self.deflate)?;
            new_extendable::<i64>(&g, "gids", self.work_chunk, self.deflate)?;
            g.new_dataset::<i64>()
                .fill_value(-1i64)
                .alloc_time(Some(AllocTime::Early))
                .shape((self.n_sims * self.n_trials, 2))
                .create("index")?;
            set_attr_str(
                &g,
                "description",
                "spikes of the simulations written since the CSR was last built, in \
                 arrival order; index[i*n_trials+t] = (start, count) in times/gids, -1 \
                 when not written here",
            )?;
            self.work = Some(self.open_work()?);
        }
        Ok(self.work.as_ref().unwrap())
    }

    /// Stores the spikes of `sim` (one entry per trial) in the work area,
    /// starting on a fresh chunk. The caller flushes and then sets the
    /// status.
    pub(crate) fn append(
        &mut self,
        sim: usize,
        spikes: &[(Vec<f64>, Vec<i64>)],
    ) -> hdf5::Result<()> {
        let n_trials = self.n_trials;
        let w = self.work_area()?;
        // After an interrupted earlier write the two may differ; stale data
        // stay unreferenced (their index entries are overwritten below).
        let end = w.times.shape()[0].max(w.gids.shape()[0]);
        let pos = end.div_ceil(w.chunk) * w.chunk;
        let total: usize = spikes.iter().map(|(t, _)| t.len()).sum();
        let mut times = Vec::with_capacity(total);
        let mut gids = Vec::with_capacity(total);
        let mut index = Array2::<i64>::zeros((n_trials, 2));
        for (t, (tt, gg)) in spikes.iter().enumerate() {
            index[[t, 0]] = (pos + times.len()) as i64;
            index[[t, 1]] = tt.len() as i64;
            times.extend_from_slice(tt);
            gids.extend_from_slice(gg);
        }
        append(&w.times, pos, &times)?;
        append(&w.gids, pos, &gids)?;
        let row = sim * n_trials;
        w.index.write_slice(&index, s![row..row + n_trials, ..])
    }

    /// True when the CSR needs no rebuilding.
    pub(crate) fn is_complete(&self) -> bool {
        self.state == CsrState::Complete && self.work.is_none()
    }

    /// Builds the CSR of every simulation with status 1 (others get empty
    /// entries) from the old CSR and the work area, then swaps it in and
    /// deletes the work area.
    pub(crate) fn finish(&mut self, file: &File, status: &[u8]) -> hdf5::Result<()> {
        if self.is_complete() {
            return Ok(());
        }
        let t_n = self.n_trials;
        let n_e = self.n_sims * t_n;
        let next = self.group.create_group(NEXT)?;
        create_csr(&next, n_e, self.deflate)?;
        let (nt, ng, no) = (
            next.dataset("times")?,
            next.dataset("gids")?,
            next.dataset("offsets")?,
        );
        let old = if self.state == CsrState::Complete {
            Some((
                self.group.dataset("times")?,
                self.group.dataset("gids")?,
                self.group.dataset("offsets")?,
            ))
        } else {
            None
        };
        let mut old_win = old.as_ref().map(|(t, g, _)| Window::new(t, g));
        let mut work_win = self.work.as_ref().map(|w| Window::new(&w.times, &w.gids));
        let mut buf_t: Vec<f64> = Vec::new();
        let mut buf_g: Vec<i64> = Vec::new();
        let mut written = 0usize;
        let mut e0 = 0;
        while e0 < n_e {
            let e1 = (e0 + ENTRY_PIECE).min(n_e);
            let idx = match &self.work {
                Some(w) => Some(w.index.read_slice_2d::<i64, _>(s![e0..e1, ..])?),
                None => None,
            };
            let old_off = match &old {
                Some((_, _, o)) => Some(o.read_slice_1d::<i64, _>(s![e0..e1 + 1])?),
                None => None,
            };
            let mut offs = Vec::with_capacity(e1 - e0);
            for e in e0..e1 {
                let sim = e / t_n;
                if status[sim] == STATUS_DONE {
                    let i = e - e0;
                    let in_work = idx
                        .as_ref()
                        .map(|x| (x[[i, 0]], x[[i, 1]]))
                        .filter(|&(a, c)| a >= 0 && c >= 0);
                    let in_old = old_off
                        .as_ref()
                        .map(|o| (o[i], o[i + 1] - o[i]))
                        .filter(|&(a, c)| a >= 0 && c >= 0);
                    match (in_work, in_old, work_win.as_mut(), old_win.as_mut()) {
                        (Some((a, c)), _, Some(w), _) | (None, Some((a, c)), _, Some(w)) => {
                            w.copy(a as usize, c as usize, &mut buf_t, &mut buf_g)?
                        }
                        _ => {
                            return Err(format!(
                                "the spikes of simulation {sim}, trial {} are missing \
                                 although its status is 1",
                                e % t_n
                            )
                            .into())
                        }
                    }
                }
                offs.push((written + buf_t.len()) as i64);
                if buf_t.len() >= COPY_PIECE {
                    append(&nt, written, &buf_t)?;
                    append(&ng, written, &buf_g)?;
                    written += buf_t.len();
                    buf_t.clear();
                    buf_g.clear();
                }
            }
            no.write_slice(ArrayView1::from(&offs[..]), s![e0 + 1..e1 + 1])?;
            e0 = e1;
        }
        append(&nt, written, &buf_t)?;
        append(&ng, written, &buf_g)?;
        drop((old_win, work_win));
        drop((old, nt, ng, no, next));
        file.flush()?;
        set_attr_str(&self.group, "csr_state", CsrState::Swap.name())?;
        file.flush()?;
        self.state = CsrState::Swap;
        self.swap(file)
    }

    /// Moves the complete new CSR into place (idempotent), then deletes
    /// what it replaced.
    fn swap(&mut self, file: &File) -> hdf5::Result<()> {
        self.work = None;
        let g = &self.group;
        if !g.link_exists(OLD) {
            g.create_group(OLD)?;
        }
        for x in CSR {
            let from = format!("{NEXT}/{x}");
            if g.link_exists(NEXT) && g.link_exists(&from) {
                if g.link_exists(x) {
                    g.relink(x, &format!("{OLD}/{x}"))?;
                }
                g.relink(&from, x)?;
            }
        }
        for x in [WORK, NEXT] {
            if g.link_exists(x) {
                g.relink(x, &format!("{OLD}/{x}"))?;
            }
        }
        set_attr_str(g, "csr_state", CsrState::Complete.name())?;
        file.flush()?;
        self.state = CsrState::Complete;
        g.unlink(OLD)?;
        file.flush()
    }
}
