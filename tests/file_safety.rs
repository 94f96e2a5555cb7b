//! The output file never lies (issue 12): missing output directories are
//! created, and a bad parent is blamed on its real source; `--force`
//! replaces only regular files; a refused `--resume` leaves the file byte
//! for byte (and mtime) as it was; one writer per file, while a killed
//! writer's file stays resumable; a damaged file is repaired by re-running
//! what is unreadable, or refused, never reported done; a full disk stops
//! the run at once and `--resume` completes it afterwards.

use std::os::unix::fs::FileTypeExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

mod common;
use common::temp_dir;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hnn-mpi")
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(dir)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env_remove("RUST_LOG");
    c
}

/// Runs hnn-mpi in `dir` (relative paths are relative to it).
fn run_in(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("hnn-mpi starts")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts the exit code, showing stderr otherwise; returns stderr.
fn expect_code(o: &Output, code: i32, what: &str) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{what}: {e}");
    e
}

/// The seed example with `tstop` (ms), without smoothing (it needs 30
/// ms), its `[output]` followed by `extra_output` lines.
fn seed_config(tstop: &str, extra_output: &str) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/configs/seed_example.toml"
    ))
    .unwrap();
    assert!(text.contains("tstop = 170.0 ") && text.contains("smooth_window_ms"));
    let text: String = text
        .replace("tstop = 170.0 ", &format!("tstop = {tstop} "))
        .lines()
        .filter(|l| !l.starts_with("smooth_window_ms"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(text
        .trim_end()
        .ends_with("path = \"results/seed_example.h5\""));
    format!("{text}{extra_output}")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// 1-based line of the first line of `text` starting with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

fn status_of(path: &Path) -> Vec<u8> {
    let f = hnn_mpi::output::open_for_reading(path).unwrap();
    f.dataset("status").unwrap().read_raw::<u8>().unwrap()
}

/// `h5diff` finds `paths` equal in `a` and `b`.
fn assert_h5_equal(a: &Path, b: &Path, paths: &[&str]) {
    for p in paths {
        let o = Command::new("h5diff")
            .args([a.to_str().unwrap(), b.to_str().unwrap(), p, p])
            .output()
            .expect("h5diff runs");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{p} differs between {} and {}: {}{}",
            a.display(),
            b.display(),
            stdout(&o),
            stderr(&o)
        );
    }
}

/// What the resumed files are compared on: everything but the spike work
/// area (its order is the arrival order).
const DATA: &[&str] = &[
    "/dipole",
    "/summary",
    "/status",
    "/spikes/times",
    "/spikes/gids",
    "/spikes/offsets",
];
const DATA_NO_SPIKES: &[&str] = &["/dipole", "/summary", "/status"];

// ---------------------------------------------------------------------
// 1, 10: output directories and who is blamed

#[test]
fn fresh_directory_gets_its_default_results_directory() {
    let dir = temp_dir("fresh-results");
    let text = seed_config("1.0", "");
    write(&dir, "seed_example.toml", &text);
    // --dry-run only says so
    let o = run_in(&dir, &["seed_example.toml", "--dry-run"]);
    expect_code(&o, 0, "dry run");
    assert!(
        stdout(&o).contains("would create directory results"),
        "{}",
        stdout(&o)
    );
    assert!(!dir.join("results").exists(), "--dry-run created results/");
    // the README's command, on a fresh checkout
    let o = run_in(&dir, &["seed_example.toml"]);
    let e = expect_code(&o, 0, "first run");
    assert!(e.contains("created directory results"), "{e}");
    assert_eq!(status_of(&dir.join("results/seed_example.h5")), vec![1; 20]);
    // no [output] path: results/<stem>.h5, in a fresh directory again
    std::fs::remove_dir_all(dir.join("results")).unwrap();
    let no_path: String = text
        .lines()
        .filter(|l| !l.starts_with("path ="))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&dir, "nopath.toml", &no_path);
    expect_code(&run_in(&dir, &["nopath.toml", "-q"]), 0, "default path");
    assert_eq!(status_of(&dir.join("results/nopath.h5")), vec![1; 20]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn nested_missing_directories_of_output_are_created() {
    let dir = temp_dir("nested-output");
    write(&dir, "seed.toml", &seed_config("1.0", ""));
    let o = run_in(&dir, &["seed.toml", "-o", "a/b/c/x.h5"]);
    let e = expect_code(&o, 0, "nested -o");
    for d in ["a", "a/b", "a/b/c"] {
        assert!(e.contains(&format!("created directory {d}\n")), "{e}");
    }
    assert_eq!(status_of(&dir.join("a/b/c/x.h5")), vec![1; 20]);
    // an absolute path too
    let abs = dir.join("d/e/y.h5");
    expect_code(
        &run_in(&dir, &["seed.toml", "-o", abs.to_str().unwrap(), "-q"]),
        0,
        "absolute -o",
    );
    assert_eq!(status_of(&abs), vec![1; 20]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_parent_that_is_a_file_is_blamed_on_its_source() {
    let dir = temp_dir("parent-file");
    let text = seed_config("1.0", "");
    write(&dir, "seed.toml", &text);
    write(&dir, "f", "");
    // from the command line
    for extra in [&[][..], &["--force"][..], &["--resume"][..]] {
        let mut args = vec!["seed.toml", "-o", "f/x.h5"];
        args.extend(extra);
        let e = expect_code(&run_in(&dir, &args), 2, "-o f/x.h5");
        assert!(
            e.contains("hnn-mpi: error: --output: f is not a directory"),
            "{extra:?}: {e}"
        );
        assert!(!e.contains("output.path"), "{e}");
    }
    // deeper: a/f/x.h5 with a a directory
    std::fs::create_dir(dir.join("a")).unwrap();
    write(&dir, "a/f", "");
    let e = expect_code(
        &run_in(&dir, &["seed.toml", "-o", "a/f/g/x.h5"]),
        2,
        "-o a/f/g/x.h5",
    );
    assert!(e.contains("--output: a/f is not a directory"), "{e}");
    // from [output] path: the config's file and line
    let cfg = text.replace("results/seed_example.h5", "f/y.h5");
    write(&dir, "cfg.toml", &cfg);
    let e = expect_code(&run_in(&dir, &["cfg.toml"]), 2, "output.path f/y.h5");
    let line = line_of(&cfg, "path =");
    assert!(
        e.contains(&format!(
            "cfg.toml:{line}: output.path: f is not a directory"
        )),
        "{e}"
    );
    // the default path: neither --output nor output.path is blamed
    let no_path: String = text
        .lines()
        .filter(|l| !l.starts_with("path ="))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&dir, "nopath.toml", &no_path);
    write(&dir, "results", "");
    let e = expect_code(&run_in(&dir, &["nopath.toml"]), 2, "default path");
    assert!(
        e.contains("the default output path results/nopath.h5")
            && e.contains("results is not a directory")
            && !e.contains("output.path")
            && !e.contains("--output:"),
        "{e}"
    );
    // an existing output file without --force blames -o, not output.path
    write(&dir, "out.h5", "");
    let e = expect_code(&run_in(&dir, &["seed.toml", "-o", "out.h5"]), 2, "exists");
    assert!(e.contains("--output: output file out.h5 exists"), "{e}");
    // nothing was created or changed
    for f in ["f", "a/f", "results", "out.h5"] {
        let m = std::fs::metadata(dir.join(f)).unwrap();
        assert!(m.is_file() && m.len() == 0, "{f}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------
// 4: --force replaces only regular files

#[test]
fn force_refuses_what_is_not_a_regular_file() {
    let dir = temp_dir("not-regular");
    write(&dir, "seed.toml", &seed_config("1.0", ""));
    let mkfifo = |p: &Path| {
        assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
    };
    mkfifo(&dir.join("fifo"));
    std::fs::create_dir(dir.join("adir")).unwrap();
    std::os::unix::fs::symlink(dir.join("fifo"), dir.join("link-to-fifo")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    let cases: [(&str, &str); 5] = [
        ("fifo", "is a FIFO (named pipe), not a regular file"),
        ("/dev/null", "is a character device, not a regular file"),
        ("adir", "is a directory, not a regular file"),
        ("link-to-fifo", "is a FIFO (named pipe), not a regular file"),
        ("sock", "is a socket, not a regular file"),
    ];
    for (target, message) in cases {
        for mode in ["--force", "--resume"] {
            let e = expect_code(
                &run_in(&dir, &["seed.toml", "-o", target, mode]),
                2,
                &format!("{target} {mode}"),
            );
            assert!(
                e.contains(&format!("--output: {target} {message}")),
                "{target} {mode}: {e}"
            );
        }
    }
    // all still what they were
    let ft = |p: &Path| std::fs::symlink_metadata(p).unwrap().file_type();
    assert!(ft(&dir.join("fifo")).is_fifo());
    assert!(ft(Path::new("/dev/null")).is_char_device());
    assert!(ft(&dir.join("adir")).is_dir());
    assert_eq!(std::fs::read_dir(dir.join("adir")).unwrap().count(), 0);
    assert!(ft(&dir.join("link-to-fifo")).is_symlink());
    assert!(ft(&dir.join("sock")).is_socket());
    // a symlink to a regular file: the file it names is replaced, the
    // link stays
    write(&dir, "real.h5", "old contents");
    std::os::unix::fs::symlink("real.h5", dir.join("link.h5")).unwrap();
    expect_code(
        &run_in(&dir, &["seed.toml", "-o", "link.h5", "--force", "-q"]),
        0,
        "symlink to a regular file",
    );
    assert!(ft(&dir.join("link.h5")).is_symlink());
    assert_eq!(status_of(&dir.join("real.h5")), vec![1; 20]);
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------
// 5: a refusal touches nothing

/// Contents and modification time.
fn snapshot(p: &Path) -> (Vec<u8>, SystemTime) {
    (
        std::fs::read(p).unwrap(),
        std::fs::metadata(p).unwrap().modified().unwrap(),
    )
}

/// Holds the writer lock of `path` as another process would.
fn hold_lock(path: &Path, pid: &str) -> std::fs::File {
    let lock = path.with_file_name(format!(
        ".{}.lock",
        path.file_name().unwrap().to_string_lossy()
    ));
    let f = std::fs::File::create(lock).unwrap();
    std::io::Write::write_all(&mut &f, pid.as_bytes()).unwrap();
    assert_eq!(
        unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    f
}

#[test]
fn refusals_leave_the_file_byte_for_byte() {
    let dir = temp_dir("refusals");
    let text = seed_config("1.0", "");
    write(&dir, "seed.toml", &text);
    let other = text.replace(
        "weight_basket = { logspace = [-4, -1, 20] }",
        "weight_basket = { logspace = [-3, -1, 20] }",
    );
    assert_ne!(other, text);
    write(&dir, "other.toml", &other);
    write(
        &dir,
        "spikes.toml",
        &seed_config("1.0", "save = [\"dipole\", \"spikes\"]\n"),
    );
    expect_code(&run_in(&dir, &["seed.toml", "-o", "x.h5", "-q"]), 0, "x.h5");
    let x = dir.join("x.h5");
    // not an hnn-mpi file: HDF5 without our attributes, and not HDF5
    {
        let f = hdf5::File::create(dir.join("plain.h5")).unwrap();
        f.new_dataset_builder()
            .with_data(&[1.0f64, 2.0][..])
            .create("data")
            .unwrap();
    }
    write(&dir, "text.h5", "not HDF5 at all\n");
    let pid = "4242";
    let cases: Vec<(&str, Vec<&str>, i32, String)> = vec![
        (
            "x.h5",
            vec!["other.toml", "-o", "x.h5", "--resume"],
            4,
            "written from a different network/sweep definition".into(),
        ),
        (
            "x.h5",
            vec!["spikes.toml", "-o", "x.h5", "--resume"],
            4,
            "written from a different network/sweep definition".into(),
        ),
        (
            "plain.h5",
            vec!["seed.toml", "-o", "plain.h5", "--resume"],
            4,
            "plain.h5 is not an hnn-mpi/1 output file (it has no format attribute)".into(),
        ),
        (
            "text.h5",
            vec!["seed.toml", "-o", "text.h5", "--resume"],
            4,
            "text.h5 is not an hnn-mpi/1 output file (not an HDF5 file)".into(),
        ),
        (
            "x.h5",
            vec!["seed.toml", "-o", "x.h5"],
            2,
            "--output: output file x.h5 exists".into(),
        ),
        (
            "x.h5",
            vec!["seed.toml", "-o", "x.h5", "--resume"],
            4,
            format!("x.h5 is being written by another process (pid {pid})"),
        ),
        (
            "x.h5",
            vec!["seed.toml", "-o", "x.h5", "--force"],
            4,
            format!("x.h5 is being written by another process (pid {pid})"),
        ),
    ];
    for (file, args, code, message) in cases {
        let p = dir.join(file);
        let _lock = message
            .contains("being written")
            .then(|| hold_lock(&x, pid));
        let before = snapshot(&p);
        std::thread::sleep(Duration::from_millis(20));
        let e = expect_code(&run_in(&dir, &args), code, &format!("{args:?}"));
        assert!(e.contains(&message), "{args:?}: {e}");
        assert!(snapshot(&p) == before, "{args:?} changed {file}");
    }
    // and the file still resumes (nothing to do)
    let e = expect_code(
        &run_in(&dir, &["seed.toml", "-o", "x.h5", "--resume"]),
        0,
        "resume",
    );
    assert!(e.contains("20 of 20 simulations done, 0 to run"), "{e}");
    assert!(!dir.join(".x.h5.lock").exists(), "the lock file is removed");
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------
// 3: one writer per file

/// A config that runs for a few seconds, and its undisturbed output.
fn long_run() -> &'static (PathBuf, PathBuf) {
    static LONG: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    LONG.get_or_init(|| {
        let dir = temp_dir("long-reference");
        let cfg = write(&dir, "long.toml", &seed_config("100.0", ""));
        let reference = dir.join("reference.h5");
        let o = run_in(
            &dir,
            &[
                cfg.to_str().unwrap(),
                "-o",
                reference.to_str().unwrap(),
                "-q",
            ],
        );
        expect_code(&o, 0, "reference run");
        (cfg, reference)
    })
}

fn spawn_long(dir: &Path, out: &Path) -> Child {
    let (cfg, _) = long_run();
    command(
        dir,
        &[
            cfg.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
            "-q",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

/// Waits until `out` exists with its lock file (the writer is writing).
fn wait_writing(child: &mut Child, out: &Path) {
    let lock = out.with_file_name(format!(
        ".{}.lock",
        out.file_name().unwrap().to_string_lossy()
    ));
    let t = Instant::now();
    while !(out.exists() && lock.exists()) {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        assert!(t.elapsed() < Duration::from_secs(60), "no output file");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_writer_is_refused_and_a_killed_one_leaves_a_resumable_file() {
    let (cfg, reference) = long_run();
    let dir = temp_dir("one-writer");
    let out = dir.join("live.h5");
    let mut child = spawn_long(&dir, &out);
    wait_writing(&mut child, &out);
    for mode in ["--resume", "--force"] {
        let o = run_in(&dir, &[cfg.to_str().unwrap(), "-o", "live.h5", mode]);
        let e = expect_code(&o, 4, mode);
        assert!(
            e.contains(&format!(
                "live.h5 is being written by another process (pid {})",
                child.id()
            )),
            "{mode}: {e}"
        );
    }
    // a reader still reads it
    let f = hnn_mpi::output::open_for_reading(&out).unwrap();
    assert_eq!(f.dataset("status").unwrap().shape(), vec![20]);
    drop(f);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run must still be going for this test to mean anything"
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "the first writer completes");
    assert_h5_equal(reference, &out, DATA_NO_SPIKES);

    // kill -9: the kernel drops the lock, --resume completes the file
    let out = dir.join("killed.h5");
    let mut child = spawn_long(&dir, &out);
    wait_writing(&mut child, &out);
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    assert!(child.wait().unwrap().code().is_none(), "killed by a signal");
    let o = run_in(
        &dir,
        &[cfg.to_str().unwrap(), "-o", "killed.h5", "--resume"],
    );
    expect_code(&o, 0, "resume after kill -9");
    assert_h5_equal(reference, &out, DATA_NO_SPIKES);
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------
// 2: never done for data we do not have

/// Overwrites 16 bytes at `at` with 0xff.
fn corrupt(path: &Path, at: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[0xff; 16]).unwrap();
}

/// (address, size) of chunk `i` of dataset `name`.
fn chunk(path: &Path, name: &str, i: usize) -> (u64, u64) {
    let f = hdf5::File::open(path).unwrap();
    let info = f.dataset(name).unwrap().chunk_info(i).unwrap();
    (info.addr, info.size)
}

#[test]
fn damaged_files_are_repaired_or_refused_never_reported_done() {
    let dir = temp_dir("damaged");
    let cfg = write(
        &dir,
        "spikes.toml",
        &seed_config("60.0", "save = [\"dipole\", \"spikes\"]\n"),
    );
    let cfg = cfg.to_str().unwrap();
    let reference = dir.join("reference.h5");
    expect_code(
        &run_in(&dir, &[cfg, "-o", "reference.h5", "-q"]),
        0,
        "reference",
    );
    let len = std::fs::metadata(&reference).unwrap().len();
    let (csr_at, csr_size) = chunk(&reference, "spikes/times", 0);
    // the CSR is written last, by close: its later column's chunk is the
    // file's last
    let (gids_at, gids_size) = chunk(&reference, "spikes/gids", 0);
    let last_at = csr_at.max(gids_at);
    assert!(
        last_at
            + if last_at == csr_at {
                csr_size
            } else {
                gids_size
            }
            > len - 4096
    );
    let (dip_at, dip_size) = chunk(&reference, "dipole/agg", 3);
    let (work_at, work_size) = chunk(&reference, "spikes/_pending/times", 5);
    type Damage = Box<dyn Fn(&Path)>;
    let truncate = |n: u64| -> Damage {
        Box::new(move |p: &Path| {
            std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .unwrap()
                .set_len(n)
                .unwrap()
        })
    };
    // (name, damage, resumed: Some(simulations re-run) or None: refused)
    let cases: Vec<(&str, Damage, Option<&str>)> = vec![
        ("half", truncate(len / 2), None),
        ("last-chunk", truncate(last_at), Some("")),
        ("last-100-bytes", truncate(len - 100), Some("")),
        ("superblock-only", truncate(48), None),
        ("first-page-only", truncate(4096), None),
        (
            "dipole-chunk",
            Box::new(move |p: &Path| corrupt(p, dip_at + dip_size / 2)),
            Some("simulation(s) 3 will run again"),
        ),
        (
            "csr-chunk",
            Box::new(move |p: &Path| corrupt(p, csr_at + csr_size / 2)),
            Some(""),
        ),
        (
            "work-area-chunk",
            Box::new(move |p: &Path| corrupt(p, work_at + work_size / 2)),
            Some("will run again"),
        ),
    ];
    for (name, damage, resumed) in cases {
        let file = format!("{name}.h5");
        let p = dir.join(&file);
        std::fs::copy(&reference, &p).unwrap();
        damage(&p);
        let t = Instant::now();
        let o = run_in(&dir, &[cfg, "-o", &file, "--resume"]);
        assert!(t.elapsed() < Duration::from_secs(60), "{name}: slow");
        let e = stderr(&o);
        match resumed {
            Some(message) => {
                assert_eq!(o.status.code(), Some(0), "{name}: {e}");
                assert!(e.contains(message), "{name}: {e}");
                assert_h5_equal(&reference, &p, DATA);
                let e = expect_code(&run_in(&dir, &[cfg, "-o", &file, "--resume"]), 0, name);
                assert!(
                    e.contains("20 of 20 simulations done, 0 to run"),
                    "{name}: {e}"
                );
            }
            None => {
                // refused, and again: never "done"
                for attempt in 0..2 {
                    let e = if attempt == 0 {
                        e.clone()
                    } else {
                        stderr(&run_in(&dir, &[cfg, "-o", &file, "--resume"]))
                    };
                    assert!(
                        e.contains(&format!("cannot resume {file}: the file is damaged")),
                        "{name} (attempt {attempt}): {e}"
                    );
                    assert!(!e.contains("simulations done"), "{name}: {e}");
                }
                assert_eq!(o.status.code(), Some(4), "{name}: {e}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------
// 10: a full disk stops the run at once

#[test]
fn a_full_disk_stops_the_run_and_resume_completes_it() {
    let (cfg, reference) = long_run();
    let mnt = temp_dir("full-disk");
    let mount = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=300k",
            "tmpfs",
            mnt.to_str().unwrap(),
        ])
        .output();
    if !matches!(&mount, Ok(o) if o.status.success()) {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root): {mount:?}");
        return;
    }
    let umount = || {
        Command::new("umount").arg(&mnt).status().ok();
    };
    let out = mnt.join("full.h5");
    let t = Instant::now();
    let o = run_in(
        &mnt,
        &[cfg.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"],
    );
    let elapsed = t.elapsed();
    let e = stderr(&o);
    let status = status_of(&out);
    let done = status.iter().filter(|&&s| s == 1).count();
    let remount = Command::new("mount")
        .args(["-o", "remount,size=20m", mnt.to_str().unwrap()])
        .status();
    let resumed = run_in(
        &mnt,
        &[
            cfg.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--resume",
            "-q",
        ],
    );
    let resumed_err = stderr(&resumed);
    let same = std::panic::catch_unwind(|| assert_h5_equal(reference, &out, DATA_NO_SPIKES));
    umount();
    assert_eq!(o.status.code(), Some(4), "{e}");
    assert!(e.contains("No space left on device"), "the cause: {e}");
    assert!(
        e.contains(&format!("{done} of 20 simulations are saved in")) && e.contains("--resume"),
        "{e}"
    );
    // stopped after the first batch (10 simulations integrated together),
    // not after all 20
    assert!(done < 10, "{done} written before the disk was full");
    assert!(!e.contains("20/20 simulations done"), "{e}");
    println!("full disk: stopped after {elapsed:?}");
    assert!(remount.unwrap().success());
    assert_eq!(resumed.status.code(), Some(0), "{resumed_err}");
    same.expect("the resumed file equals the undisturbed one");
    std::fs::remove_dir_all(&mnt).ok();
}
