//! The `/fit` group of a fit's file (docs/output_format.md §12): the
//! objective and generation of every evaluation, and how the search ended.
//!
//! A fit's file has `[fit] max_evaluations` rows, sized at creation (SWMR
//! mode cannot resize `/params`' contiguous datasets nor create objects
//! later): row `i` is evaluation `i`; rows from `n_evals` on were never
//! asked for (status 0, NaN). The rows' `/params` values are written as the
//! search asks for them, before their simulations run; the objective when
//! the result arrives, before its `/status` (so that status 1 on disk
//! implies the objective is there). The attributes saying how the search
//! ended are written after the file is closed, in a plain (not SWMR) open:
//! SWMR mode changes no attribute.

use std::path::Path;

use hdf5::File;
use ndarray::{s, ArrayView1};

use super::error::OutputError;
use super::file::OutputFile;
use super::hdf5_util::{attr_f64, h5, set_attr_i64, set_attr_str};
use super::lock::WriterLock;
use super::spec::FitSpec;
use super::swmr;

/// How a fit ended: the `/fit` attributes written once it stops.
#[derive(Clone, Debug, PartialEq)]
pub struct FitSummary {
    /// Evaluations run (rows `0..n_evals` of the file).
    pub n_evals: usize,
    /// The evaluation of the smallest objective (the first of equals);
    /// `None` when every evaluation failed.
    pub best_index: Option<usize>,
    pub best_objective: f64,
    /// `max_evaluations`, `tolfun`, `rhoend`.
    pub stop_reason: String,
}

/// Creates `/fit` (before SWMR mode): its datasets and attributes, with
/// the values of a fit that has not run.
pub(super) fn create(file: &File, n_sims: usize, spec: &FitSpec) -> hdf5::Result<()> {
    use hdf5::plist::dataset_create::AllocTime;
    let g = file.create_group("fit")?;
    let objective = g
        .new_dataset::<f64>()
        .fill_value(f64::NAN)
        .alloc_time(Some(AllocTime::Early))
        .shape(n_sims)
        .create("objective")?;
    set_attr_str(
        &objective,
        "description",
        "objective of each evaluation (hnn-core's obj_fun value; inf: the simulation \
         failed); NaN where not evaluated",
    )?;
    let generation = g
        .new_dataset::<i64>()
        .fill_value(-1i64)
        .alloc_time(Some(AllocTime::Early))
        .shape(n_sims)
        .create("generation")?;
    set_attr_str(
        &generation,
        "description",
        "the search's ask (cma: generation; cobyla: evaluation) that proposed each \
         evaluation, from 0; -1 where not evaluated",
    )?;
    if let Some((times, agg)) = &spec.target {
        let t = g
            .new_dataset_builder()
            .with_data(&times[..])
            .create("target_times")?;
        set_attr_str(&t, "units", "ms")?;
        let a = g
            .new_dataset_builder()
            .with_data(&agg[..])
            .create("target_agg")?;
        set_attr_str(&a, "units", "nAm")?;
        set_attr_str(
            &a,
            "description",
            "the [fit] target's aggregate dipole as read from its file (not scaled nor smoothed)",
        )?;
    }
    set_attr_str(&g, "solver", &spec.solver)?;
    set_attr_str(&g, "objective", &spec.objective)?;
    write_summary_attrs(
        &g,
        &FitSummary {
            n_evals: 0,
            best_index: None,
            best_objective: f64::NAN,
            stop_reason: String::new(),
        },
        true,
    )
}

/// The summary attributes on `g`: created (`new`) or overwritten.
fn write_summary_attrs(g: &hdf5::Group, s: &FitSummary, new: bool) -> hdf5::Result<()> {
    let best = s.best_index.map_or(-1, |i| i as i64);
    if new {
        set_attr_i64(g, "n_evals", s.n_evals as i64)?;
        set_attr_i64(g, "best_index", best)?;
        attr_f64(g, "best_objective", s.best_objective)?;
        set_attr_str(g, "stop_reason", &s.stop_reason)?;
        return Ok(());
    }
    g.attr("n_evals")?.write_scalar(&(s.n_evals as i64))?;
    g.attr("best_index")?.write_scalar(&best)?;
    g.attr("best_objective")?.write_scalar(&s.best_objective)?;
    let reason: hdf5::types::VarLenUnicode = s
        .stop_reason
        .parse()
        .map_err(|_| hdf5::Error::from("stop reason with a NUL character"))?;
    g.attr("stop_reason")?.write_scalar(&reason)
}

/// What a fit's file holds of its evaluations (read to resume it).
#[derive(Clone, Debug, PartialEq)]
pub struct FitRows {
    /// `/fit/objective`, one per row.
    pub objective: Vec<f64>,
    /// `/params/<name>` in the order asked, one per row each.
    pub params: Vec<Vec<f64>>,
}

impl OutputFile {
    /// Writes the parameter values and the generation of the evaluation in
    /// row `sim`, before it runs.
    pub fn write_fit_point(
        &mut self,
        sim: usize,
        names: &[String],
        values: &[f64],
        generation: usize,
    ) -> Result<(), OutputError> {
        let path = self.path.clone();
        let ctx = || format!("writing /params and /fit/generation of evaluation {sim}");
        h5(
            (|| {
                for (name, v) in names.iter().zip(values) {
                    self.file
                        .dataset(&format!("params/{name}"))?
                        .write_slice(ArrayView1::from(&[*v][..]), s![sim..sim + 1])?;
                }
                self.file
                    .dataset("fit/generation")?
                    .write_slice(ArrayView1::from(&[generation as i64][..]), s![sim..sim + 1])
            })(),
            &path,
            ctx,
        )
    }

    /// Writes the objective of the evaluation in row `sim` (before its
    /// result, whose `/status` comes last).
    pub fn write_fit_objective(&mut self, sim: usize, objective: f64) -> Result<(), OutputError> {
        let path = self.path.clone();
        h5(
            self.file
                .dataset("fit/objective")
                .and_then(|d| d.write_slice(ArrayView1::from(&[objective][..]), s![sim..sim + 1])),
            &path,
            || format!("writing /fit/objective of evaluation {sim}"),
        )
    }

    /// The file's evaluations: `/fit/objective` and `/params/<name>` for
    /// `names`.
    pub fn read_fit_rows(&self, names: &[String]) -> Result<FitRows, OutputError> {
        let path = self.path.clone();
        h5(
            (|| {
                let objective = self.file.dataset("fit/objective")?.read_raw::<f64>()?;
                let params = names
                    .iter()
                    .map(|n| self.file.dataset(&format!("params/{n}"))?.read_raw::<f64>())
                    .collect::<hdf5::Result<Vec<_>>>()?;
                Ok(FitRows { objective, params })
            })(),
            &path,
            || "reading /fit/objective and /params to resume the fit".into(),
        )
    }

    /// Closes the file, then records how the fit ended in `/fit`'s
    /// attributes (a plain read-write open: SWMR mode changes none).
    pub fn close_fit(self, summary: &FitSummary) -> Result<(), OutputError> {
        let path = self.path.clone();
        self.close()?;
        write_fit_summary(&path, summary)
    }
}

/// Overwrites the `/fit` attributes of the closed file `path`.
fn write_fit_summary(path: &Path, summary: &FitSummary) -> Result<(), OutputError> {
    let _lock = WriterLock::acquire(path)?;
    let file = match swmr::open_rw(path) {
        Ok(swmr::OpenRw::Clean(f)) | Ok(swmr::OpenRw::Recovered(f)) => f,
        Err(e) => return h5(Err(e), path, || "reopening the file for /fit".into()),
    };
    h5(
        file.group("fit")
            .and_then(|g| write_summary_attrs(&g, summary, false))
            .and_then(|()| file.flush()),
        path,
        || "writing the /fit attributes".into(),
    )?;
    h5(file.close(), path, || "closing the file".into())
}
