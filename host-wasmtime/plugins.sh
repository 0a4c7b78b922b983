#!/usr/bin/env bash
# Builds the org policy plugins: the authoring crate's examples (examples/plugins: naming,
# public-ingress) and the plugins of the host's tests and benchmark (host-wasmtime/tests/plugins:
# trivial and the hostile ones), for wasm32-wasip2, in release.
#
#   plugins.sh build   build them all (installs the rustup target when missing; reruns are quick)
#   plugins.sh dir     print the directory the components are in
#   plugins.sh test    build, then run the host's plugin tests
#   plugins.sh bench   build, then run the plugin benchmark
#
# The components land in <target dir>/wasm32-wasip2/release (CARGO_TARGET_DIR, else the
# workspace's target/); the examples are also copied to examples/plugins/target/, where
# examples/plugins/policy.yml names them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

CARGO="${CARGO:-cargo}"
TARGET=wasm32-wasip2
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$root/$target_dir" ;;
esac
out="$target_dir/$TARGET/release"

ensure_target() {
    if ! rustup target list --installed | grep -qx "$TARGET"; then
        rustup target add "$TARGET"
    fi
}

build() {
    ensure_target
    for manifest in examples/plugins/Cargo.toml host-wasmtime/tests/plugins/Cargo.toml; do
        "$CARGO" build --quiet --release --target "$TARGET" \
            --manifest-path "$manifest" --target-dir "$target_dir"
    done
    mkdir -p examples/plugins/target
    for name in naming public_ingress; do
        cp -f "$out/${name}_plugin.wasm" "examples/plugins/target/${name//_/-}.wasm"
    done
    local n
    n=$(ls "$out"/*_plugin.wasm | wc -l)
    echo "plugins: $n components in $out"
}

case "${1:-}" in
    build)
        build
        ;;
    dir)
        echo "$out"
        ;;
    test)
        build
        AGENT_POLICY_PLUGINS_DIR="$out" AGENT_POLICY_PLUGINS_REQUIRED=1 \
            "$CARGO" test -p agent-policy-host --test plugins
        ;;
    bench)
        build
        AGENT_POLICY_PLUGINS_DIR="$out" "$CARGO" bench -p agent-policy-host --bench plugins
        ;;
    *)
        echo "usage: $0 build|dir|test|bench" >&2
        exit 64
        ;;
esac
