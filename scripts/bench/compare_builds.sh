#!/usr/bin/env bash
# Two builds of hnn-mpi side by side on this machine in the same run, runs
# interleaved (before, after, before, ...) so that load drifts hit both:
# bench-cell-step (ns per compartment-step, 1, 10 and 100 cells), the seed
# example and the default 10x10 ERP (wall seconds of the whole process).
# Prints each run, then the medians and after/before ratios, with the CPU.
#
#   scripts/bench/compare_builds.sh BEFORE_DIR AFTER_DIR [repeats]   (default 5)
#   TSTOP_MS=300 scripts/bench/compare_builds.sh ...   (shorter cell-step runs)
#
# Each DIR holds `hnn-mpi` and `bench-cell-step` (e.g. a copy of an older
# build's target/release, and target/release).
set -euo pipefail
cd "$(dirname "$0")/../.."
BEFORE=$1; AFTER=$2; REPEATS=${3:-5}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d); log="$out/runs.txt"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
ext=$(grep -m1 -o -w 'avx512f' /proc/cpuinfo || grep -m1 -o -w 'avx2' /proc/cpuinfo || echo 'no AVX2')
echo "CPU: $cpu ($ext), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
wall() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; python3 -c "print(round($(date +%s.%N) - $s, 3))"; }
for i in $(seq "$REPEATS"); do
  for which in before after; do
    dir=$BEFORE; [ "$which" = after ] && dir=$AFTER
    cs=$("$dir/bench-cell-step" "${TSTOP_MS:-1000}" | python3 -c "
import json, sys
# Exact numerics only (older builds print no 'numerics' key: exact).
rows = [json.loads(l) for l in sys.stdin]
print(' '.join(str(r['ns_per_compartment_step']) for r in rows if r.get('numerics', 'exact') == 'exact'))")
    seed=$(wall "$dir/hnn-mpi" configs/seed_example.toml -o "$out/seed_$which.h5" --force -q)
    erp=$(wall "$dir/hnn-mpi" configs/erp_default.toml -o "$out/erp_$which.h5" --force -q)
    echo "$which $i cell_step_ns $cs seed_s $seed erp_s $erp" | tee -a "$log"
  done
done
python3 - "$log" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def col(which, name):
    out = []
    for r in rows:
        if r[0] != which:
            continue
        i = r.index(name) + 1
        vals = []
        while i < len(r) and not r[i].endswith(('_s', '_ns')):
            vals.append(float(r[i])); i += 1
        out.append(vals)
    return list(zip(*out))
for name, labels in [("cell_step_ns", None), ("seed_s", ["seed example (s)"]), ("erp_s", ["10x10 ERP (s)"])]:
    b, a = col("before", name), col("after", name)
    labels = labels or [f"cell_step, {c} (ns/compartment-step)" for c in ("1 cell", "10 cells", "100 cells")][: len(b)]
    for lab, xb, xa in zip(labels, b, a):
        mb, ma = statistics.median(xb), statistics.median(xa)
        print(f"{lab:<42} before {mb:8.3f}  after {ma:8.3f}  after/before {ma / mb:.3f}")
PY
