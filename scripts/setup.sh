#!/usr/bin/env bash
# Install everything hnn-mpi needs to build and test on Debian 12.
# Idempotent: when every package and toolchain component is already present it
# returns in well under a second without touching apt.
set -euo pipefail

# Debian packages: MPI and HDF5 headers/libraries, clang for bindgen (mpi-sys),
# pkg-config to find HDF5, build-essential for the linker `cc`.
# python3-venv is for scripts/reference/ (run by hand, never by CI);
# python3-h5py and python3-matplotlib read and plot the output files
# (scripts/plot_sweep.py, tests/h5py_check.py, run by the tests); python3-scipy
# interpolates the CSD image of scripts/plot_lfp.py (hnn-core's spline).
# slurm-wlm (slurmctld + slurmd + client commands) and munge (its
# authentication daemon) run the jobs/ scripts on a throwaway single-node
# SLURM in scripts/slurm_test.sh. `time` (GNU time, for peak memory) is
# used by scripts/bench/memory.sh.
PACKAGES=(
  build-essential pkg-config
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libclang-dev clang
  python3-venv python3-h5py python3-matplotlib python3-scipy
  slurm-wlm munge
  time
)

log() { echo "setup: $*" >&2; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

[[ -r /etc/debian_version ]] || die "this script targets Debian 12; install by hand: ${PACKAGES[*]}"

# `sudo` only when we are not already root (CI runs as root without sudo).
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "not root and sudo is missing"
  SUDO=(sudo)
fi

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

apt_install() {
  log "apt-get update"
  "${SUDO[@]}" apt-get update -q || die "apt-get update failed"
  log "apt-get install $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q "$@" || die "apt-get install failed: $*"
}

missing=()
for p in "${PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
else
  log "system packages already installed"
fi

# Rust toolchain. Fresh CI images normally ship rustup; if not, install it the
# official way (stable, minimal profile).
if ! command -v cargo >/dev/null && [[ -r "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null; then
  command -v curl >/dev/null || apt_install curl ca-certificates
  log "installing Rust with rustup (stable, minimal profile)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
    sh -s -- -y --profile minimal --default-toolchain stable --component rustfmt,clippy ||
    die "rustup installation failed"
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi

# rustfmt and clippy are required by scripts/test.sh.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  command -v rustup >/dev/null || die "cargo fmt/clippy missing and no rustup to add them"
  log "rustup component add rustfmt clippy"
  rustup component add rustfmt clippy || die "rustup component add rustfmt clippy failed"
fi

log "ok ($(cargo --version), $(mpirun --version 2>/dev/null | head -n1))"
