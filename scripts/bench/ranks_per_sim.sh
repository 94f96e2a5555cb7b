#!/usr/bin/env bash
# One large simulation split over ranks: the 20x20 ERP (configs/erp_20x20.toml)
# with hnn-mpi on 1 rank and on 2 ranks with --ranks-per-sim 2 (speedup), and
# hnn-core's MPIBackend(n_procs=2) on the same network, in the same run.
# Needs the reference virtualenv with mpi4py (scripts/reference/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/common.sh
cargo build --release --quiet --bin hnn-mpi
wall() { local s; s=$(date +%s.%N); "$@" >/dev/null; python3 -c "print(round($(date +%s.%N) - $s, 3))"; }
t1=$(wall target/release/hnn-mpi configs/erp_20x20.toml -o "$out/a.h5" --force -q)
t2=$(wall mpirun --oversubscribe -n 2 target/release/hnn-mpi configs/erp_20x20.toml -o "$out/b.h5" --force -q --ranks-per-sim 2)
cmp <(h5dump -d /dipole/agg "$out/a.h5" | tail -n +2) <(h5dump -d /dipole/agg "$out/b.h5" | tail -n +2) >/dev/null \
  && same="identical" || same="DIFFERENT"
core=$(PATH="$VENV/bin:$PATH" "$VENV/bin/python" scripts/bench/hnn_core_mpi_erp.py --mesh 20 --n-procs 2 2>/dev/null | tail -n 1)
t_core=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['seconds'])" "$core")
python3 -c "print(f'20x20 ERP: hnn-mpi 1 rank {$t1:.2f} s, 2 ranks (ranks_per_sim 2) {$t2:.2f} s: speedup {$t1/$t2:.2f} (dipoles $same); hnn-core MPIBackend(n_procs=2) {$t_core:.2f} s: {$t_core/$t2:.1f}x slower than hnn-mpi on 2 ranks')"
