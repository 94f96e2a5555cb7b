#!/bin/sh
# The fuzz run of issue 12: each target for SECS seconds (default 240) at
# the lowest priority, one after the other, in fork mode so that a crash,
# an out-of-memory or a timeout is saved to fuzz/artifacts/<target>/ and
# fuzzing goes on. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a
# stable toolchain RUSTC_BOOTSTRAP=1 lets it pass its -Z flags.
# HNN_FUZZ_STAGE=build also builds each input's first simulation.
set -eu
cd "$(dirname "$0")"
SECS=${SECS:-240}
RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz build -a -O
./seeds.sh
BIN=target/x86_64-unknown-linux-gnu/release
for t in config_toml hnn_json params; do
    case $t in config_toml) dict=toml.dict ;; *) dict=json.dict ;; esac
    mkdir -p artifacts/$t
    nice -n 19 $BIN/$t -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=10 -max_len=300000 \
        -dict=dicts/$dict -artifact_prefix=artifacts/$t/ -max_total_time=$SECS \
        -print_final_stats=1 corpus/$t 2>&1 | tee artifacts/$t.log | grep -E '^#|crash|oom|timeout|DONE|stat::' || true
done
