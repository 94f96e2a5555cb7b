#!/usr/bin/env bash
# Memory benchmark (issue "sweeps"): peak RSS of a 1,000-simulation sweep vs
# a 100-simulation one, same config otherwise, both single-process (no
# mpirun). Requirement: RSS(1000) <= 1.2 x RSS(100), i.e. memory does not grow
# with the number of simulations (results go to the file as they finish).
#
# Usage: scripts/bench/memory.sh [N_SMALL [N_LARGE]]     (default 100 1000)
# Environment:
#   SAVES='"dipole";"dipole", "spikes"'   the [output] save lists to measure,
#                               separated by ';' (TOML list items): by default
#                               the default output (dipoles), then with spikes
#   LIMIT=1.2                   maximum allowed RSS ratio
#   KEEP=1                      keep the temporary directory (configs, files)
#
# The sweep: a 3x3 jones_2009 network, tstop = 20 ms, one evoked proximal drive
# (the seed example's, at 10 ms), `linspace` over its pyramidal AMPA weight;
# summaries dipole_min/max with 5 ms smoothing. Measured with GNU time
# (`/usr/bin/time -v`, Debian package `time`). Exit 0 when the ratio is within
# LIMIT for every save list, 1 when not, 2 on a setup problem. Each
# 1000-simulation run takes about 40 s on one core (so ~1.5 min in all).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

N_SMALL=${1:-100}
N_LARGE=${2:-1000}
SAVES=${SAVES:-'"dipole";"dipole", "spikes"'}
LIMIT=${LIMIT:-1.2}

die() { echo "memory.sh: $*" >&2; exit 2; }
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: apt-get install time"
/usr/bin/time -v true 2>/dev/null || die "/usr/bin/time is not GNU time (no -v): apt-get install time"

if ! command -v cargo >/dev/null && [[ -r "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi
echo "memory.sh: cargo build --release --bin hnn-mpi" >&2
cargo build --release --quiet --bin hnn-mpi || die "build failed"
BIN=$PWD/target/release/hnn-mpi

if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
unset RUST_LOG

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hnn-mpi-memory.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then
  echo "memory.sh: keeping $TMP" >&2
else
  trap 'rm -rf "$TMP"' EXIT
fi

write_config() { # $1 = number of simulations
  cat <<EOF
# scripts/bench/memory.sh: $1 simulations
[simulation]
tstop = 20.0
dt = 0.025

[network]
model = "jones_2009"
mesh_shape = [3, 3]

[[drives]]
name = "evprox"
type = "evoked"
mu = 10.0
sigma = 2.0
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = 0.01, L2_pyramidal = "\$weight_pyr", L5_basket = 0.01, L5_pyramidal = "\$weight_pyr" }
synaptic_delays = { L2_basket = 0.1, L2_pyramidal = 0.1, L5_basket = 1.0, L5_pyramidal = 1.0 }

[sweep]
mode = "product"
[sweep.params]
weight_pyr = { linspace = [0.0001, 0.1, $1] }

[summary]
smooth_window_ms = 5
stats = ["dipole_min", "dipole_max"]

[output]
save = [$SAVE]
EOF
}

# run N -> sets RSS_KB, WALL_S, FILE_BYTES
run() {
  local n=$1 cfg="$TMP/sweep_$1.toml" out="$TMP/sweep_$1.h5" log="$TMP/time_$1.txt"
  write_config "$n" >"$cfg"
  echo "memory.sh: running $n simulations ..." >&2
  if ! /usr/bin/time -v -o "$log" "$BIN" "$cfg" -o "$out" --force -q; then
    cat "$log" >&2
    die "hnn-mpi failed on $n simulations"
  fi
  RSS_KB=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$log")
  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34"
  WALL_S=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$log")
  FILE_BYTES=$(stat -c %s "$out")
  [[ -n "$RSS_KB" && -n "$WALL_S" ]] || die "cannot parse $log"
}

STATUS=0
IFS=';' read -r -a SAVE_LIST <<<"$SAVES"
RESULTS=()
for SAVE in "${SAVE_LIST[@]}"; do
  run "$N_SMALL"
  RSS_S=$RSS_KB WALL_SMALL=$WALL_S FILE_S=$FILE_BYTES
  run "$N_LARGE"
  RSS_L=$RSS_KB WALL_LARGE=$WALL_S FILE_L=$FILE_BYTES
  RATIO=$(awk -v a="$RSS_L" -v b="$RSS_S" 'BEGIN { printf "%.3f", a / b }')
  if awk -v r="$RATIO" -v l="$LIMIT" 'BEGIN { exit !(r <= l) }'; then
    VERDICT=PASS
  else
    VERDICT="FAIL (peak RSS grows with the number of simulations)"
    STATUS=1
  fi
  RESULTS+=("$SAVE|$N_SMALL $RSS_S $WALL_SMALL $FILE_S|$N_LARGE $RSS_L $WALL_LARGE $FILE_L|$RATIO|$VERDICT")
done

echo
echo "memory benchmark: 3x3 network, tstop 20 ms, 1 process ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
for r in "${RESULTS[@]}"; do
  IFS='|' read -r save small large ratio verdict <<<"$r"
  echo
  echo "[output] save = [$save]"
  printf '  %-12s %14s %12s %10s %14s\n' simulations "peak RSS (MB)" "wall (s)" "sims/s" "file (MB)"
  for row in "$small" "$large"; do
    # shellcheck disable=SC2086
    set -- $row
    awk -v n="$1" -v r="$2" -v w="$3" -v f="$4" 'BEGIN {
      printf "  %-12d %14.1f %12.2f %10.1f %14.2f\n", n, r / 1024, w, (w > 0 ? n / w : 0), f / 1048576 }'
  done
  echo "  RSS ratio ($N_LARGE / $N_SMALL): $ratio (limit $LIMIT): $verdict"
done
exit "$STATUS"
