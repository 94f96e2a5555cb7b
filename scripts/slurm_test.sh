#!/usr/bin/env bash
# End-to-end test of the SLURM job scripts in jobs/ on a throwaway
# single-node SLURM cluster that this script starts and stops by itself.
#
#   bash scripts/slurm_test.sh          # as root, after scripts/setup.sh
#
# It starts a private munged (own key and socket) and slurmctld + slurmd
# (own slurm.conf, ports, state and spool folders), all in one temporary
# folder; nothing in /etc is touched and any system SLURM or munge is left
# alone. Then, with 2 tasks on the one node:
#   1. jobs/sweep.sbatch on tests/data/mpi/short_sweep.toml: the job
#      completes with exit code 0, 2 MPI ranks, every /status entry is 1;
#   2. the same again onto the existing file: hnn-mpi refuses (no --force by
#      default) and the job fails with hnn-mpi's exit code 2, file untouched;
#   3. jobs/sweep.sbatch with srun unable to start MPI (HNN_SRUN_MPI=none: no
#      PMI at all; =pmi2: one OpenMPI cannot use): the script falls back to
#      mpirun in the allocation and completes the file on 2 ranks;
#   4. jobs/sweep_requeue.sbatch on a 40-simulation sweep, sent SIGTERM the
#      way --signal=B:TERM does: hnn-mpi saves and exits 5, the job requeues
#      itself, the second run resumes the file and completes it;
#   5. the same job cancelled with a plain scancel (which sends SIGTERM too):
#      it stays cancelled, not requeued.
# The daemons are always stopped and the folder removed on exit.
# Needs root (SLURM daemons); as another user it says so and exits 0.
# HNN_SLURM_TEST_KEEP=1 keeps the temporary folder (logs) for debugging.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { echo "slurm_test: $*" >&2; }
T=
fail() {
  say "FAILED: $*"
  if [[ -n "$T" && -d "$T" ]]; then
    for f in "$T"/jobs/*.log "$T"/log/*; do
      [[ -f "$f" ]] || continue
      echo "----- $f (last 40 lines)" >&2
      tail -n 40 "$f" >&2
    done
  fi
  exit 1
}

if [[ $(id -u) -ne 0 ]]; then
  say "SKIPPED: needs root to run slurmctld/slurmd/munged (run it as root, e.g. in CI)"
  exit 0
fi

for c in munged munge unmunge slurmctld slurmd sbatch squeue scontrol scancel sinfo mpirun; do
  command -v "$c" >/dev/null || fail "'$c' not found: run scripts/setup.sh (slurm-wlm, munge, openmpi-bin)"
done
PY=/usr/bin/python3 # Debian's, with python3-h5py (a pyenv python3 may lack h5py)
"$PY" -c 'import h5py' 2>/dev/null || fail "$PY cannot import h5py: run scripts/setup.sh (python3-h5py)"

# Nothing from an enclosing SLURM job or another cluster's configuration,
# nor job-script settings from the caller's shell (sbatch passes them on).
while read -r v; do unset "$v"; done < <(compgen -e | grep '^SLURM_' || true)
unset HNN_CONFIG HNN_OUTPUT HNN_MPI HNN_LAUNCHER HNN_SRUN_MPI HNN_MAX_REQUEUES
# OpenMPI refuses root without these; sbatch passes them into the jobs.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# The binary under test, built from this tree (a no-op when up to date).
if ! command -v cargo >/dev/null && [[ -r "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi
# (In the background, so that an interrupted test stops the build too.)
cargo build --release --bin hnn-mpi -q &
CARGO_PID=$!
trap 'kill -TERM "$CARGO_PID" 2>/dev/null; exit 143' INT TERM
wait "$CARGO_PID" || fail "cargo build --release"
trap - INT TERM
START=$SECONDS # (the build is not the test's time)
BIN="$(cd "${CARGO_TARGET_DIR:-$ROOT/target}" && pwd)/release/hnn-mpi"
[[ -x "$BIN" ]] || fail "$BIN missing after cargo build"

# ------------------------------------------------------------------ cleanup
MUNGED_PID= CTLD_PID= SLURMD_PID=
stop_pid() { # pid: TERM, up to 10 s, then KILL; reap
  local pid=$1 i
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    # A zombie (state Z in /proc/PID/stat) has exited and awaits the reap.
    if [[ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" == Z ]]; then break; fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -n "$CTLD_PID" ]] && kill -0 "$CTLD_PID" 2>/dev/null; then
    # Jobs first, so that no slurmstepd or hnn-mpi outlives the daemons.
    local jobs i
    jobs=$(squeue -h -o %i 2>/dev/null)
    if [[ -n "$jobs" ]]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null
      for ((i = 0; i < 100; i++)); do
        [[ -z "$(squeue -h -o %i 2>/dev/null)" ]] && break
        sleep 0.2
      done
    fi
  fi
  stop_pid "$SLURMD_PID"
  stop_pid "$CTLD_PID"
  stop_pid "$MUNGED_PID"
  if [[ -n "$T" && -d "$T" ]]; then
    if [[ "${HNN_SLURM_TEST_KEEP:-0}" == 1 ]]; then
      say "kept $T"
    else
      rm -rf "$T"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T="$(mktemp -d /tmp/hnn-slurm-test.XXXXXX)"
chmod 711 "$T" # munged wants its socket folder reachable
mkdir -p "$T"/{state,spool,log,jobs,out}

# ------------------------------------------------------------------ munge
# A private munged: own key, socket, pid, log and seed files.
dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge.key"
MUNGE_SOCKET="$T/munge.sock"
munged --foreground --force --socket="$MUNGE_SOCKET" --key-file="$T/munge.key" \
  --pid-file="$T/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/munged.seed" \
  >"$T/log/munged.out" 2>&1 &
MUNGED_PID=$!
for ((i = 0; ; i++)); do
  munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1 && break
  kill -0 "$MUNGED_PID" 2>/dev/null || fail "munged exited"
  ((i < 100)) || fail "munged not answering on $MUNGE_SOCKET after 10 s"
  sleep 0.1
done

# ------------------------------------------------------------------ slurm
NODE="$(hostname -s)"
# Free means bindable (not merely refusing connections: the local end of
# another program's connection is in use too), and below the kernel's
# ephemeral range, so that no outgoing connection takes it meanwhile.
port_free() {
  "$PY" -c 'import socket, sys
s = socket.socket()
s.bind(("", int(sys.argv[1])))' "$1" 2>/dev/null
}
read -r EPHEMERAL_LO _ </proc/sys/net/ipv4/ip_local_port_range || EPHEMERAL_LO=32768
((EPHEMERAL_LO > 12000)) || EPHEMERAL_LO=32768
for ((i = 0; ; i++)); do
  PORT=$((10000 + (RANDOM * 7 + $$) % (EPHEMERAL_LO - 10002)))
  port_free "$PORT" && port_free $((PORT + 1)) && break
  ((i < 50)) || fail "no free TCP port pair found"
done
export SLURM_CONF="$T/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# Throwaway single-node cluster of scripts/slurm_test.sh
ClusterName=hnntest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# Private munge socket; cred_expire also sets how long a requeued job waits
# before it may start again (default 120 s).
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=5
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Look at pending jobs every second (a requeued job's start, default 30-60 s).
SchedulerParameters=bf_interval=1,sched_interval=1
# The node has CPUs=2 whatever the machine reports.
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
CTLD_PID=$!
slurmd -D -N "$NODE" -f "$SLURM_CONF" >"$T/log/slurmd.out" 2>&1 &
SLURMD_PID=$!
for ((i = 0; ; i++)); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  [[ "$state" == idle ]] && break
  kill -0 "$CTLD_PID" 2>/dev/null || fail "slurmctld exited"
  kill -0 "$SLURMD_PID" 2>/dev/null || fail "slurmd exited"
  ((i < 150)) || fail "node $NODE not idle after 30 s (state '${state}')"
  sleep 0.2
done
say "single-node SLURM up on $NODE (ports $PORT-$((PORT + 1))) in $((SECONDS - START)) s"

# ------------------------------------------------------------------ helpers
# field JOBID NAME: a field of `scontrol show job` (JobState, ExitCode, ...).
field() { scontrol show job -o "$1" 2>/dev/null | grep -o "\b$2=[^ ]*" | head -n1 | cut -d= -f2; }

# submit SCRIPT LOGNAME [sbatch options...] -- [script arguments...]: job id
submit() {
  local script=$1 log=$2
  shift 2
  local opts=()
  while (($#)) && [[ "$1" != -- ]]; do opts+=("$1"); shift; done
  (($#)) && shift
  sbatch --parsable --nodes=1 --ntasks-per-node=2 --time=5 \
    --output="$T/jobs/$log.log" --export="ALL,HNN_MPI=$BIN" \
    ${opts[@]+"${opts[@]}"} "$script" "$@" | cut -d';' -f1
}

# wait_job JOBID [SECONDS]: until the job has ended; prints its JobState.
# (A requeued job waits cred_expire + 1 s before it may start again; telling
# it to start now races with slurmd's cleanup of the previous run, which
# then refuses the launch: "Job N already killed".)
wait_job() {
  local id=$1 limit=${2:-60} t0=$SECONDS state
  while :; do
    state=$(field "$id" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        echo "$state"
        return 0
        ;;
    esac
    ((SECONDS - t0 < limit)) || fail "job $id still '$state' after $limit s"
    sleep 0.25
  done
}

# check_h5 FILE N_SIMS RANKS: every status is 1 (done), the dipoles are finite
# and nonzero, the file says which rank count wrote it.
check_h5() {
  "$PY" - "$@" <<'EOF' || fail "$1 is not a complete sweep file"
import sys
import h5py
import numpy as np
path, n, ranks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with h5py.File(path, "r") as f:
    status = f["status"][:]
    assert status.shape == (n,), f"status shape {status.shape}, expected ({n},)"
    assert (status == 1).all(), f"status not all 1 (done): {status.tolist()}"
    agg = f["dipole/agg"][:]
    assert agg.shape[0] == n and np.isfinite(agg).all() and (agg != 0).any(), "bad dipoles"
    r = int(f.attrs["mpi_ranks"])
    assert r == ranks, f"written by {r} MPI rank(s), expected {ranks}"
print(f"{path}: {n} simulations, all done, {ranks} ranks")
EOF
}

expect_log() { # LOGNAME PATTERN WHAT
  grep -q -- "$2" "$T/jobs/$1.log" || fail "$1.log lacks $3 ('$2')"
}

SWEEP=tests/data/mpi/short_sweep.toml

# ------------------------------------------------------------------ 1. sweep
t0=$SECONDS
J=$(submit jobs/sweep.sbatch sweep -- "$SWEEP" "$T/out/sweep.h5") || fail "sbatch jobs/sweep.sbatch"
state=$(wait_job "$J")
code=$(field "$J" ExitCode)
[[ "$state" == COMPLETED && "$code" == 0:0 ]] || fail "sweep job $J: $state, exit code $code (expected COMPLETED, 0:0)"
expect_log sweep "8/8 simulations done" "the progress line"
check_h5 "$T/out/sweep.h5" 8 2 >&2
launcher=$(grep -o '^launch: [a-z]*' "$T/jobs/sweep.log" | tail -n1 | cut -d' ' -f2)
say "1. jobs/sweep.sbatch: COMPLETED, 8/8 done on 2 ranks via $launcher ($((SECONDS - t0)) s)"

# ------------------------------------------------------------------ 2. exists
t0=$SECONDS
before=$(cksum <"$T/out/sweep.h5")
J=$(submit jobs/sweep.sbatch exists -- "$SWEEP" "$T/out/sweep.h5") || fail "sbatch jobs/sweep.sbatch"
state=$(wait_job "$J")
code=$(field "$J" ExitCode)
[[ "$state" == FAILED && "$code" == 2:0 ]] || fail "job onto an existing file $J: $state, exit code $code (expected FAILED, 2:0)"
expect_log exists "use --force" "hnn-mpi's refusal"
[[ "$(cksum <"$T/out/sweep.h5")" == "$before" ]] || fail "the existing output file was modified"
say "2. existing output without --force: FAILED with exit code 2, file untouched ($((SECONDS - t0)) s)"

# ------------------------------------------------------------------ 3. fallback
# 3a. srun without a PMI (--mpi=none): the probe step sees no PMIX_RANK or
#     PMI_RANK and the script uses mpirun instead (else each task would run
#     the whole sweep as a separate one-rank job);
# 3b. srun with a PMI that OpenMPI cannot use (--mpi=pmi2; Debian's OpenMPI
#     speaks PMIx only): MPI_Init fails with exit code 1, then mpirun.
# Both files must be complete and written by 2 ranks.
t0=$SECONDS
J=$(submit jobs/sweep.sbatch nopmi --export="ALL,HNN_MPI=$BIN,HNN_SRUN_MPI=none" -- \
  "$SWEEP" "$T/out/nopmi.h5" -q) || fail "sbatch jobs/sweep.sbatch"
state=$(wait_job "$J")
code=$(field "$J" ExitCode)
[[ "$state" == COMPLETED && "$code" == 0:0 ]] || fail "no-PMI job $J: $state, exit code $code (expected COMPLETED, 0:0)"
expect_log nopmi "gives its tasks no PMI.*falling back to mpirun" "the probe's fallback message"
check_h5 "$T/out/nopmi.h5" 8 2 >&2
say "3a. srun without a PMI: fell back to mpirun, COMPLETED ($((SECONDS - t0)) s)"

if srun --mpi=list 2>&1 | grep -qw pmi2; then
  t0=$SECONDS
  J=$(submit jobs/sweep.sbatch pmi2 --export="ALL,HNN_MPI=$BIN,HNN_SRUN_MPI=pmi2" -- \
    "$SWEEP" "$T/out/pmi2.h5" -q) || fail "sbatch jobs/sweep.sbatch"
  state=$(wait_job "$J")
  code=$(field "$J" ExitCode)
  [[ "$state" == COMPLETED && "$code" == 0:0 ]] || fail "pmi2 job $J: $state, exit code $code (expected COMPLETED, 0:0)"
  check_h5 "$T/out/pmi2.h5" 8 2 >&2
  if grep -q 'not an hnn-mpi exit code.*falling back to mpirun' "$T/jobs/pmi2.log"; then
    say "3b. srun --mpi=pmi2, MPI_Init failing: fell back to mpirun, COMPLETED ($((SECONDS - t0)) s)"
  else
    say "3b. srun --mpi=pmi2 started MPI itself (no fallback needed), COMPLETED ($((SECONDS - t0)) s)"
  fi
else
  say "3b. skipped: this SLURM has no mpi/pmi2 plugin"
fi

# ------------------------------------------------------------------ 4. requeue
# A longer sweep (several seconds on 2 ranks), so that SIGTERM lands mid-run.
N_LONG=40
sed "s/^w = { logspace = \[-3, -1, 8\] }\$/w = { logspace = [-3, -1, $N_LONG] }/" "$SWEEP" >"$T/long.toml"
grep -q "logspace = \[-3, -1, $N_LONG\]" "$T/long.toml" || fail "could not derive a $N_LONG-simulation sweep from $SWEEP"
J=$(submit jobs/sweep_requeue.sbatch requeue -- "$T/long.toml" "$T/out/requeue.h5") ||
  fail "sbatch jobs/sweep_requeue.sbatch"
# Once hnn-mpi is running (its start line), signal the batch shell only, as
# --signal=B:TERM@120 does before the time limit.
for ((i = 0; ; i++)); do
  grep -q 'simulation(s) to run on' "$T/jobs/requeue.log" 2>/dev/null && break
  state=$(field "$J" JobState)
  [[ "$state" == PENDING || "$state" == RUNNING || "$state" == CONFIGURING ]] ||
    fail "requeue job $J ended ($state) before hnn-mpi started"
  ((i < 300)) || fail "hnn-mpi did not start in requeue job $J within 30 s"
  sleep 0.1
done
scancel --batch --signal=TERM "$J" || fail "scancel --batch --signal=TERM $J"
state=$(wait_job "$J" 90)
code=$(field "$J" ExitCode)
restarts=$(field "$J" Restarts)
[[ "$state" == COMPLETED && "$code" == 0:0 ]] || fail "requeue job $J: $state, exit code $code (expected COMPLETED, 0:0)"
grep -q 'sweep complete' "$T/jobs/requeue.log" || fail "requeue.log lacks 'sweep complete'"
if grep -q '^requeueing job' "$T/jobs/requeue.log"; then
  [[ "${restarts:-0}" -ge 1 ]] || fail "requeue job $J: requeued but Restarts=$restarts"
  expect_log requeue "hnn-mpi exit code 5" "the interrupted run's exit code 5"
  expect_log requeue "resuming .*requeue.h5" "hnn-mpi resuming the file"
  check_h5 "$T/out/requeue.h5" "$N_LONG" 2 >&2
  done_first=$(grep -o "interrupted by SIGTERM: [0-9]* of $N_LONG" "$T/jobs/requeue.log" | head -n1)
  say "4. jobs/sweep_requeue.sbatch: SIGTERM -> exit 5 ($done_first saved) -> requeued -> resumed -> COMPLETED, Restarts=$restarts ($((SECONDS - t0)) s)"
else
  fail "requeue job $J finished before SIGTERM reached it; the resume path was not exercised"
fi

# ------------------------------------------------------------------ 5. scancel
# A plain `scancel` also sends SIGTERM, and hnn-mpi exits 5 as before; the
# script must see that the job is cancelled and not requeue it.
t0=$SECONDS
J=$(submit jobs/sweep_requeue.sbatch cancel -- "$T/long.toml" "$T/out/cancel.h5") ||
  fail "sbatch jobs/sweep_requeue.sbatch"
for ((i = 0; ; i++)); do
  grep -q 'simulation(s) to run on' "$T/jobs/cancel.log" 2>/dev/null && break
  ((i < 300)) || fail "hnn-mpi did not start in job $J within 30 s"
  sleep 0.1
done
scancel "$J" || fail "scancel $J"
for ((i = 0; ; i++)); do
  grep -q -e '^not requeueing' -e '^requeueing' -e 'sweep complete' "$T/jobs/cancel.log" && break
  ((i < 300)) || fail "cancelled job $J: no verdict in its log within 30 s"
  sleep 0.1
done
expect_log cancel "^not requeueing: job $J is" "the refusal to requeue a cancelled job"
state=$(wait_job "$J")
restarts=$(field "$J" Restarts)
[[ "$state" == CANCELLED && "${restarts:-0}" == 0 ]] ||
  fail "cancelled job $J: $state, Restarts=$restarts (expected CANCELLED, 0)"
say "5. scancel of a jobs/sweep_requeue.sbatch job: CANCELLED, not requeued ($((SECONDS - t0)) s)"

say "all SLURM job tests passed in $((SECONDS - START)) s"
