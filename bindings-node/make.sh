#!/usr/bin/env bash
# Builds, tests and benchmarks the Node package (agent-policy) from a clean clone.
#
#   bindings-node/make.sh build   npm dev dependencies, then the native module (release)
#   bindings-node/make.sh test    build, node --test, tsc --noEmit, parity with the Rust engine
#   bindings-node/make.sh bench   build, then agent-policy vs Cedar's wasm package per call
#
# Needs Node 20.17 or later (npm) and a Rust toolchain; installs everything else itself, and
# does nothing it has already done on a rerun.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/agent-policy/target}"
CARGO="${CARGO:-cargo}"

# One scratch directory per run, removed on exit.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

say() { printf 'bindings-node: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

check_tools() {
    command -v node >/dev/null || die "node not found; install Node 20.17 or later"
    command -v npm >/dev/null || die "npm not found; install Node 20.17 or later"
    command -v "$CARGO" >/dev/null || die "cargo not found; install Rust with rustup (https://rustup.rs)"
    node -e '
        const [major, minor] = process.versions.node.split(".").map(Number)
        const ok = major > 22 || (major === 22 && minor >= 13) || (major === 20 && minor >= 17) || major === 21
        if (!ok) { console.error(`Node ${process.versions.node} is too old: @napi-rs/cli 3 needs 20.17 or later`); process.exit(1) }
    ' || exit 1
}

# npm ci when node_modules is missing or older than the lock file.
install_deps() {
    local stamp="$here/node_modules/.package-lock.json"
    if [[ ! -f "$stamp" || "$here/package-lock.json" -nt "$stamp" ]]; then
        say "installing the npm dev dependencies"
        (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

build() {
    check_tools
    install_deps
    say "building the native module (release)"
    (cd "$here" && node_modules/.bin/napi build --platform --release --js native.js --dts native.d.ts)
}

parity() {
    local dir="$scratch"
    (cd "$root" && "$CARGO" run -q -p agent-policy-conformance --bin parity -- cases >"$dir/cases.jsonl")
    (cd "$root" && "$CARGO" run -q -p agent-policy-conformance --bin parity -- reference >"$dir/reference.jsonl")
    node "$root/tests/parity/run_node.mjs" "$dir/cases.jsonl" >"$dir/node.jsonl"
    python3 "$root/tests/parity/compare.py" "$dir/reference.jsonl" "node=$dir/node.jsonl"
}

run_tests() {
    build
    say "type-checking index.d.ts and native.d.ts (tsc --noEmit)"
    (cd "$here" && node_modules/.bin/tsc --noEmit -p test)
    say "parity with the Rust engine on every conformance vector"
    parity
    # Last: CI reads the test runner's closing summary.
    say "node --test"
    (cd "$here" && node --test test/*.test.mjs)
}

bench() {
    build
    local dir="$scratch/fixtures"
    say "writing the benchmark fixtures (the Cedar comparison crate builds once, slowly)"
    (cd "$root" && "$CARGO" run -q --release -p agent-policy-bench-cedar --bin bench-fixtures -- "$dir")
    # Node 20's V8 now and then dies in its deoptimiser (a fatal "unreachable code") while it
    # runs cedar-wasm's calls: a run killed by a signal is run again, up to three times.
    local attempt status
    for attempt in 1 2 3; do
        status=0
        (cd "$here" && node bench.mjs "$dir") || status=$?
        if [ "$status" -lt 128 ]; then
            return "$status"
        fi
        say "bench: node was killed by signal $((status - 128)) (run $attempt of 3)"
    done
    return 1
}

case "${1:-}" in
    build) build ;;
    test) run_tests ;;
    bench) bench ;;
    *)
        echo "usage: $0 build|test|bench" >&2
        exit 64
        ;;
esac
