//! Records the commit the binary is built from (the HDF5 root attribute
//! `git_commit`, `OutputSpec::build_git_commit`). Outside a git checkout, or
//! without git, the attribute says "unknown".

use std::process::Command;

fn main() {
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
