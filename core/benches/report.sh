#!/usr/bin/env bash
# Runs the engine benchmark and the Cedar side-by-side benchmark (release profile, criterion),
# then prints the p50 table as Markdown. Arguments are passed to both criterion runs, e.g.
# `core/benches/report.sh --quick` for a rough run or a filter such as `evaluate`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/agent-policy/target}"
cargo bench -p agent-policy-core --bench evaluate -- "$@"
cargo bench -p agent-policy-bench-cedar --bench side_by_side -- "$@"
echo
cargo run --quiet --release -p agent-policy-bench-cedar --bin bench-report -- "$CARGO_TARGET_DIR/criterion"
