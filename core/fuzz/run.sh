#!/usr/bin/env bash
# Runs every cargo-fuzz target of the core library for a while and fails on a crash.
#
#   core/fuzz/run.sh                  # each target for 20 seconds
#   FUZZ_SECONDS=300 core/fuzz/run.sh # longer
#   core/fuzz/run.sh policy_parse     # only the named targets
#
# cargo-fuzz needs nightly compiler features (sanitizers, -Z flags); RUSTC_BOOTSTRAP lets the
# stable toolchain provide them. The working corpus (corpus/<target>/) starts from the
# committed seeds (seeds/<target>/) and is not committed; crashes land in artifacts/<target>/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

seconds="${FUZZ_SECONDS:-20}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/agent-policy/fuzz}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for file in fuzz_targets/*.rs; do
        name="$(basename "$file" .rs)"
        targets+=("$name")
    done
fi

status=0
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    if [ -d "seeds/$target" ]; then
        cp -n "seeds/$target"/* "$corpus"/ 2>/dev/null || true
    fi
    echo "fuzzing $target for ${seconds}s" >&2
    # -a: debug assertions and overflow checks on, so an overflow counts as a crash.
    if ! cargo fuzz run -a --target-dir "$CARGO_TARGET_DIR" "$target" "$corpus" -- \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1; then
        echo "fuzz target $target failed: see artifacts/$target/" >&2
        status=1
    fi
done
exit "$status"
