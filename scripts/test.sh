#!/usr/bin/env bash
# The project's test command (README, CI): setup, then format, lint and tests.
# Stops at the first failing step and names it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo; echo "==> $*" >&2; }
fail() { echo; echo "test: FAILED at step: $1" >&2; exit 1; }

step "setup (scripts/setup.sh)"
bash scripts/setup.sh || fail "setup"

# setup.sh may just have installed rustup into this user's home.
if ! command -v cargo >/dev/null && [[ -r "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi

# Tests start MPI (a singleton or mpirun); OpenMPI refuses root without these.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

step "cargo fmt --check"
cargo fmt --all --check || fail "cargo fmt --check (run 'cargo fmt' to fix)"

step "module structure (scripts/check_layers.py)"
python3 scripts/check_layers.py || fail "module structure (scripts/check_layers.py: cycles, upward imports, files over 700 lines)"

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings || fail "cargo clippy"

step "cargo test --release"
cargo test --release || fail "cargo test --release"

step "SLURM job scripts (scripts/slurm_test.sh)"
bash scripts/slurm_test.sh || fail "SLURM job scripts (scripts/slurm_test.sh)"

echo; echo "test: all steps passed" >&2
