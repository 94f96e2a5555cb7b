#!/usr/bin/env bash
# Cost of one time step of one L5 pyramidal cell, hnn-mpi (exact and fast
# numerics, interleaved) beside NEURON, on this machine in the same run.
# Prints ns per compartment-step for each and the ratio.
#
#   scripts/bench/cell_step.sh [tstop_ms]      (default 1000)
#
# Needs the reference virtualenv (scripts/reference/README.md); set VENV to
# its path (default scripts/reference/.venv, then /work/venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
TSTOP=${1:-1000}
source scripts/bench/common.sh
cargo build --release --quiet --bin bench-cell-step
ours=$(./target/release/bench-cell-step "$TSTOP")
neuron=$("$VENV/bin/python" scripts/bench/neuron_cell_step.py "$TSTOP" | tail -n 1)
echo "$ours"
echo "$neuron"
python3 - "$neuron" <<PY
import json, sys
neuron = json.loads(sys.argv[1])
for line in """$ours""".splitlines():
    ours = json.loads(line)
    print(f"{ours['cells']:>4} cell(s), {ours['numerics']:>5}: hnn-mpi {ours['ns_per_compartment_step']:.1f} ns, "
          f"NEURON (1 cell) {neuron['ns_per_compartment_step']:.1f} ns per compartment-step: "
          f"NEURON/hnn-mpi = {neuron['ns_per_compartment_step'] / ours['ns_per_compartment_step']:.2f}x")
PY
