#!/usr/bin/env bash
# Builds, tests and benchmarks the Python module agent_policy.
#
#   bindings-python/make.sh build   the wheel (maturin, release), installed into .venv/ at the
#                                   repository root with pytest and mypy
#   bindings-python/make.sh test    build if the sources changed, then pytest, stubtest, and the
#                                   conformance parity check against the Rust engine
#   bindings-python/make.sh bench   evaluate() per call, next to cedarpy on the same rules
#
# Needs python3 (3.9 or later, with venv) and a Rust toolchain; everything else (maturin,
# pytest, mypy, cedarpy) is installed into .venv/ from PyPI on first use.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/agent-policy/target}"
venv="$root/.venv"
py="$venv/bin/python"
wheels="$CARGO_TARGET_DIR/wheels-python"
stamp="$venv/.agent-policy-wheel"
# Caches of the Python tools stay out of the working tree.
export MYPY_CACHE_DIR="$CARGO_TARGET_DIR/tmp/python-mypy-cache"
export PYTHONDONTWRITEBYTECODE=1

MATURIN_VERSION="1.16.*"

log() { printf '== %s\n' "$*" >&2; }

scratch=""
cleanup() { if [ -n "$scratch" ]; then rm -rf "$scratch"; fi; }
trap cleanup EXIT
scratch_dir() { scratch="$(mktemp -d)"; }

ensure_venv() {
    if [ ! -x "$py" ]; then
        log "creating $venv"
        python3 -m venv "$venv"
    fi
    # pip installs only what is missing: a rerun costs one import check.
    local missing=()
    "$py" -c "import maturin" 2>/dev/null || missing+=("maturin==$MATURIN_VERSION")
    "$py" -c "import pytest" 2>/dev/null || missing+=("pytest")
    "$py" -c "import mypy" 2>/dev/null || missing+=("mypy")
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]}"
        "$py" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
    fi
}

# The sources the wheel is built from: when none is newer than the installed wheel, the build
# is skipped by `test`.
sources_changed() {
    [ -f "$stamp" ] || return 0
    "$py" -c "import agent_policy" 2>/dev/null || return 0
    [ -n "$(find "$here/src" "$here/python" "$here/Cargo.toml" "$here/pyproject.toml" \
        "$root/core/src" "$root/core/Cargo.toml" "$root/host-wasmtime/src" \
        "$root/host-wasmtime/Cargo.toml" "$root/Cargo.lock" \
        -newer "$stamp" -type f -print -quit 2>/dev/null)" ]
}

build() {
    ensure_venv
    log "building the wheel"
    rm -rf "$wheels"
    "$venv/bin/maturin" build --release --quiet -m "$here/Cargo.toml" -i "$py" --out "$wheels" >&2
    local wheel
    wheel="$(ls "$wheels"/agent_policy-*.whl)"
    "$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
    touch "$stamp"
    log "installed $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB) into $venv"
}

build_if_needed() {
    ensure_venv
    if sources_changed; then
        build
    fi
}

parity() {
    scratch_dir
    local dir="$scratch"
    log "parity: the Rust reference and the Python runner over the conformance corpus"
    (cd "$root" && cargo run -q -p agent-policy-conformance --bin parity -- cases) >"$dir/cases.jsonl"
    (cd "$root" && cargo run -q -p agent-policy-conformance --bin parity -- reference) >"$dir/ref.jsonl"
    "$py" "$root/tests/parity/run_python.py" "$dir/cases.jsonl" >"$dir/python.jsonl"
    python3 "$root/tests/parity/compare.py" "$dir/ref.jsonl" "python=$dir/python.jsonl"
}

test_all() {
    build_if_needed
    log "pytest"
    (cd "$here" && "$py" -m pytest -p no:cacheprovider -q tests)
    log "stubtest"
    (cd "$root" && "$py" -m mypy.stubtest agent_policy)
    parity
}

bench() {
    build_if_needed
    "$py" -c "import cedarpy" 2>/dev/null || {
        log "installing cedarpy"
        "$py" -m pip install --quiet --disable-pip-version-check cedarpy
    }
    scratch_dir
    local dir="$scratch"
    (cd "$root" && cargo run -q --release -p agent-policy-bench-cedar --bin bench-fixtures -- "$dir")
    "$py" "$here/bench.py" "$dir"
}

case "${1:-}" in
    build) build ;;
    test) test_all ;;
    bench) bench ;;
    *)
        echo "usage: $0 build|test|bench" >&2
        exit 64
        ;;
esac
