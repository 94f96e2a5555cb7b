#!/usr/bin/env bash
# A random sweep of 3x3 networks at dt = 0.5 ms with per-simulation integer
# seeds (configs/bench_sweep_dt05.toml: mu, two AMPA weights, event_seed =
# "$seed" drawn from { integers = [0, 1000000] }), 170 ms each: simulations per
# second of hnn-mpi on 2 ranks (`mpirun -n 2`, exact and fast numerics) beside
# hnn-core 0.6.1's BatchSimulate(n_jobs=2) at the same dt.
#
#   scripts/bench/sweep_dt05.sh [n_hnn_mpi] [n_hnn_core]   (defaults 10000, 200)
#
# hnn-core runs fewer simulations (default 200) and its rate is reported per
# second; so is hnn-mpi's (the whole process: config, 10,000 simulations, HDF5
# output with every dipole). hnn-core's draws are the same distributions, not
# the same points (scripts/bench/hnn_core_sweep_dt05.py). Needs the reference
# virtualenv (scripts/reference/README.md); set VENV to its path.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
N_CORE=${2:-200}
source scripts/bench/common.sh
cargo build --release --quiet --bin hnn-mpi
sed "s/^n_samples = .*/n_samples = $N/" configs/bench_sweep_dt05.toml > "$out/sweep.toml"
wall() { local s; s=$(date +%s.%N); "$@" >/dev/null; python3 -c "print(round($(date +%s.%N) - $s, 3))"; }

core=$("$VENV/bin/python" scripts/bench/hnn_core_sweep_dt05.py --n-jobs 2 --n-sims "$N_CORE" 2>/dev/null | tail -n 1)
t_core=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['seconds'])" "$core")
t_exact=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi "$out/sweep.toml" -o "$out/exact.h5" --force -q --numerics exact)
t_fast=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi "$out/sweep.toml" -o "$out/fast.h5" --force -q --numerics fast)
python3 - <<PY
core, exact, fast = $N_CORE / $t_core, $N / $t_exact, $N / $t_fast
print(f"3x3 random sweep, dt = 0.5 ms, 170 ms, 2 ranks/jobs: "
      f"hnn-core BatchSimulate {$N_CORE} sims in {$t_core:.2f} s = {core:.1f} sims/s; "
      f"hnn-mpi exact {$N} sims in {$t_exact:.2f} s = {exact:.1f} sims/s ({exact / core:.1f}x); "
      f"fast {$N} sims in {$t_fast:.2f} s = {fast:.1f} sims/s ({fast / core:.1f}x, {fast / exact:.2f}x of exact)")
PY
