//! Helpers of the tests that stop a run (tests/abort.rs, tests/signals.rs):
//! a sweep config, the binary (alone or under mpirun) started in its own
//! process group and waited for with a deadline, signals to a chosen MPI
//! rank, and the file's state afterwards (h5py, h5diff, --resume).
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hnn-mpi")
}

/// A sweep of `n_sims` 3x3 networks of `tstop_ms` each (batches of ten),
/// dipoles and spikes saved, written to `dir/name.toml`.
pub fn sweep_config(dir: &Path, name: &str, n_sims: usize, tstop_ms: f64) -> PathBuf {
    let text = format!(
        r#"[simulation]
tstop = {tstop_ms:?}

[network]
model = "jones_2009"
mesh_shape = [3, 3]

[[drives]]
name = "evprox"
type = "evoked"
mu = 10.0
sigma = 2.0
numspikes = 1
location = "proximal"
weights_ampa = {{ L2_basket = "$w", L2_pyramidal = "$w", L5_basket = "$w", L5_pyramidal = "$w" }}
synaptic_delays = {{ L2_basket = 0.1, L2_pyramidal = 0.1, L5_basket = 1.0, L5_pyramidal = 1.0 }}

[sweep]
[sweep.params]
w = {{ logspace = [-3, -1, {n_sims}] }}

[summary]
stats = ["dipole_min", "dipole_max"]

[output]
save = ["dipole", "spikes"]
"#
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// `CONFIG -o OUT --force` followed by `extra`: a run that replaces `out`.
pub fn forced_args<'a>(config: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        config.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ];
    args.extend_from_slice(extra);
    args
}

/// The binary with `args`, alone (`ranks` None) or under `mpirun -n`, in
/// its own process group (so that a test can end every process it
/// started), stderr to `stderr`.
pub fn command(ranks: Option<usize>, args: &[&str], stderr: &Path) -> Command {
    let mut c = match ranks {
        Some(n) => {
            let mut c = Command::new("mpirun");
            c.args(["--oversubscribe", "-n", &n.to_string(), bin()]);
            c
        }
        None => Command::new(bin()),
    };
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env_remove("RUST_LOG")
        .env_remove("HNN_MPI_FAULT_PANIC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(stderr).unwrap())
        .process_group(0);
    c
}

/// Wait for `child` at most `limit`; on timeout end its process group
/// (mpirun and its ranks) and fail: a hang is the defect under test.
pub fn wait_within(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            // SAFETY: kill(2) on the process group this test started.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.wait();
            panic!("{what}: still running after {limit:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Wait until the file `path` contains `text` (a log line), at most `limit`.
pub fn wait_for_text(path: &Path, text: &str, limit: Duration) {
    let start = Instant::now();
    while !std::fs::read_to_string(path)
        .unwrap_or_default()
        .contains(text)
    {
        assert!(
            start.elapsed() < limit,
            "no {text:?} in {} after {limit:?}: {}",
            path.display(),
            std::fs::read_to_string(path).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) on a process this test started.
    assert_eq!(unsafe { libc::kill(pid as i32, sig) }, 0, "kill {pid}");
}

/// The process id of MPI rank `rank` among the children of `mpirun`.
pub fn rank_pid(mpirun: u32, rank: usize) -> u32 {
    let start = Instant::now();
    loop {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid ...: comm may hold spaces, so after ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid != Some(mpirun) {
                continue;
            }
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let wanted = format!("OMPI_COMM_WORLD_RANK={rank}");
            if env.split(|&b| b == 0).any(|v| v == wanted.as_bytes()) {
                return pid;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "rank {rank} of mpirun {mpirun} not found"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `/status` of an output file, read with h5py (Debian's python3): the
/// file is closed and valid.
pub fn h5py_status(path: &Path) -> Vec<u8> {
    let out = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import sys, h5py\nwith h5py.File(sys.argv[1], 'r') as f:\n    \
             print(' '.join(str(int(s)) for s in f['status'][:]))",
            path.to_str().unwrap(),
        ])
        .output()
        .expect("python3 starts");
    assert!(
        out.status.success(),
        "h5py cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect()
}

/// `h5diff a b /dipole` and `/status` find no difference.
pub fn assert_h5diff_same(a: &Path, b: &Path) {
    assert_h5diff_objects(a, b, &["/dipole", "/status"]);
}

/// `h5diff a b OBJECT` finds no difference for each of `objects`.
pub fn assert_h5diff_objects(a: &Path, b: &Path, objects: &[&str]) {
    for &object in objects {
        let out = Command::new("h5diff")
            .args([a.to_str().unwrap(), b.to_str().unwrap(), object])
            .output()
            .expect("h5diff starts");
        assert!(
            out.status.success(),
            "h5diff {} {} {object}: {}{}",
            a.display(),
            b.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Run `config` to completion into `out` (`--force`), alone.
pub fn reference(config: &Path, out: &Path) {
    let err = out.with_extension("ref.err");
    let mut child = command(None, &forced_args(config, out, &[]), &err)
        .spawn()
        .unwrap();
    let status = wait_within(&mut child, Duration::from_secs(300), "the reference run");
    assert_eq!(
        status.code(),
        Some(0),
        "{}",
        std::fs::read_to_string(&err).unwrap_or_default()
    );
}

/// `--resume` `out` to completion (alone); how many simulations the file
/// held as done before (from the log line "resuming ...: K of N
/// simulations done").
pub fn resume(config: &Path, out: &Path) -> usize {
    let err = out.with_extension("resume.err");
    let mut child = command(
        None,
        &[
            config.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--resume",
        ],
        &err,
    )
    .spawn()
    .unwrap();
    let status = wait_within(&mut child, Duration::from_secs(300), "--resume");
    let log = std::fs::read_to_string(&err).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "--resume: {log}");
    let line = log
        .lines()
        .find(|l| l.contains("resuming"))
        .unwrap_or_else(|| panic!("no resume line: {log}"));
    let (_, rest) = line.split_once(": ").unwrap();
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
