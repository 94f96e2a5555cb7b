//! The main job (SPEC §1): logging, MPI start-up, config distribution, then
//! the sweep (not built yet).

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use log::debug;
use mpi::topology::Color;
use mpi::traits::{Communicator, Root};

use crate::cli::{exit_code, Cli};
use crate::sweep_run::SweepPlan;

/// This process's (rank, size), set once MPI is up; log lines carry the rank
/// when there are several.
static RANK: OnceLock<(i32, i32)> = OnceLock::new();

/// This process's MPI world rank (0 without MPI, or before MPI is up).
pub fn world_rank() -> i32 {
    RANK.get().map_or(0, |r| r.0)
}

/// Exit code of a process that panicked: Rust's own (SPEC §1 "other").
/// Under MPI it is the code of the MPI_Abort that ends every rank.
pub const PANIC_EXIT_CODE: i32 = 101;

/// A panic (a bug) on any rank ends the whole job at once: the standard
/// message (where, what; a backtrace with RUST_BACKTRACE=1), which rank,
/// then MPI_Abort on MPI_COMM_WORLD, so that no other rank waits for this
/// one forever. Without MPI the panic unwinds as usual (exit code 101),
/// closing the output file on the way. Finished simulations are in the
/// file either way (`--resume`).
pub fn install_panic_hook() {
    let standard = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        standard(info);
        let (rank, size) = RANK.get().copied().unwrap_or((0, 1));
        let mpi_up = mpi::environment::is_initialized() && !mpi::environment::is_finalized();
        if mpi_up && size > 1 {
            eprintln!(
                "hnn-mpi: fatal: internal error (a panic, above) on rank {rank} of {size}: \
                 ending every rank (MPI_Abort); finished simulations are in the output file, \
                 rerun with --resume to complete it"
            );
            // SAFETY: MPI is initialised and not finalised; MPI_Abort does
            // not return.
            unsafe {
                mpi::ffi::MPI_Abort(mpi::ffi::RSMPI_COMM_WORLD, PANIC_EXIT_CODE);
            }
        }
        eprintln!(
            "hnn-mpi: fatal: internal error (a panic, above); finished simulations are in \
             the output file, rerun with --resume to complete it"
        );
    }));
}

/// Runs the main job and returns the process exit code (SPEC §1).
pub fn run(cli: &Cli) -> u8 {
    install_panic_hook();
    init_logging(cli);

    // Not started by an MPI launcher: one process, no MPI start-up (an
    // MPI singleton costs a few tenths of a second).
    if let Some(tasks) = srun_without_pmi() {
        // Each task would run the whole sweep on the same file.
        eprintln!(
            "hnn-mpi: error: started by srun as one of {tasks} tasks without an MPI \
             process manager interface; use `srun --mpi=pmix ...` or `mpirun ...`"
        );
        return exit_code::BAD_CONFIG;
    }
    if !launched_by_mpi() {
        crate::signals::install();
        let _ = RANK.set((0, 1));
        debug!("{cli:?}");
        return run_single(cli);
    }
    prefer_ob1_on_one_node();
    let Some(universe) = mpi::initialize() else {
        eprintln!("hnn-mpi: error: MPI was already initialised");
        return exit_code::IO_FAILURE;
    };
    let world = universe.world();
    // From here on SIGTERM/SIGINT stop the sweep cleanly (after MPI_Init,
    // which may install handlers of its own).
    crate::signals::install();
    let (rank, size) = (world.rank(), world.size());
    let _ = RANK.set((rank, size));
    debug!(
        "MPI rank {rank} of {size} on {} ({})",
        mpi::environment::processor_name().unwrap_or_else(|_| "?".into()),
        mpi::environment::library_version()
            .unwrap_or_else(|_| "?".into())
            .lines()
            .next()
            .unwrap_or("?"),
    );
    debug!("{cli:?}");

    // Rank 0 alone reads the file (one read on a shared filesystem, one error
    // message) and sends the text; every rank then reaches the same verdict.
    let root = world.process_at_rank(0);
    let text = if rank == 0 {
        read_config(&cli.config)
    } else {
        Ok(String::new())
    };
    let mut status: u8 = match &text {
        Ok(_) => exit_code::SUCCESS,
        Err(e) => {
            eprintln!("hnn-mpi: error: {e}");
            e.exit_code()
        }
    };
    root.broadcast_into(&mut status);
    if status != exit_code::SUCCESS {
        return status;
    }
    let mut text = text.unwrap_or_default().into_bytes();
    let mut len = text.len() as u64;
    root.broadcast_into(&mut len);
    text.resize(len as usize, 0);
    root.broadcast_into(&mut text[..]);
    let text = String::from_utf8(text).expect("rank 0 sent valid UTF-8");
    // Every rank parses the same text and reaches the same plan; rank 0
    // reports a bad config.
    let plan = load_plan(cli, &text);
    let mut status: u8 = match &plan {
        Ok(_) => exit_code::SUCCESS,
        Err(e) => {
            if rank == 0 {
                eprintln!("hnn-mpi: error: {e}");
            }
            exit_code::BAD_CONFIG
        }
    };
    root.broadcast_into(&mut status);
    if status != exit_code::SUCCESS {
        return status;
    }
    let plan = plan.expect("checked");
    // [parallel] ranks_per_sim (or --ranks-per-sim): groups of k ranks
    // share each simulation, its cells split by gid.
    let Some(k) = ranks_per_sim(cli, &plan, size as usize, rank == 0) else {
        return exit_code::BAD_CONFIG;
    };
    // Every rank now takes part in the sweep's clean stop (an MPI rank that
    // exits at once on a signal makes mpirun kill rank 0 before it closes
    // the file).
    crate::signals::defer();
    let group = world.split_by_color(Color::with_value(rank / k as i32));
    let group = group.filter(|_| k > 1);
    let code = if rank == 0 {
        crate::parallel::run_root(cli, &plan, Some(&world), group.as_ref())
    } else if (rank as usize).is_multiple_of(k) {
        crate::parallel::run_worker(&plan, &world, group.as_ref())
    } else {
        crate::parallel::run_member(&plan, group.as_ref().expect("k > 1"))
    };
    let mut code = code;
    root.broadcast_into(&mut code);
    code
    // `universe` drops here: MPI_Finalize on every path that initialised MPI.
}

/// Whether an MPI launcher (mpirun/mpiexec, srun, Hydra) started us.
fn launched_by_mpi() -> bool {
    [
        "OMPI_COMM_WORLD_SIZE",
        "PMIX_RANK",
        "PMI_RANK",
        "PMI_SIZE",
        "MPI_LOCALNRANKS",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// Open MPI opens every point-to-point layer (pml) it has to pick one; on
/// Debian's build, opening `cm` probes the Omni-Path libraries (PSM,
/// PSM2): 0.2 s of `MPI_Init` here (0.02 s without), a tenth of a small
/// sweep, only to pick `ob1` anyway. On one node `ob1` moves our messages
/// through shared memory, so when Open MPI's mpirun put every rank on this
/// node and the user chose no layer (`OMPI_MCA_pml`, `--mca pml`), ask for
/// `ob1` directly. Across nodes the library's choice stands.
fn prefer_ob1_on_one_node() {
    let var = |k: &str| std::env::var(k).ok();
    let one_node = matches!(
        (var("OMPI_COMM_WORLD_SIZE"), var("OMPI_COMM_WORLD_LOCAL_SIZE")),
        (Some(n), Some(local)) if n == local
    );
    if one_node && var("OMPI_MCA_pml").is_none() {
        // Before MPI_Init and before any thread exists.
        std::env::set_var("OMPI_MCA_pml", "ob1");
    }
}

/// `srun` started several tasks but gave them no PMI (`--mpi=none`): the
/// number of tasks, so that we refuse to run them as independent copies.
fn srun_without_pmi() -> Option<usize> {
    if launched_by_mpi() {
        return None;
    }
    let tasks: usize = std::env::var("SLURM_STEP_NUM_TASKS").ok()?.parse().ok()?;
    (tasks > 1).then_some(tasks)
}

/// The whole job in one process without MPI.
fn run_single(cli: &Cli) -> u8 {
    let text = match read_config(&cli.config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("hnn-mpi: error: {e}");
            return e.exit_code();
        }
    };
    let plan = load_plan(cli, &text);
    let plan = match plan {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hnn-mpi: error: {e}");
            return exit_code::BAD_CONFIG;
        }
    };
    if ranks_per_sim(cli, &plan, 1, true).is_none() {
        return exit_code::BAD_CONFIG;
    }
    crate::parallel::run_root(cli, &plan, None, None)
}

/// `--ranks-per-sim` or `[parallel] ranks_per_sim`, if it divides the number
/// of ranks; else `None` after `report`ing the error (on rank 0).
fn ranks_per_sim(cli: &Cli, plan: &SweepPlan, n_ranks: usize, report: bool) -> Option<usize> {
    let k = cli
        .ranks_per_sim
        .map(|k| k as usize)
        .unwrap_or(plan.config.parallel.ranks_per_sim);
    if k > 0 && n_ranks.is_multiple_of(k) {
        return Some(k);
    }
    if report {
        let message =
            format!("ranks_per_sim = {k} must divide the number of MPI ranks ({n_ranks})");
        let err = if cli.ranks_per_sim.is_some() {
            format!("--ranks-per-sim: {message}")
        } else {
            plan.config
                .error_at("parallel.ranks_per_sim", message)
                .to_string()
        };
        eprintln!("hnn-mpi: error: {err}");
    }
    None
}

/// Parse and check the config text and plan the sweep.
fn load_plan(cli: &Cli, text: &str) -> Result<SweepPlan, crate::config::ConfigError> {
    let file_name = cli.config.display().to_string();
    let mut c = crate::config::Config::parse(text, &file_name)?;
    c.base_dir = cli
        .config
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    c.check_input_files()?;
    SweepPlan::new(c)
}

fn init_logging(cli: &Cli) {
    cli.logger_builder()
        .format(|buf, record| {
            let style = buf.default_level_style(record.level());
            let ts = buf.timestamp_seconds();
            let level = record.level();
            let target = record.target();
            match RANK.get() {
                Some(&(rank, size)) if size > 1 => writeln!(
                    buf,
                    "[{ts} {style}{level:<5}{style:#} {target} rank {rank}/{size}] {}",
                    record.args()
                ),
                _ => writeln!(
                    buf,
                    "[{ts} {style}{level:<5}{style:#} {target}] {}",
                    record.args()
                ),
            }
        })
        .init();
}

/// Why the config file could not be used.
#[derive(Debug)]
pub enum ConfigFileError {
    Read(String, std::io::Error),
    Toml(String, toml::de::Error),
}

impl ConfigFileError {
    /// A missing, unreadable or malformed config is a bad argument (SPEC §1).
    pub fn exit_code(&self) -> u8 {
        exit_code::BAD_CONFIG
    }
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(path, e) => write!(f, "cannot read config file {path}: {e}"),
            // toml's message carries the line, the column and the offending text.
            Self::Toml(path, e) => write!(f, "invalid TOML in config file {path}: {e}"),
        }
    }
}

impl std::error::Error for ConfigFileError {}

/// Reads `path` and checks that it is TOML; returns its text.
pub fn read_config(path: &Path) -> Result<String, ConfigFileError> {
    let name = path.display().to_string();
    let text = crate::config::rules::read_input_file(path)
        .map_err(|e| ConfigFileError::Read(name.clone(), e.into()))?;
    text.parse::<toml::Table>()
        .map_err(|e| ConfigFileError::Toml(name, e))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("hnn-mpi-app-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn seed_example_is_valid_toml() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/seed_example.toml");
        let text = read_config(&path).unwrap();
        let table: toml::Table = text.parse().unwrap();
        assert!(table.contains_key("sweep"));
    }

    #[test]
    fn missing_file_names_the_file() {
        let err = read_config(Path::new("no/such/config.toml")).unwrap_err();
        assert!(matches!(err, ConfigFileError::Read(..)));
        assert_eq!(err.exit_code(), exit_code::BAD_CONFIG);
        assert!(err.to_string().contains("no/such/config.toml"), "{err}");
    }

    #[test]
    fn bad_toml_names_the_file_and_the_line() {
        let path = temp_file("bad.toml", "[simulation]\ntstop = 170.0\ndt = = 0.025\n");
        let err = read_config(&path).unwrap_err();
        assert!(matches!(err, ConfigFileError::Toml(..)));
        assert_eq!(err.exit_code(), exit_code::BAD_CONFIG);
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
    }
}
