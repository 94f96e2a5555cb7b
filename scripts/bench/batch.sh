#!/usr/bin/env bash
# Small networks integrated together: the seed example's 3x3 simulations one
# at a time against batches of k networks (one rank, integration only), and
# the floor under any exact simulation of them: every cnexp gate update at
# the engine's cost per update, and at the cost of its three IEEE divisions
# alone. No hnn-core needed; scripts/bench/parallel.sh compares with it.
#
#   scripts/bench/batch.sh [N_SIMS]        (default 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-20}
cargo build --release --quiet --bin bench-batch
out=$(./target/release/bench-batch configs/seed_example.toml "$N" 1 2 5 10)
echo "$out"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
runs = {r["k"]: r["seconds_per_sim"] for r in rows if "k" in r}
floor = next(r for r in rows if "gate_updates_per_sim" in r)
for k, s in runs.items():
    print(f"k = {k:>2}: {s * 1000:.1f} ms per simulation, {runs[1] / s:.2f}x one at a time")
print(f"gate updates per simulation: {floor['gate_updates_per_sim']:,}; "
      f"{floor['ns_per_gate_update']:.2f} ns each (cnexp_row), "
      f"{floor['ns_per_gate_divisions']:.2f} ns for its divisions alone")
print(f"floor per simulation: {floor['floor_seconds_per_sim'] * 1000:.1f} ms (gate updates), "
      f"{floor['division_floor_seconds_per_sim'] * 1000:.1f} ms (their divisions alone)")
PY
