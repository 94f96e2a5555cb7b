#!/usr/bin/env bash
# MPI benchmarks, on this machine in one run:
#  1. the seed example: hnn-core's BatchSimulate(n_jobs=2) against
#     `mpirun -n 2 hnn-mpi configs/seed_example.toml` in exact and in fast
#     numerics (docs/engine.md §9) (wall times, ratios);
#  2. parallel efficiency of hnn-mpi from 1 to 2 ranks (mpirun -n 1 and -n 2)
#     on a 40-simulation 3x3 sweep (configs/bench_3x3_40.toml): T1 / (2 T2),
#     in both numerics.
# Needs the reference virtualenv for hnn-core (scripts/reference/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/common.sh
cargo build --release --quiet --bin hnn-mpi
wall() { local s; s=$(date +%s.%N); "$@" >/dev/null; python3 -c "print(round($(date +%s.%N) - $s, 3))"; }

core=$("$VENV/bin/python" scripts/bench/hnn_core_batch.py --n-jobs 2 2>/dev/null | tail -n 1)
t_core=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['seconds'])" "$core")
t_seed=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi configs/seed_example.toml -o "$out/seed.h5" --force -q --numerics exact)
t_fast=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi configs/seed_example.toml -o "$out/seedf.h5" --force -q --numerics fast)
python3 -c "print(f'seed example (20 sims, 3x3): hnn-core BatchSimulate(n_jobs=2) {$t_core:.2f} s, hnn-mpi mpirun -n 2 exact {$t_seed:.2f} s ({$t_core/$t_seed:.1f}x), fast {$t_fast:.2f} s ({$t_core/$t_fast:.1f}x; exact/fast {$t_seed/$t_fast:.2f}x)')"

# Both under mpirun, so both pay MPI's start-up (about 0.2 s here); without
# mpirun, hnn-mpi skips MPI entirely.
for mode in exact fast; do
  t1=$(wall mpirun --oversubscribe -n 1 target/release/hnn-mpi configs/bench_3x3_40.toml -o "$out/b1.h5" --force -q --numerics $mode)
  t2=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi configs/bench_3x3_40.toml -o "$out/b2.h5" --force -q --numerics $mode)
  python3 -c "print(f'40-sim 3x3 sweep ($mode): 1 rank {$t1:.2f} s, 2 ranks {$t2:.2f} s: speedup {$t1/$t2:.2f}, parallel efficiency {$t1/(2*$t2):.2f}')"
done
