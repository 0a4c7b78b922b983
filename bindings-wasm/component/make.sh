#!/usr/bin/env bash
# Builds and checks agent-policy as a WASI component (world agent-policy:engine).
#
#   make.sh build   the component (release, wasm32-wasip2); prints its path and size
#   make.sh test    build, then run every conformance vector through it in wasmtime
#   make.sh bench   build, then time evaluate inside wasmtime on the 54-rule table
#
# Installs what it needs (the rustup target) itself; reruns are quick.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

CARGO="${CARGO:-cargo}"
TARGET=wasm32-wasip2

ensure_target() {
    if ! rustup target list --installed | grep -qx "$TARGET"; then
        rustup target add "$TARGET"
    fi
}

# The component's path under the target directory cargo uses (CARGO_TARGET_DIR, else the
# workspace's own).
component_path() {
    echo "${CARGO_TARGET_DIR:-$root/target}/$TARGET/release/agent_policy_component.wasm"
}

build() {
    ensure_target
    "$CARGO" build --quiet -p agent-policy-component --release --target "$TARGET"
    local wasm raw gz
    wasm="$(component_path)"
    raw=$(wc -c < "$wasm")
    gz=$(gzip -9 -c "$wasm" | wc -c)
    echo "component: $wasm"
    echo "size: $raw bytes ($((raw / 1024)) KiB), gzip -9: $gz bytes ($((gz / 1024)) KiB)"
}

case "${1:-}" in
    build)
        build
        ;;
    test)
        build
        AGENT_POLICY_COMPONENT="$(component_path)" \
            "$CARGO" test -p agent-policy-host --test component
        ;;
    bench)
        build
        fixtures="$(mktemp -d)"
        trap 'rm -rf "$fixtures"' EXIT
        "$CARGO" run --quiet --release -p agent-policy-bench-cedar --bin bench-fixtures -- "$fixtures"
        AGENT_POLICY_COMPONENT="$(component_path)" AGENT_POLICY_BENCH_FIXTURES="$fixtures" \
            "$CARGO" test --release -p agent-policy-host --test component \
            -- --ignored --nocapture evaluate_time
        ;;
    *)
        echo "usage: $0 build|test|bench" >&2
        exit 64
        ;;
esac
