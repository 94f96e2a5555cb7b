//! A binary built for instructions the CPU lacks says so and exits 4
//! instead of dying with SIGILL (issue 12, class 11). The test-only
//! `HNN_MPI_PRETEND_MISSING_CPU_FEATURE` makes the start-up check
//! (src/command/cpu_check.c) treat the features it lists as missing.

use std::process::Command;

mod common;
use common::temp_dir;

fn run(pretend: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hnn-mpi"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env_remove("HNN_MPI_PRETEND_MISSING_CPU_FEATURE");
    if let Some(p) = pretend {
        c.env("HNN_MPI_PRETEND_MISSING_CPU_FEATURE", p);
    }
    c.output().expect("hnn-mpi starts")
}

#[test]
#[cfg(target_arch = "x86_64")]
fn missing_features_are_named_with_how_to_rebuild_and_nothing_runs() {
    let dir = temp_dir("cpu");
    let out = dir.join("never.h5");
    let args = [
        "configs/seed_example.toml",
        "-o",
        out.to_str().unwrap(),
        "--force",
    ];
    // sse2 is part of every x86-64 build; sse too.
    for (pretend, named) in [("sse2", "sse2"), ("sse,sse2", "sse, sse2")] {
        let o = run(Some(pretend), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{pretend}: {err}");
        assert!(
            err.contains("this CPU lacks instruction set extensions this binary was compiled for"),
            "{err}"
        );
        assert!(err.contains(&format!("): {named}.")), "which ones: {err}");
        assert!(err.contains("target-cpu="), "how it was built: {err}");
        assert!(
            err.contains("cargo build-v3") && err.contains("RUSTFLAGS"),
            "how to rebuild: {err}"
        );
        assert!(!out.exists(), "nothing ran");
    }
    // Features the binary was not compiled with, or unknown names, are not
    // required: the check passes.
    for pretend in ["no-such-feature", "avx512vp2intersect,tbm", ""] {
        let o = run(Some(pretend), &["configs/seed_example.toml", "--dry-run"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{pretend}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_real_cpu_passes_its_own_build() {
    let o = run(None, &["configs/seed_example.toml", "--dry-run"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
