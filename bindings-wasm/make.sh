#!/usr/bin/env bash
# Builds, tests and benchmarks the agent-policy wasm-bindgen module.
#
#   bindings-wasm/make.sh build   pkg-web/ (ES module for browsers) and pkg-node/ (Node), optimised
#   bindings-wasm/make.sh test    build if needed; Node tests (the API, a headless Chromium page,
#                                 the README snippet); parity with the Rust reference; size budget
#   bindings-wasm/make.sh bench   evaluate in Node vs @cedar-policy/cedar-wasm on the same rules
#
# Installs what it needs (rustup target, npm devDependencies, wasm-bindgen-cli at the version in
# Cargo.lock, Debian's chromium for the browser test) and skips every step whose output is
# current, so a rerun is quick.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/agent-policy/target}"
CARGO="${CARGO:-cargo}"
# Where `cargo install` puts wasm-bindgen.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
TARGET=wasm32-unknown-unknown
# The size budget of the gzipped module (KiB; WASM_BUDGET_KB overrides it).
BUDGET_GZ=$((${WASM_BUDGET_KB:-488} * 1024))

# Two builds of the same crate, each with its own profile defined here so it applies to that
# build only: the release profile with opt-level "z", whole-program LTO, one codegen unit and
# panic=abort, and then
#  - pkg-web, the browser module, where bytes on the wire count: "z" as it is;
#  - pkg-node, wasm in Node, where the time of evaluate counts: regex's faster engines (the
#    `perf` feature) and LLVM's inliner allowed a little more than "z" gives it (threshold 35;
#    "z" alone uses 5, "s" 75).
# Against "s", on the gzipped module and the CPU time of evaluate: "z" alone is 9.7% smaller
# but 60% slower, threshold 35 7.0% smaller and 10% slower (25: 7.8%, 17% slower; 45: 4.7%,
# 4% slower). Both builds run the whole conformance corpus (pkg-web in Chromium, pkg-node in
# Node), so the flags cannot change a decision unseen. The flag goes to the wasm target only
# (not to build scripts), and is replaced by RUSTFLAGS when that is set, as cargo does with
# target rustflags.
#
# pkg-web also rebuilds the standard library from the toolchain's own sources (the rust-src
# component) for its size (WEB_STD below): with `optimize_for_size` (core's small sorts and
# formatting) and with panics that abort at once (`-Cpanic=immediate-abort`), so no panic
# message, location or formatting code of any crate is in the module. Together 614 -> 547 kB
# gzipped. Both are unstable options of the release toolchain, turned on for this build only
# with RUSTC_BOOTSTRAP=1. What a user sees differ only when the engine has a bug: a panic in
# pkg-web is a bare WebAssembly trap (a `RuntimeError`) instead of the `internal`
# PolicyError, and every later call fails closed with the `internal` PolicyError in both
# (test/panic.test.mjs checks both builds).
profile_config() {
  local profile="$1" rustflags="$2"
  PROFILE_CONFIG=(
    --config "profile.$profile.inherits=\"release\""
    --config "profile.$profile.opt-level=\"z\""
    --config "profile.$profile.lto=true"
    --config "profile.$profile.codegen-units=1"
    --config "profile.$profile.panic=\"abort\""
    --config "target.$TARGET.rustflags=[$rustflags]"
    --profile "$profile"
  )
}
# The rustflags and cargo options of pkg-web's standard library (see above); the cargo command
# runs with RUSTC_BOOTSTRAP=1.
WEB_RUSTFLAGS='"-Zunstable-options","-Cpanic=immediate-abort"'
WEB_STD=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size)
wasm_of() { printf '%s\n' "$CARGO_TARGET_DIR/$TARGET/$1/agent_policy_wasm.wasm"; }

say() { printf '%s\n' "wasm: $*" >&2; }

# Sets SCRATCH to a temporary directory, removed when the script exits.
SCRATCH=""
make_scratch() {
  SCRATCH="$(mktemp -d)"
  trap 'rm -rf "$SCRATCH"' EXIT
}

ensure_target() {
  if ! rustup target list --installed | grep -qx "$TARGET"; then
    say "adding the rustup target $TARGET"
    rustup target add "$TARGET"
  fi
}

ensure_rust_src() {
  if ! rustup component list --installed | grep -q '^rust-src'; then
    say "adding the rustup component rust-src"
    rustup component add rust-src
  fi
}

ensure_npm() {
  # npm ci when node_modules is missing or older than the lock file.
  if [ ! -f "$here/node_modules/.package-lock.json" ] ||
    [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    say "installing the npm devDependencies"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The wasm-bindgen version Cargo.lock resolves: the CLI must be exactly that version.
bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$root/Cargo.lock"
}

ensure_bindgen() {
  local want have=""
  want="$(bindgen_version)"
  if [ -z "$want" ]; then
    # Cargo.lock does not list wasm-bindgen yet: let cargo add what is missing (and only that).
    (cd "$root" && "$CARGO" metadata --format-version 1 >/dev/null)
    want="$(bindgen_version)"
  fi
  if command -v wasm-bindgen >/dev/null; then
    have="$(wasm-bindgen --version | awk '{ print $2 }')"
  fi
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (found: ${have:-none})"
    "$CARGO" install wasm-bindgen-cli --version "$want"
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser test"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
}

# wasm-opt -Oz in place.
optimise() {
  "$here/node_modules/.bin/wasm-opt" -Oz "$1" -o "$1.tmp"
  mv "$1.tmp" "$1"
}

# Post-processes the cargo output for one wasm-bindgen target into $here/pkg-<name>, then
# shrinks the wasm with binaryen's wasm-opt. Skipped when the stamp says the input is the same.
bindgen_target() {
  local target="$1" out="$here/pkg-$2" wasm="$3" stamp sum
  sum="$(sha256sum "$wasm" | cut -d' ' -f1) $(wasm-bindgen --version) $("$here/node_modules/.bin/wasm-opt" --version)"
  stamp="$out/.built-from"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return
  fi
  rm -rf "$out"
  wasm-bindgen "$wasm" --target "$target" --out-dir "$out"
  optimise "$out/agent_policy_wasm_bg.wasm"
  package_json "$2" >"$out/package.json"
  printf '%s\n' "$sum" >"$stamp"
  say "built $out"
}

# The package.json of a built package, so it installs with npm and Node loads it as what it
# is (the web build is an ES module, the Node build CommonJS).
package_json() {
  local version module_type
  version="$(awk -F'"' '/^version = / { print $2; exit }' "$root/Cargo.toml")"
  if [ "$1" = web ]; then module_type=module; else module_type=commonjs; fi
  cat <<EOF
{
  "name": "agent-policy-wasm",
  "version": "$version",
  "description": "agent-policy, the deterministic policy engine for AI agent actions, as WebAssembly ($1)",
  "license": "Apache-2.0",
  "type": "$module_type",
  "main": "agent_policy_wasm.js",
  "types": "agent_policy_wasm.d.ts",
  "files": ["agent_policy_wasm.js", "agent_policy_wasm.d.ts", "agent_policy_wasm_bg.wasm", "agent_policy_wasm_bg.wasm.d.ts"],
  "sideEffects": false
}
EOF
}

build() {
  ensure_target
  ensure_rust_src
  ensure_npm
  ensure_bindgen
  profile_config wasm-web "$WEB_RUSTFLAGS"
  (cd "$root" && RUSTC_BOOTSTRAP=1 "$CARGO" build --quiet -p agent-policy-wasm --target "$TARGET" \
    --features perf-backtrack "${PROFILE_CONFIG[@]}" "${WEB_STD[@]}")
  profile_config wasm-node '"-Cllvm-args=-inline-threshold=35"'
  (cd "$root" && "$CARGO" build --quiet -p agent-policy-wasm --target "$TARGET" \
    --features perf "${PROFILE_CONFIG[@]}")
  bindgen_target web web "$(wasm_of wasm-web)"
  bindgen_target nodejs node "$(wasm_of wasm-node)"
}

# The test builds, with the `test-panic` export, for Node: pkg-test, debug, panicking as
# pkg-node does, and pkg-test-web, panicking as pkg-web does (its standard library and
# panic flags, without the optimisations).
build_test_variants() {
  (cd "$root" && "$CARGO" build --quiet -p agent-policy-wasm --target "$TARGET" --features test-panic)
  test_variant test "$CARGO_TARGET_DIR/$TARGET/debug/agent_policy_wasm.wasm"
  local profile=wasm-test-web
  (cd "$root" && RUSTC_BOOTSTRAP=1 "$CARGO" build --quiet -p agent-policy-wasm --target "$TARGET" \
    --features test-panic --config "profile.$profile.inherits=\"dev\"" \
    --config "profile.$profile.panic=\"abort\"" \
    --config "target.$TARGET.rustflags=[$WEB_RUSTFLAGS]" --profile "$profile" "${WEB_STD[@]}")
  test_variant test-web "$(wasm_of "$profile")"
}

# wasm-bindgen's Node output for the test build $2 in $here/pkg-$1.
test_variant() {
  local out="$here/pkg-$1" wasm="$2" sum
  sum="$(sha256sum "$wasm" | cut -d' ' -f1) $(wasm-bindgen --version)"
  if [ ! -f "$out/.built-from" ] || [ "$(cat "$out/.built-from")" != "$sum" ]; then
    rm -rf "$out"
    wasm-bindgen "$wasm" --target nodejs --out-dir "$out"
    package_json node >"$out/package.json"
    printf '%s\n' "$sum" >"$out/.built-from"
  fi
}

# Raw and gzipped size of the optimised module; fails over the budget.
size_check() {
  local wasm="$here/pkg-web/agent_policy_wasm_bg.wasm" raw gz
  raw=$(stat -c %s "$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  say "size: $raw bytes raw, $gz bytes gzipped (budget $BUDGET_GZ)"
  if [ "$gz" -gt "$BUDGET_GZ" ]; then
    say "size: over the budget of $BUDGET_GZ gzipped bytes"
    return 1
  fi
}

test_all() {
  build
  build_test_variants
  ensure_chromium
  local dir status=0
  make_scratch
  dir="$SCRATCH"
  # The parity corpus and the Rust reference, for the browser test and the parity check.
  (cd "$root" && "$CARGO" run -q -p agent-policy-conformance --bin parity -- cases) >"$dir/cases.jsonl"
  (cd "$root" && "$CARGO" run -q -p agent-policy-conformance --bin parity -- reference) >"$dir/ref.jsonl"
  node "$root/tests/parity/run_wasm_node.mjs" "$dir/cases.jsonl" >"$dir/wasm.jsonl"
  python3 "$root/tests/parity/compare.py" "$dir/ref.jsonl" "wasm=$dir/wasm.jsonl" || status=1
  size_check || status=1
  # Last, so its summary closes the output.
  (cd "$here" && AGENT_POLICY_PARITY_DIR="$dir" node --test --test-reporter=spec test/*.test.mjs) || status=1
  return "$status"
}

bench() {
  build
  local dir
  make_scratch
  dir="$SCRATCH"
  (cd "$root" && "$CARGO" run -q --release -p agent-policy-bench-cedar --bin bench-fixtures -- "$dir")
  # Node 20's V8 sometimes dies in its deoptimiser (a fatal "unreachable code") while running
  # cedar-wasm's calls, with or without agent-policy's beside them: a run killed by a signal is
  # run again, up to three times.
  local attempt status
  for attempt in 1 2 3; do
    status=0
    node "$here/bench.mjs" "$dir" || status=$?
    if [ "$status" -lt 128 ]; then
      return "$status"
    fi
    say "bench: node was killed by signal $((status - 128)) (run $attempt of 3)"
  done
  return 1
}

case "${1:-}" in
  build) build ;;
  test) test_all ;;
  bench) bench ;;
  *)
    echo "usage: bindings-wasm/make.sh build|test|bench" >&2
    exit 64
    ;;
esac
