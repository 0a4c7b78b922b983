#!/usr/bin/env bash
# Redaction benchmark: agent-policy against detect-secrets and secretlint, side by side, on the
# public redaction corpus and on a 10 MiB mostly clean text. Not part of CI; see README.md here.
#
#   tests/redaction/bench/run.sh [--json-out FILE] [compare.py options]
#
# Environment:
#   AGENT_POLICY_BENCH_CACHE  where the tools are installed
#                             (default: ~/.cache/agent-policy-redaction-bench)
#   DETECT_SECRETS_VERSION    exact version of detect-secrets (default: 1.5.0)
#   SECRETLINT_VERSION        npm version of secretlint and its preset (default: 12.0.0)
#   CARGO_TARGET_DIR          honoured, as by cargo
#   KEEP_WORK=1               keep the scratch directory (corpus files, texts) and print it
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${AGENT_POLICY_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-policy-redaction-bench}"
ds_version="${DETECT_SECRETS_VERSION:-1.5.0}"
sl_version="${SECRETLINT_VERSION:-12.0.0}"

log() { printf '[bench] %s\n' "$*" >&2; }

# 1. Tools, installed once into the cache.
mkdir -p "$cache"
ds="$cache/venv/bin/detect-secrets"
if [[ ! -x "$ds" ]] || [[ "$("$ds" --version 2>/dev/null)" != "$ds_version" ]]; then
    log "installing detect-secrets $ds_version into $cache/venv"
    python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" install --quiet --disable-pip-version-check "detect-secrets==$ds_version"
fi
sl="$cache/npm/node_modules/.bin/secretlint"
preset_json="$cache/npm/node_modules/@secretlint/secretlint-rule-preset-recommend/package.json"
installed_sl=""
[[ -x "$sl" ]] && installed_sl="$("$sl" --version 2>/dev/null || true)"
if [[ "$installed_sl" != "$sl_version" ]] || [[ ! -f "$preset_json" ]]; then
    log "installing secretlint $sl_version into $cache/npm"
    npm install --silent --no-audit --no-fund --prefix "$cache/npm" \
        "secretlint@$sl_version" "@secretlint/secretlint-rule-preset-recommend@$sl_version"
fi
preset_version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$preset_json")"

work="$(mktemp -d "${TMPDIR:-/tmp}/redaction-bench.XXXXXX")"
if [[ "${KEEP_WORK:-0}" == 1 ]]; then
    log "scratch directory kept: $work"
else
    trap 'rm -rf "$work"' EXIT
fi

# 2. agent-policy, release build, copied so that a later build elsewhere cannot swap it.
log "building agent-policy (release)"
(cd "$root" && cargo build --quiet --release --bin agent-policy)
target="${CARGO_TARGET_DIR:-$root/target}"
[[ -x "$target/release/agent-policy" ]] || { log "no binary under $target/release"; exit 1; }
bin="$work/agent-policy"
cp "$target/release/agent-policy" "$bin"
source_id="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    source_id="$source_id+changes"
fi

# 3. The corpus, exported by the corpus test into the scratch directory.
log "exporting the corpus"
# The test may fail on its own bars; the export is written before it asserts anything.
(cd "$root" && AGENT_POLICY_CORPUS_OUT="$work/corpus" \
    cargo test --quiet -p agent-policy-conformance --test redaction_corpus \
    -- --exact redaction_corpus_recall_and_false_positives >"$work/corpus-test.log" 2>&1) ||
    log "note: the corpus test failed its own bars (see its output); scoring goes on"
[[ -f "$work/corpus/corpus.json" ]] || { cat "$work/corpus-test.log" >&2; exit 1; }

# 4. Scoring and timing.
python3 "$here/compare.py" \
    --corpus "$work/corpus/corpus.json" \
    --work "$work" \
    --agent-policy "$bin" \
    --agent-policy-source "$source_id" \
    --detect-secrets "$ds" \
    --secretlint "$sl" \
    --secretlint-preset-version "$preset_version" \
    "$@"
