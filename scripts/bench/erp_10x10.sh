#!/usr/bin/env bash
# The default 10x10 ERP (hnn-core's jones_2009_model + add_erp_drives_to_jones_model,
# 170 ms) with hnn-core 0.6.1 on NEURON and with hnn-mpi in exact and in fast
# numerics (docs/engine.md, "Fast mode"), one core each, on this machine in the
# same run, the three interleaved in every repeat. Prints the wall times and
# the ratios.
#
#   scripts/bench/erp_10x10.sh [repeats]     (default 3: best of each)
#
# hnn-core's time covers simulate_dipole (network build, NEURON run,
# post-processing); hnn-mpi's the whole process `hnn-mpi configs/erp_default.toml`
# (config, build, run, HDF5 output). Needs the reference virtualenv
# (scripts/reference/README.md); set VENV to its path.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEATS=${1:-3}
source scripts/bench/common.sh
cargo build --release --quiet --bin hnn-mpi
best_core=inf; best_ours=inf; best_fast=inf
ours() {
  local start
  start=$(date +%s.%N)
  ./target/release/hnn-mpi configs/erp_default.toml -o "$out/erp.h5" --force -q --numerics "$1"
  python3 -c "import sys; print(round($(date +%s.%N) - $start, 3))"
}
for i in $(seq "$REPEATS"); do
  core=$("$VENV/bin/python" scripts/bench/hnn_core_erp.py --mesh 10 10 | tail -n 1)
  t_core=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['seconds'])" "$core")
  t_ours=$(ours exact)
  t_fast=$(ours fast)
  echo "run $i: hnn-core $t_core s, hnn-mpi exact $t_ours s, fast $t_fast s"
  best_core=$(python3 -c "print(min(float('$best_core'), $t_core))")
  best_ours=$(python3 -c "print(min(float('$best_ours'), $t_ours))")
  best_fast=$(python3 -c "print(min(float('$best_fast'), $t_fast))")
done
python3 -c "print(f'10x10 ERP, best of $REPEATS: hnn-core {$best_core:.2f} s, hnn-mpi exact {$best_ours:.2f} s, fast {$best_fast:.2f} s; hnn-core/exact = {$best_core/$best_ours:.1f}x, hnn-core/fast = {$best_core/$best_fast:.1f}x, exact/fast = {$best_ours/$best_fast:.2f}x')"
