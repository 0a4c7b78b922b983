// Shared by the tests: where things are, the Node build of the module, and the parity corpus
// (cases and the Rust reference outputs) the browser test replays.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const crateDir = dirname(here);
export const repoRoot = dirname(crateDir);

const require = createRequire(import.meta.url);

/** The Node build (pkg-node), as a user of the package loads it. */
export function loadNode() {
  const entry = join(crateDir, "pkg-node", "agent_policy_wasm.js");
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: run bindings-wasm/make.sh build first`);
  }
  return require(entry);
}

export const NOW = "2026-11-22T10:00:00Z";

/** A fake AWS access key id: a secret the built-in detectors know. */
export const SECRET = "AKIAIOSFODNN7EXAMPLE";

function readJsonl(path) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

/**
 * The parity corpus: `{cases, reference}` where reference maps a vector's name to the Rust
 * output. Read from $AGENT_POLICY_PARITY_DIR (cases.jsonl, ref.jsonl) when make.sh wrote
 * them, else written here with the workspace's `parity` program.
 */
export function parityCorpus() {
  let dir = process.env.AGENT_POLICY_PARITY_DIR;
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), "agent-policy-parity-"));
    for (const mode of ["cases", "reference"]) {
      const out = execFileSync(
        "cargo",
        ["run", "-q", "-p", "agent-policy-conformance", "--bin", "parity", "--", mode],
        { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 },
      );
      writeFileSync(join(dir, mode === "cases" ? "cases.jsonl" : "ref.jsonl"), out);
    }
  }
  const cases = readJsonl(join(dir, "cases.jsonl"));
  const reference = new Map(readJsonl(join(dir, "ref.jsonl")).map((r) => [r.name, r.output]));
  return { cases, reference };
}
