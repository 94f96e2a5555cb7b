//! The program's run (docs/cli.md): logging, MPI start-up, the config
//! read on rank 0 and sent to every rank, the plan, the sweep over the
//! ranks, and the exit code, chosen here from how the sweep ended
//! ([`exit_code_of`]).

use std::io::Write;
use std::path::Path;

use log::{debug, error};
use mpi::topology::Color;
use mpi::traits::{Communicator, Root};

use super::cli::{exit_code, Cli};
use super::config_file::read_config;
use super::panic::install_panic_hook;
use super::rank::RANK;
use super::signals::ProcessSignals;
use crate::parallel::fit::FitEnd;
use crate::parallel::{RunOptions, SweepEnd, SweepError};
use crate::search::Search;
use crate::sweep::fit::FitPlan;
use crate::sweep::SweepPlan;

/// Runs the main job and returns the process exit code (docs/cli.md,
/// "Exit codes").
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
        super::signals::install();
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
    super::signals::install();
    let (rank, size) = (world.rank(), world.size());
    let _ = RANK.set((rank, size));
    crate::sweep::fault::set_world_rank(rank);
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
    let plan = load_plan(cli, &text, rank == 0);
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
    let mut plan = plan.expect("checked");
    // [parallel] ranks_per_sim (or --ranks-per-sim): groups of k ranks
    // share each simulation, its cells split by gid.
    let Some(k) = ranks_per_sim(cli, plan.config(), size as usize, rank == 0) else {
        return exit_code::BAD_CONFIG;
    };
    // Every rank now takes part in the sweep's clean stop (an MPI rank that
    // exits at once on a signal makes mpirun kill rank 0 before it closes
    // the file).
    super::signals::defer();
    let group = world.split_by_color(Color::with_value(rank / k as i32));
    let group = group.filter(|_| k > 1);
    let mut code = match &mut plan {
        Plan::Sweep(plan) => {
            if rank == 0 {
                let end = crate::parallel::run_root(
                    &run_options(cli),
                    plan,
                    Some(&world),
                    group.as_ref(),
                    &ProcessSignals,
                );
                exit_code_of(end)
            } else if (rank as usize).is_multiple_of(k) {
                crate::parallel::run_worker(plan, &world, group.as_ref(), &ProcessSignals);
                exit_code::SUCCESS
            } else {
                crate::parallel::run_member(plan, group.as_ref().expect("k > 1"), &ProcessSignals);
                exit_code::SUCCESS
            }
        }
        Plan::Fit(plan, search) => match search {
            Some(search) => fit_exit_code(crate::parallel::fit::run_fit_root(
                &run_options(cli),
                plan,
                search.as_mut(),
                Some(&world),
                group.as_ref(),
                &ProcessSignals,
            )),
            None => {
                crate::parallel::fit::run_fit_other(plan, &world, group.as_ref(), &ProcessSignals);
                exit_code::SUCCESS
            }
        },
    };
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
    let plan = load_plan(cli, &text, true);
    let plan = match plan {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hnn-mpi: error: {e}");
            return exit_code::BAD_CONFIG;
        }
    };
    if ranks_per_sim(cli, plan.config(), 1, true).is_none() {
        return exit_code::BAD_CONFIG;
    }
    match plan {
        Plan::Sweep(plan) => exit_code_of(crate::parallel::run_root(
            &run_options(cli),
            &plan,
            None,
            None,
            &ProcessSignals,
        )),
        Plan::Fit(mut plan, search) => fit_exit_code(crate::parallel::fit::run_fit_root(
            &run_options(cli),
            &mut plan,
            search.expect("built on rank 0").as_mut(),
            None,
            None,
            &ProcessSignals,
        )),
    }
}

/// What the command line asks of the output file.
fn run_options(cli: &Cli) -> RunOptions {
    RunOptions {
        output: cli.output.clone(),
        force: cli.force,
        resume: cli.resume,
        dry_run: cli.dry_run,
    }
}

/// The exit code of how the sweep ended (on rank 0), after telling the
/// user why it did not finish.
fn exit_code_of(end: Result<SweepEnd, SweepError>) -> u8 {
    match end {
        Ok(SweepEnd::DryRun) | Ok(SweepEnd::Finished { failed: 0 }) => exit_code::SUCCESS,
        Ok(SweepEnd::Finished { .. }) => exit_code::SIMS_FAILED,
        Err(e @ SweepError::OutputPath(_)) => {
            eprintln!("hnn-mpi: error: {e}");
            exit_code::BAD_CONFIG
        }
        Err(e @ (SweepError::Output(_) | SweepError::Write { .. })) => {
            eprintln!("hnn-mpi: error: {e}");
            exit_code::IO_FAILURE
        }
        Err(e @ SweepError::Close { .. }) => {
            error!("{e}");
            exit_code::IO_FAILURE
        }
        Err(e @ SweepError::Interrupted { .. }) => {
            eprintln!("hnn-mpi: {e}");
            exit_code::INTERRUPTED
        }
    }
}

/// The exit code of how a fit ended: 0 once the search stopped (by a
/// convergence test or `max_evaluations`; failed simulations are part of
/// a search), else as a sweep's.
fn fit_exit_code(end: Result<FitEnd, SweepError>) -> u8 {
    match end {
        Ok(_) => exit_code::SUCCESS,
        Err(e) => exit_code_of(Err(e)),
    }
}

/// `--ranks-per-sim` or `[parallel] ranks_per_sim`, if it divides the number
/// of ranks; else `None` after `report`ing the error (on rank 0).
fn ranks_per_sim(
    cli: &Cli,
    config: &crate::config::Config,
    n_ranks: usize,
    report: bool,
) -> Option<usize> {
    let k = cli
        .ranks_per_sim
        .map(|k| k as usize)
        .unwrap_or(config.parallel.ranks_per_sim);
    if k > 0 && n_ranks.is_multiple_of(k) {
        return Some(k);
    }
    if report {
        let message =
            format!("ranks_per_sim = {k} must divide the number of MPI ranks ({n_ranks})");
        let err = if cli.ranks_per_sim.is_some() {
            format!("--ranks-per-sim: {message}")
        } else {
            config
                .error_at("parallel.ranks_per_sim", message)
                .to_string()
        };
        eprintln!("hnn-mpi: error: {err}");
    }
    None
}

/// What a config asks to run: a sweep, or a fit (with its search on rank
/// 0).
enum Plan {
    Sweep(Box<SweepPlan>),
    Fit(Box<FitPlan>, Option<Box<dyn Search + Send>>),
}

impl Plan {
    fn config(&self) -> &crate::config::Config {
        match self {
            Plan::Sweep(p) => &p.config,
            Plan::Fit(p, _) => &p.sweep.config,
        }
    }
}

/// Parse and check the config text and plan the sweep or the fit; a fit's
/// search is built when `with_search` (rank 0).
fn load_plan(cli: &Cli, text: &str, with_search: bool) -> Result<Plan, crate::config::ConfigError> {
    let file_name = cli.config.display().to_string();
    let mut c = crate::config::Config::parse(text, &file_name)?;
    if let Some(mode) = &cli.numerics {
        c.numerics = crate::config::Numerics::from_name(mode).expect("clap checked the value");
    }
    c.base_dir = cli
        .config
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    c.check_input_files()?;
    let Some(fit) = c.fit.clone() else {
        return SweepPlan::new(c).map(|p| Plan::Sweep(Box::new(p)));
    };
    let search = if with_search {
        Some(crate::search::new(&fit).map_err(|e| c.error_at("fit.solver", e.to_string()))?)
    } else {
        None
    };
    Ok(Plan::Fit(Box::new(FitPlan::new(c)?), search))
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
