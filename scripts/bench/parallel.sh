#!/usr/bin/env bash
# MPI benchmarks, on this machine in one run:
#  1. the seed example: hnn-core's BatchSimulate(n_jobs=2) against
#     `mpirun -n 2 hnn-mpi configs/seed_example.toml` (wall times, ratio);
#  2. parallel efficiency of hnn-mpi from 1 to 2 ranks (mpirun -n 1 and -n 2)
#     on a 40-simulation 3x3 sweep (configs/bench_3x3_40.toml): T1 / (2 T2).
# Needs the reference virtualenv for hnn-core (scripts/reference/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-scripts/reference/.venv}
[ -x "$VENV/bin/python" ] || VENV=/work/venv
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cargo build --release --quiet --bin hnn-mpi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wall() { local s; s=$(date +%s.%N); "$@" >/dev/null; python3 -c "print(round($(date +%s.%N) - $s, 3))"; }

core=$("$VENV/bin/python" scripts/bench/hnn_core_batch.py --n-jobs 2 2>/dev/null | tail -n 1)
t_core=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['seconds'])" "$core")
t_seed=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi configs/seed_example.toml -o "$out/seed.h5" --force -q)
python3 -c "print(f'seed example (20 sims, 3x3): hnn-core BatchSimulate(n_jobs=2) {$t_core:.2f} s, hnn-mpi mpirun -n 2 {$t_seed:.2f} s: {$t_core/$t_seed:.1f}x')"

# Both under mpirun, so both pay MPI's start-up (about 0.2 s here); without
# mpirun, hnn-mpi skips MPI entirely.
t1=$(wall mpirun --oversubscribe -n 1 target/release/hnn-mpi configs/bench_3x3_40.toml -o "$out/b1.h5" --force -q)
t2=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi configs/bench_3x3_40.toml -o "$out/b2.h5" --force -q)
python3 -c "print(f'40-sim 3x3 sweep: 1 rank {$t1:.2f} s, 2 ranks {$t2:.2f} s: speedup {$t1/$t2:.2f}, parallel efficiency {$t1/(2*$t2):.2f}')"
