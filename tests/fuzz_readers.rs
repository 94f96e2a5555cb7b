//! The input readers under hostile input: every reproducer the fuzzer found
//! (tests/data/fuzz/) is refused with its message, and a short deterministic
//! mutation fuzz of the repository's own inputs (configs, hnn-core network
//! files, parameter files) never panics or hangs. The long run is cargo-fuzz
//! (fuzz/README.md); `HNN_FUZZ_SECS=600 cargo test --release --test
//! fuzz_readers mutated -- --nocapture` runs this mutator for that long
//! instead (`HNN_FUZZ_STAGE=build` also builds each first simulation).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use hnn_mpi::fuzzing::{read_input, within_fuzz_budget, InputError, InputKind, Stage};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One input longer than this is a hang (the slowest seed takes well under
/// a second in release mode).
const HANG_AFTER: Duration = Duration::from_secs(30);

/// Numbers that stress ranges, casts and allocations.
const HOSTILE_NUMBERS: &[&str] = &[
    "-3",
    "0",
    "-1",
    "1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "1e12",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "5e-324",
    "0.0",
    "-0.0",
    "1e-9",
    "2",
    "4294967296",
];

/// Values of another type than the one they replace.
const SWAPPED_VALUES: &[&str] = &[
    "\"x\"",
    "\"$w\"",
    "[]",
    "[1, 2]",
    "{}",
    "true",
    "null",
    "\"\"",
    "[[]]",
    "\"proximal\"",
    "\"soma\"",
];

/// Tokens inserted anywhere.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "\"",
    "\n",
    "[[drives]]\n",
    "[sweep]\n",
    "\"$",
    ".",
    "#",
    "\\u0000",
    "'''",
    "\"\"\"",
];

/// The kind of input `path` holds, from its name (as the seeds are named).
fn kind_of(path: &Path) -> InputKind {
    let name = path.file_name().unwrap().to_string_lossy();
    InputKind::of_file_name(&name).unwrap_or_else(|| panic!("no reader for {name}"))
}

/// The seeds: the repository's configs, network files and parameter files,
/// with the input files a config names made relative to the repository
/// root (where fuzzed configs claim to live).
fn seeds() -> Vec<(InputKind, Vec<u8>)> {
    let mut out = Vec::new();
    let mut tomls: Vec<PathBuf> = Vec::new();
    for dir in [
        "configs",
        "tests/data/configs",
        "tests/data/models",
        "tests/data/groups",
    ] {
        for e in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                tomls.push(p);
            }
        }
    }
    tomls.sort();
    for p in tomls {
        let rel_dir = p
            .parent()
            .unwrap()
            .strip_prefix(ROOT)
            .unwrap()
            .to_path_buf();
        let text = std::fs::read_to_string(&p).unwrap();
        out.push((
            InputKind::ConfigToml,
            rebase_paths(&text, &rel_dir).into_bytes(),
        ));
    }
    for name in ["custom_3x3.json", "mixed_3x3.json", "rec_arrays_3x3.json"] {
        let p = Path::new(ROOT).join("tests/data/hnn_json").join(name);
        out.push((InputKind::HnnJson, std::fs::read(p).unwrap()));
    }
    for (name, kind) in [
        ("models/gamma_L5weak_L2weak.json", InputKind::ParamsJson),
        ("models/gamma_L5weak_L2weak.param", InputKind::ParamsLegacy),
        ("models/celsius36.json", InputKind::ParamsJson),
        ("configs/params.json", InputKind::ParamsJson),
    ] {
        let p = Path::new(ROOT).join("tests/data").join(name);
        out.push((kind, std::fs::read(p).unwrap()));
    }
    out
}

/// `hnn_json = "x"`, `params_file = "x"`, `reference = "x"` of a config in
/// `rel_dir` rewritten relative to the repository root.
fn rebase_paths(text: &str, rel_dir: &Path) -> String {
    text.lines()
        .map(|line| {
            let key = line.split('=').next().unwrap_or("").trim();
            match (
                ["hnn_json", "params_file", "reference"].contains(&key),
                line.split('"').nth(1),
            ) {
                (true, Some(path)) => format!("{key} = \"{}\"", rel_dir.join(path).display()),
                _ => line.to_string(),
            }
        })
        .map(|l| l + "\n")
        .collect()
}

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.next_u32() as usize % items.len()]
}

fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        rng.next_u64() as usize % n
    }
}

/// Byte spans of number literals (a digit, with its sign, dots and
/// exponent).
fn number_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric()) {
            let mut start = i;
            if start > 0 && text[start - 1] == b'-' {
                start -= 1;
            }
            let mut end = i;
            while end < text.len() && (text[end].is_ascii_digit() || b".eE+-_".contains(&text[end]))
            {
                end += 1;
            }
            spans.push((start, end));
            i = end;
        } else {
            i += 1;
        }
    }
    spans
}

/// One structure-aware mutation of `input`.
fn mutate_once(rng: &mut ChaCha8Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    match rng.next_u32() % 9 {
        // a number replaced by a hostile one (most mutations)
        0..=2 => {
            let spans = number_spans(&out);
            if !spans.is_empty() {
                let (a, b) = spans[below(rng, spans.len())];
                out.splice(a..b, pick(rng, HOSTILE_NUMBERS).bytes());
            }
        }
        // a value (after `=` or `:`) replaced by one of another type
        3 => {
            let seps: Vec<usize> = (0..out.len())
                .filter(|&i| out[i] == b'=' || out[i] == b':')
                .collect();
            if !seps.is_empty() {
                let at = seps[below(rng, seps.len())] + 1;
                let end = (at..out.len())
                    .find(|&i| b",\n}]".contains(&out[i]))
                    .unwrap_or(out.len());
                let value = format!(" {}", pick(rng, SWAPPED_VALUES));
                out.splice(at..end, value.bytes());
            }
        }
        // a line deleted, duplicated or moved
        4..=5 => {
            let mut lines: Vec<Vec<u8>> = out.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
            let i = below(rng, lines.len());
            match rng.next_u32() % 3 {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                _ => {
                    let j = below(rng, lines.len());
                    lines.swap(i, j);
                }
            }
            out = lines.join(&b'\n');
        }
        // a token inserted
        6 => {
            let at = below(rng, out.len() + 1);
            out.splice(at..at, pick(rng, TOKENS).bytes());
        }
        // truncated
        7 => out.truncate(below(rng, out.len() + 1)),
        // a byte changed
        _ => {
            if !out.is_empty() {
                let i = below(rng, out.len());
                out[i] = rng.next_u32() as u8;
            }
        }
    }
    out
}

/// What went wrong with one input.
#[derive(Debug)]
#[allow(dead_code)] // read by the assertion's Debug output
struct Finding {
    kind: InputKind,
    panic: String,
    saved: PathBuf,
}

/// Runs inputs one at a time, catching panics; a watchdog thread aborts the
/// process (after saving the input) when one takes longer than
/// [`HANG_AFTER`].
struct Harness {
    scratch: PathBuf,
    config_file: PathBuf,
    stage: Stage,
    started_ms: Arc<AtomicU64>,
    current: Arc<Mutex<(InputKind, Vec<u8>)>>,
    epoch: Instant,
    last_panic: Arc<Mutex<String>>,
}

impl Harness {
    fn new(tag: &str) -> Harness {
        let scratch =
            std::env::temp_dir().join(format!("hnn-mpi-fuzz-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        let stage = match std::env::var("HNN_FUZZ_STAGE").as_deref() {
            Ok("build") => Stage::SimulationBuild,
            _ => Stage::Plan,
        };
        let h = Harness {
            scratch,
            config_file: Path::new(ROOT).join("fuzz.toml"),
            stage,
            started_ms: Arc::new(AtomicU64::new(0)),
            current: Arc::new(Mutex::new((InputKind::ConfigToml, Vec::new()))),
            epoch: Instant::now(),
            last_panic: Arc::new(Mutex::new(String::new())),
        };
        let (started, current, epoch) = (h.started_ms.clone(), h.current.clone(), h.epoch);
        let hang_file = h.scratch.join("hang");
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let s = started.load(Ordering::SeqCst);
            // `s` is 1 + the start (0: idle), so it may be just ahead of `elapsed`.
            let running_ms = (epoch.elapsed().as_millis() as u64).saturating_sub(s);
            if s != 0 && running_ms > HANG_AFTER.as_millis() as u64 {
                let (kind, input) = current.lock().unwrap().clone();
                std::fs::write(&hang_file, &input).unwrap();
                eprintln!(
                    "HANG: a {kind:?} input ran over {HANG_AFTER:?}; saved to {}",
                    hang_file.display()
                );
                std::process::abort();
            }
        });
        // Panics of a fuzzed input are recorded (and reported together at
        // the end); any other panic (an assertion) is shown as usual.
        let (last, running) = (h.last_panic.clone(), h.started_ms.clone());
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if running.load(Ordering::SeqCst) != 0 {
                *last.lock().unwrap() = info.to_string();
            } else {
                default_hook(info);
            }
        }));
        h
    }

    /// Run one input; `Ok` with the reader's own result, `Err` on a panic.
    fn run(&self, kind: InputKind, input: &[u8]) -> Result<Result<(), InputError>, String> {
        *self.current.lock().unwrap() = (kind, input.to_vec());
        self.started_ms.store(
            self.epoch.elapsed().as_millis() as u64 + 1,
            Ordering::SeqCst,
        );
        let result = catch_unwind(AssertUnwindSafe(|| {
            read_input(kind, input, &self.config_file, &self.scratch, self.stage)
        }));
        self.started_ms.store(0, Ordering::SeqCst);
        result.map_err(|_| self.last_panic.lock().unwrap().clone())
    }

    fn save(&self, n: usize, input: &[u8]) -> PathBuf {
        let p = self.scratch.join(format!("crash-{n}"));
        std::fs::write(&p, input).unwrap();
        p
    }
}

/// Runs on a thread with the main thread's stack size (8 MiB), which is
/// what the binary's readers run on.
fn on_main_sized_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// Every file of tests/data/fuzz/ (a reproducer of a defect the fuzzer
/// found) is refused without a panic, with the message of its `.expect`
/// file (one substring per line).
#[test]
fn reproducers_are_refused_with_their_message() {
    on_main_sized_stack(|| {
        let mut h = Harness::new("repro");
        // The strictest stage: a fix must hold up to the simulation's build.
        h.stage = Stage::SimulationBuild;
        let dir = Path::new(ROOT).join("tests/data/fuzz");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x != "expect" && x != "md"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no reproducers in {}", dir.display());
        for f in &files {
            let expect_file = PathBuf::from(format!("{}.expect", f.display()));
            let expected = std::fs::read_to_string(&expect_file)
                .unwrap_or_else(|e| panic!("{}: {e}", expect_file.display()));
            let input = std::fs::read(f).unwrap();
            let kind = kind_of(f);
            let message = match h.run(kind, &input) {
                Err(panic) => panic!("{}: panics: {panic}", f.display()),
                Ok(Ok(())) => panic!("{}: accepted, expected a refusal", f.display()),
                Ok(Err(e)) => e.to_string(),
            };
            for part in expected.lines().filter(|l| !l.trim().is_empty()) {
                assert!(
                    message.contains(part.trim()),
                    "{}: message {message:?} lacks {part:?}",
                    f.display()
                );
            }
        }
    });
}

/// A fixed-seed run of structure-aware mutations of every seed: no panic,
/// no hang (the watchdog). `HNN_FUZZ_SECS` makes it a long run.
#[test]
fn mutated_inputs_never_panic() {
    on_main_sized_stack(|| {
        let h = Harness::new("mutate");
        let seeds = seeds();
        let budget = std::env::var("HNN_FUZZ_SECS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs);
        // Short run: every seed mutated a fixed number of times (networks
        // are the slowest to read).
        let rounds_of = |kind: InputKind| match kind {
            InputKind::HnnJson => 8,
            _ => 24,
        };
        let seed = std::env::var("HNN_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(12);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (start, mut execs, mut skipped, mut refused) = (Instant::now(), 0usize, 0usize, 0usize);
        let mut findings: Vec<Finding> = Vec::new();
        'outer: for round in 0.. {
            for (kind, input) in &seeds {
                if budget.is_none() && round >= rounds_of(*kind) {
                    continue;
                }
                let mut m = mutate_once(&mut rng, input);
                for _ in 0..below(&mut rng, 4) {
                    m = mutate_once(&mut rng, &m);
                }
                if !within_fuzz_budget(*kind, &String::from_utf8_lossy(&m)) {
                    skipped += 1;
                    continue;
                }
                execs += 1;
                match h.run(*kind, &m) {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => refused += 1,
                    Err(panic) => findings.push(Finding {
                        kind: *kind,
                        panic,
                        saved: h.save(findings.len(), &m),
                    }),
                }
                if budget.is_some_and(|b| start.elapsed() > b) {
                    break 'outer;
                }
            }
            if budget.is_none() && round >= 24 {
                break;
            }
        }
        eprintln!(
            "{execs} executions in {:.1} s ({skipped} over the fuzzing budget skipped), \
             {refused} refused, {} panics",
            start.elapsed().as_secs_f64(),
            findings.len()
        );
        assert!(findings.is_empty(), "panics: {findings:#?}");
        assert!(execs > 500, "only {execs} executions");
    });
}

/// The config reproducers through the real binary: `--dry-run` and a run
/// both exit 2 with the message (file, line, key) and write nothing.
#[test]
fn config_reproducers_exit_2_through_the_binary() {
    let dir = Path::new(ROOT).join("tests/data/fuzz");
    let out_dir = common::temp_dir("fuzz-bin");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let f = e.unwrap().path();
        if f.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        n += 1;
        let rel = f.strip_prefix(ROOT).unwrap().display().to_string();
        // The messages of the .expect file, placed in this file.
        let expected: Vec<String> = std::fs::read_to_string(format!("{}.expect", f.display()))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().replace("fuzz.toml", &rel))
            .collect();
        let out = out_dir.join(format!("{n}.h5"));
        let out_s = out.display().to_string();
        for args in [
            vec![rel.as_str(), "--dry-run"],
            vec![rel.as_str(), "-o", &out_s],
        ] {
            let r = common::hnn_mpi(&args);
            let stderr = String::from_utf8_lossy(&r.stderr);
            assert_eq!(r.status.code(), Some(2), "{args:?}: {stderr}");
            for part in &expected {
                assert!(
                    stderr.contains(part.as_str()),
                    "{args:?}: {stderr:?} lacks {part:?}"
                );
            }
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert!(!out.exists(), "{args:?} wrote {out_s}");
        }
    }
    assert!(n >= 2, "{n} config reproducers");
}
