#!/usr/bin/env bash
# The main job: setup, release build, then `hnn-mpi CONFIG [options]` as a
# single MPI rank (no mpirun needed). Arguments go to hnn-mpi unchanged;
# default: configs/seed_example.toml. Exits with hnn-mpi's exit code
# (see `hnn-mpi --help`).
#   scripts/run.sh                               # the seed example
#   scripts/run.sh configs/other.toml --dry-run
# For several ranks: mpirun -n 4 target/release/hnn-mpi CONFIG
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "==> setup (scripts/setup.sh)" >&2
bash scripts/setup.sh || { echo "run: FAILED at setup" >&2; exit 1; }

if ! command -v cargo >/dev/null && [[ -r "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

echo "==> cargo build --release" >&2
cargo build --release --bin hnn-mpi || { echo "run: FAILED at cargo build --release" >&2; exit 1; }

(($#)) || set -- configs/seed_example.toml
echo "==> target/release/hnn-mpi $*" >&2
exec target/release/hnn-mpi "$@"
