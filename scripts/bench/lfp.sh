#!/usr/bin/env bash
# Cost of an electrode array (issue 14: at most 25%): hnn-core's default
# ERP on a 10x10 network, one trial, without and with hnn-core's example
# 25-contact laminar array (PSA), run alternately in one process. Prints the
# machine, the wall and thread-CPU medians and their ratios (with-array /
# plain); on a machine shared with other work trust the CPU-time ratio.
#
#   scripts/bench/lfp.sh [tstop_ms] [rounds] [mesh]   (default 170 5 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin bench-lfp
lscpu | grep -E '^Model name' | sed 's/  */ /g'
grep -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
out=$(./target/release/bench-lfp "${1:-170}" "${2:-5}" "${3:-10}")
echo "$out"
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"{r['mesh']}x{r['mesh']} ERP, {r['contacts']} contacts: wall {r['median_plain_s']:.2f} s -> "
      f"{r['median_lfp_s']:.2f} s ({r['ratio']:.3f}x), CPU "
      f"{sorted(r['plain_cpu_s'])[len(r['plain_cpu_s']) // 2]:.2f} s -> "
      f"{sorted(r['lfp_cpu_s'])[len(r['lfp_cpu_s']) // 2]:.2f} s ({r['cpu_ratio']:.3f}x)")
PY
