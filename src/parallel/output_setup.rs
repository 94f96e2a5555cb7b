//! Rank 0's output file set-up: where it goes (and who to blame for a
//! path that cannot be used), its layout from the plan, creating it or
//! resuming it as the command line asks, and what `--dry-run` prints
//! (docs/cli.md, "Output file"; docs/output_format.md).

use std::path::{Path, PathBuf};

use log::info;

use super::{RunOptions, SweepError};
use crate::config::{Config, SaveItem};
use crate::output::{OutputError, OutputFile, OutputSpec, STATUS_DONE};
use crate::sweep::{sample_times, SweepPlan};

/// FNV-1a, 64 bit: a stable hash (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Hash of what defines the simulations (not where they are written, nor
/// how many ranks run them): `--resume` refuses a file with another.
pub fn definition_hash(config: &Config) -> String {
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        config.simulation,
        config.network,
        config.drives,
        config.sweep,
        config.summary,
        config.output.save
    );
    let mut text = text;
    if let Some(fit) = &config.fit {
        // Only a fit's: a sweep's hash stays what it was.
        text.push_str(&format!("|{fit:?}"));
    }
    let mut bytes = text.into_bytes();
    // A parameter file or network file defines the network as much as the
    // config does.
    let files = [
        config.network.params_file.as_ref(),
        match &config.network.model {
            crate::config::ModelSource::HnnJson(p) => Some(p),
            _ => None,
        },
    ];
    // A fit's target defines what it minimises.
    let target = config.fit.as_ref().and_then(|f| f.target.as_ref());
    for p in files.into_iter().chain([target]).flatten() {
        if let Ok(content) = std::fs::read(config.input_path(p)) {
            bytes.extend(content);
        }
    }
    format!("fnv1a64:{:016x}", fnv1a(&bytes))
}

/// The output path: `--output`, else `[output] path`.
pub fn output_path(options: &RunOptions, config: &Config) -> PathBuf {
    options
        .output
        .clone()
        .unwrap_or_else(|| config.output.path.clone())
}

/// Where the output path came from, for messages that blame it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputPathSource {
    /// `-o` / `--output`.
    CommandLine,
    /// `[output] path` in the config file.
    Config,
    /// Neither: `results/<config stem>.h5`.
    Default,
}

impl OutputPathSource {
    pub fn of(options: &RunOptions, config: &Config) -> Self {
        if options.output.is_some() {
            OutputPathSource::CommandLine
        } else if config.spells_out("output.path") {
            OutputPathSource::Config
        } else {
            OutputPathSource::Default
        }
    }

    /// `message` prefixed with the source: `--output: ...`,
    /// `FILE:LINE: output.path: ...`, or `the default output path P: ...`.
    pub fn blame(self, config: &Config, path: &Path, message: impl Into<String>) -> String {
        let message = message.into();
        match self {
            OutputPathSource::CommandLine => format!("--output: {message}"),
            OutputPathSource::Config => config.error_at("output.path", message).to_string(),
            OutputPathSource::Default => format!(
                "the default output path {} (set [output] path or --output to choose \
                 another): {message}",
                path.display()
            ),
        }
    }
}

/// The directories above `path` that do not exist, outermost first; an
/// error message when one that exists is not a directory (symlinks
/// followed) or cannot be examined.
fn missing_parents(path: &Path) -> Result<Vec<PathBuf>, String> {
    let mut missing = Vec::new();
    for dir in path.ancestors().skip(1) {
        if dir.as_os_str().is_empty() {
            break;
        }
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => return Err(format!("{} is not a directory", dir.display())),
            // ENOTDIR: an ancestor is a file; found (and named) further up
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(libc::ENOTDIR) =>
            {
                missing.push(dir.to_path_buf())
            }
            Err(e) => return Err(format!("cannot examine {}: {e}", dir.display())),
        }
    }
    missing.reverse();
    Ok(missing)
}

/// Creates the missing directories above `path` (as `mkdir -p`), logging
/// each; the message says which failed and why.
fn create_parents(path: &Path) -> Result<(), String> {
    for dir in missing_parents(path)? {
        match std::fs::create_dir(&dir) {
            Ok(()) => info!("created directory {}", dir.display()),
            // created meanwhile by someone else: fine if it is a directory
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(format!("cannot create directory {}: {e}", dir.display())),
        }
    }
    Ok(())
}

/// The file layout of a plan.
pub fn output_spec(plan: &SweepPlan, mpi_ranks: usize) -> OutputSpec {
    let first = plan.config.resolve(&plan.points[0]).expect("checked");
    let s = &first.simulation;
    let times = sample_times(s.tstop, s.dt);
    let param_names: Vec<String> = plan
        .config
        .sweep
        .as_ref()
        .map(|sw| sw.params.iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    let param_values = param_names
        .iter()
        .map(|n| plan.points.iter().map(|p| p[n]).collect())
        .collect();
    OutputSpec {
        config_text: plan.config.text.clone(),
        definition_hash: definition_hash(&plan.config),
        git_commit: OutputSpec::build_git_commit(),
        n_sims: plan.n_sims(),
        n_trials: s.n_trials,
        n_times: times.len(),
        tstop: s.tstop,
        dt: s.dt,
        mpi_ranks,
        times,
        param_names,
        param_values,
        stat_names: plan.stat_names.clone(),
        save_dipole: plan.config.output.save.contains(&SaveItem::Dipole),
        save_spikes: plan.config.output.save.contains(&SaveItem::Spikes),
        gid_ranges: plan.gid_ranges.clone(),
        vsec: plan.vsec.iter().map(|v| v.1.clone()).collect(),
        isec: plan.isec.iter().map(|v| v.1.clone()).collect(),
        ca: plan.ca.iter().map(|v| v.1.clone()).collect(),
        lfp: plan.lfp.clone(),
        extra_attrs: vec![(
            crate::output::NUMERICS_ATTR.into(),
            plan.config.numerics.as_str().into(),
        )],
        fit: None,
    }
}

/// What `--dry-run` prints on standard output. `batch`: simulations each
/// rank integrates together. A reader that stops early (`| head`) is no
/// error.
pub fn print_plan(plan: &SweepPlan, path: &Path, batch: usize) -> Result<(), SweepError> {
    use std::io::Write;
    let text = plan_text(plan, path, batch);
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(SweepError::Output(format!(
            "cannot print the plan on standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// The text of [`print_plan`].
fn plan_text(plan: &SweepPlan, path: &Path, batch: usize) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let n = plan.n_sims();
    // writing to a String cannot fail
    let _ = writeln!(
        out,
        "{}: {} simulation(s) -> {}",
        plan.config.file,
        n,
        path.display()
    );
    match missing_parents(path) {
        Ok(dirs) => {
            for dir in dirs {
                let _ = writeln!(out, "  would create directory {}", dir.display());
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  the output path cannot be used: {e}");
        }
    }
    if batch.min(n) > 1 {
        let _ = writeln!(
            out,
            "  small networks: up to {} simulations integrated together per rank",
            batch.min(n)
        );
    }
    for (i, p) in plan.points.iter().enumerate().take(5) {
        let values: Vec<String> = p.iter().map(|(k, v)| format!("{k} = {v:e}")).collect();
        let _ = writeln!(
            out,
            "  sim {i}: {}",
            if values.is_empty() {
                "(no sweep)".into()
            } else {
                values.join(", ")
            }
        );
    }
    if n > 5 {
        let _ = writeln!(out, "  ... ({} more)", n - 5);
    }
    let _ = writeln!(out, "{}", plan.estimate);
    out
}

/// Open the output file as the command line asks: create (refusing an
/// existing file without `--force`) or `--resume`. Returns the file and the
/// simulations still to run.
pub fn open_output(
    options: &RunOptions,
    plan: &SweepPlan,
    spec: &OutputSpec,
) -> Result<(OutputFile, Vec<usize>), SweepError> {
    let path = output_path(options, &plan.config);
    let source = OutputPathSource::of(options, &plan.config);
    let blame =
        |message: String| SweepError::OutputPath(source.blame(&plan.config, &path, message));
    // --resume needs the file, so creates nothing; it still says which
    // parent is not a directory.
    if options.resume {
        missing_parents(&path).map_err(blame)?;
    } else {
        create_parents(&path).map_err(blame)?;
    }
    check_free_space(&path, plan, options.resume).map_err(blame)?;
    let output_error = |e| output_error(&plan.config, &path, source, e);
    if options.resume {
        let (file, status) = OutputFile::resume(&path, spec).map_err(output_error)?;
        let pending: Vec<usize> = (0..spec.n_sims)
            .filter(|&i| status[i] != STATUS_DONE)
            .collect();
        info!(
            "resuming {}: {} of {} simulations done, {} to run",
            path.display(),
            spec.n_sims - pending.len(),
            spec.n_sims,
            pending.len()
        );
        Ok((file, pending))
    } else {
        let file = OutputFile::create(&path, spec, options.force).map_err(output_error)?;
        Ok((file, (0..spec.n_sims).collect()))
    }
}

/// Bytes free to an unprivileged writer on the file system of `dir`
/// (`statvfs`), `None` where it cannot tell.
fn free_bytes(dir: &Path) -> Option<f64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a struct statvfs to fill.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as f64 * st.f_frsize as f64)
}

/// Refuses a run whose electrode arrays alone would not fit on the file
/// system of its output, before anything is written: their projected
/// size (`/lfp`, [`SweepPlan::estimate`], before compression; with
/// `--resume`, less what the file holds already) against the free space of
/// the output directory. (The rest of the file is not checked up front: a
/// disk that fills during the run stops it, and `--resume` completes it.)
fn check_free_space(path: &Path, plan: &SweepPlan, resume: bool) -> Result<(), String> {
    let lfp = plan.estimate.lfp_size.0;
    if lfp <= 0.0 {
        return Ok(());
    }
    let Some(dir) = path
        .ancestors()
        .skip(1)
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .find(|d| d.is_dir())
    else {
        return Ok(());
    };
    let Some(free) = free_bytes(dir) else {
        return Ok(());
    };
    let have = if resume {
        std::fs::metadata(path).map_or(0.0, |m| m.len() as f64)
    } else {
        0.0
    };
    if lfp - have > free {
        return Err(format!(
            "the output file is projected to hold {}, /lfp {} of it ({} electrode contacts), \
             but {} has only {} free; choose another place, or fewer simulations, trials or \
             contacts",
            plan.estimate.output_size,
            plan.estimate.lfp_size,
            plan.estimate.n_contacts,
            dir.display(),
            crate::sweep::memory::Bytes(free)
        ));
    }
    Ok(())
}

/// What is wrong with the path the user gave blames where it came from
/// ([`OutputPathSource`], [`SweepError::OutputPath`]); the rest (I/O, a
/// damaged file, another writer) are [`SweepError::Output`].
fn output_error(
    config: &Config,
    path: &Path,
    source: OutputPathSource,
    e: OutputError,
) -> SweepError {
    let blame = |m: String| SweepError::OutputPath(source.blame(config, path, m));
    match e {
        OutputError::Exists(p) => blame(format!(
            "output file {} exists; use --force to overwrite it or --resume to continue it",
            p.display()
        )),
        OutputError::MissingDirectory { dir, .. } => {
            blame(format!("output directory {} does not exist", dir.display()))
        }
        e @ OutputError::NotRegular { .. } => blame(e.to_string()),
        other => SweepError::Output(other.to_string()),
    }
}
