#!/usr/bin/env bash
# A CMA-ES fit of the example problem (configs/fit_evoked.toml: the 3x3
# network, one evoked drive's mean time and two weights, against
# tests/data/fit/target.txt) by hnn-core 0.6.1's
# Optimizer(solver='cma', obj_fun='dipole_rmse', popsize 16, n_jobs=2) and by
# `mpirun -n 2 hnn-mpi`, on the same budget of evaluations. Both search the
# ranges linearly here (hnn-core has no log10 search), with hnn-core's
# sigma0, tolfun and seed defaults. Prints the wall times, their ratio, the
# final objectives and the CPU (lscpu model and flags).
#
#   scripts/bench/fit.sh [generations]       (default 20: 320 evaluations)
#
# Run it on a quiet machine: both use two cores. hnn-core's time covers
# Optimizer.fit; hnn-mpi's the whole mpirun (start-up, config, the runs,
# the HDF5 file). Needs the reference virtualenv (scripts/reference/README.md);
# set VENV to its path.
set -euo pipefail
cd "$(dirname "$0")/../.."
GENERATIONS=${1:-20}
EVALS=$((GENERATIONS * 16))
source scripts/bench/common.sh
cargo build --release --quiet --bin hnn-mpi
# the example, linear ranges, the budget, an absolute target
sed -e "s|^max_evaluations = .*|max_evaluations = $EVALS|" \
    -e "s|, log = true }| }|" \
    -e "s|^target = .*|target = \"$PWD/tests/data/fit/target.txt\"|" \
    configs/fit_evoked.toml > "$out/fit.toml"
core=$("$VENV/bin/python" scripts/bench/hnn_core_fit.py --generations "$GENERATIONS" --n-jobs 2 2>/dev/null | tail -n 1)
echo "hnn-core: $core"
start=$(date +%s.%N)
mpirun --oversubscribe -n 2 ./target/release/hnn-mpi "$out/fit.toml" -o "$out/fit.h5" --force -q
t_ours=$(python3 -c "print(round($(date +%s.%N) - $start, 3))")
best_ours=$(/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1]); print(f['fit'].attrs['best_objective'], f['fit'].attrs['n_evals'], f['fit'].attrs['stop_reason'])" "$out/fit.h5")
python3 - "$core" "$t_ours" $best_ours <<'PY'
import json, sys
core = json.loads(sys.argv[1])
t_ours, best, n, reason = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"hnn-core Optimizer(cma, n_jobs=2): {core['seconds']:.2f} s, {core['evaluations']} evaluations, "
      f"best dipole_rmse {core['best_objective']:.4g}")
print(f"mpirun -n 2 hnn-mpi:               {t_ours:.2f} s, {n} evaluations ({reason}), best dipole_rmse {best:.4g}")
print(f"ratio hnn-core / hnn-mpi: {core['seconds'] / t_ours:.1f}x")
PY
lscpu | grep -E "^(Model name|Flags)" | sed 's/^Flags:\s*/Flags: /'
