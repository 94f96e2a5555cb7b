#!/usr/bin/env bash
# Exact against fast numerics (docs/engine.md, "Fast mode") on this machine in
# one run: the 10x10 ERP (configs/erp_default.toml) and the seed example
# (configs/seed_example.toml, 20 simulations of a 3x3 network, one process),
# each mode run REPEATS times, interleaved (exact, fast, exact, fast, ...), so
# that another process's load falls on both alike. Prints, per config and
# mode, the median wall and user CPU time of the whole process (config,
# build, run, HDF5 output) and the exact/fast ratios, with the CPU model, its
# widest vector extension and the load average before and after.
#
#   scripts/bench/numerics.sh [repeats] [config ...]   (default 5; both configs)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEATS=${1:-5}
shift || true
CONFIGS=("$@")
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(configs/erp_default.toml configs/seed_example.toml)
cargo build --release --quiet --bin hnn-mpi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
ext=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx512f|avx2' | sort -u | tr '\n' ' ')
echo "CPU: $cpu; vector extensions: ${ext:-none wider than SSE}; $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for cfg in "${CONFIGS[@]}"; do
  : > "$out/times"
  for i in $(seq "$REPEATS"); do
    for mode in exact fast; do
      /usr/bin/time -f "$mode %e %U" -a -o "$out/times" \
        ./target/release/hnn-mpi "$cfg" -o "$out/run.h5" --force -q --numerics "$mode"
    done
  done
  python3 - "$cfg" "$out/times" <<'PY'
import statistics, sys
cfg, path = sys.argv[1], sys.argv[2]
t = {"exact": ([], []), "fast": ([], [])}
for line in open(path):
    mode, wall, user = line.split()
    t[mode][0].append(float(wall))
    t[mode][1].append(float(user))
med = {m: (statistics.median(w), statistics.median(u)) for m, (w, u) in t.items()}
print(f"{cfg}: {len(t['exact'][0])} runs each, medians: "
      f"exact {med['exact'][0]:.2f} s wall / {med['exact'][1]:.2f} s user, "
      f"fast {med['fast'][0]:.2f} s wall / {med['fast'][1]:.2f} s user; "
      f"exact/fast = {med['exact'][0] / med['fast'][0]:.2f}x wall, "
      f"{med['exact'][1] / med['fast'][1]:.2f}x user")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
