#!/usr/bin/env bash
# The main job: setup, release build, then `hnn-mpi CONFIG [options]` as a
# single MPI rank (no mpirun needed). Arguments go to hnn-mpi unchanged and
# paths in them are relative to the caller's directory; without arguments it
# runs configs/seed_example.toml from the repository root. Exits with hnn-mpi's
# exit code (see `hnn-mpi --help`).
#   scripts/run.sh                               # the seed example
#   scripts/run.sh configs/other.toml --dry-run
# For several ranks: mpirun -n 4 target/release/hnn-mpi CONFIG
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

echo "==> setup (scripts/setup.sh)" >&2
bash "$ROOT/scripts/setup.sh" || { echo "run: FAILED at setup" >&2; exit 1; }

if ! command -v cargo >/dev/null && [[ -r "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

echo "==> cargo build --release" >&2
cargo build --release --bin hnn-mpi --manifest-path "$ROOT/Cargo.toml" ||
  { echo "run: FAILED at cargo build --release" >&2; exit 1; }
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/hnn-mpi"

if (($# == 0)); then
  cd "$ROOT"
  set -- configs/seed_example.toml
fi
echo "==> $BIN $*" >&2
exec "$BIN" "$@"
