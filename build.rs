//! Records the commit the binary is built from (the HDF5 root attribute
//! `git_commit`, `OutputSpec::build_git_commit`). Outside a git checkout, or
//! without git, the attribute says "unknown".
//!
//! Also records the CPU target features the crate is compiled with
//! (`HNN_MPI_TARGET_FEATURES`, `HNN_MPI_TARGET_CPU`) and compiles the
//! start-up check that the CPU running the binary has them
//! (src/command/cpu_check.c, for the baseline x86-64 so that it runs anywhere).

use std::process::Command;

fn main() {
    record_cpu_target();
    // A new commit or checkout changes HEAD or the branch it points to.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-env-changed=HNN_MPI_GIT_COMMIT");
    if std::env::var_os("HNN_MPI_GIT_COMMIT").is_some() {
        return;
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(commit) = commit {
        println!("cargo:rustc-env=HNN_MPI_GIT_COMMIT={commit}");
    }
}

/// `-C target-cpu=...` of the flags this build is compiled with, for the
/// start-up message.
fn target_cpu(encoded_rustflags: &str) -> Option<String> {
    let flags: Vec<&str> = encoded_rustflags.split('\x1f').collect();
    flags.iter().enumerate().rev().find_map(|(i, f)| {
        let value = f.strip_prefix("-Ctarget-cpu=").or_else(|| {
            f.strip_prefix("target-cpu=")
                .filter(|_| i > 0 && flags[i - 1] == "-C")
        })?;
        Some(value.to_string())
    })
}

fn record_cpu_target() {
    println!("cargo:rerun-if-changed=src/command/cpu_check.c");
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let cpu = target_cpu(&std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default())
        .map(|c| format!("target-cpu={c}"))
        .unwrap_or_else(|| "the default target CPU".into());
    println!("cargo:rustc-env=HNN_MPI_TARGET_FEATURES={features}");
    println!("cargo:rustc-env=HNN_MPI_TARGET_CPU={cpu}");
    let mut build = cc::Build::new();
    build.file("src/command/cpu_check.c").warnings(true);
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64") {
        // The baseline, whatever CFLAGS or the Rust target say.
        build.flag("-march=x86-64").flag("-mtune=generic");
    }
    build.compile("hnn_mpi_cpu_check");
}
