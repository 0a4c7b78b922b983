#!/usr/bin/env node
// The wasm surface's parity runner: `node tests/parity/run_wasm_node.mjs CASES.jsonl` reads the
// cases written by `parity cases` and prints one {"name", "output"} line per vector, output
// being the canonical decision JSON (`evaluateJson`; a case with a session goes through
// `evaluateInSessionJson`, which gives `{"decision", "session"}`) or the thrown PolicyError's
// `json`.
// It uses only the public API of the Node build (bindings-wasm/pkg-node); `runCase` is also
// imported by the browser test, which replays the same cases on the ES module in Chromium.

/**
 * One case through the public API of a loaded module (`{Engine}`): the canonical decision
 * JSON, or the error JSON of the PolicyError thrown.
 */
export function runCase({ Engine }, c) {
  let engine;
  try {
    engine =
      c.policy === null
        ? Engine.defaults()
        : new Engine(c.policy, { format: c.format, origin: c.origin, overrides: c.overrides });
    // A string passed as the action is JSON text: a string *value* is passed as its text.
    const action =
      c.action_text !== null
        ? c.action_text
        : typeof c.action === "string"
          ? JSON.stringify(c.action)
          : c.action;
    const records = { grants: c.grants, bypasses: c.bypasses };
    if (c.session !== null) {
      return engine.evaluateInSessionJson(action, c.session, { now: c.now, ...records });
    }
    return engine.evaluateJson(action, { now: c.now, sequence: c.sequence, ...records });
  } catch (e) {
    if (e?.name === "PolicyError") return e.json;
    throw e;
  } finally {
    engine?.free();
  }
}

async function main(args) {
  if (args.length !== 1) {
    process.stderr.write("usage: run_wasm_node.mjs CASES.jsonl\n");
    process.exit(64);
  }
  const { readFileSync } = await import("node:fs");
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  const api = require("../../bindings-wasm/pkg-node/agent_policy_wasm.js");
  const out = [];
  for (const line of readFileSync(args[0], "utf8").split("\n")) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    out.push(JSON.stringify({ name: c.name, output: runCase(api, c) }));
  }
  process.stdout.write(out.join("\n") + "\n");
}

// Run as a program (not when imported, in Node or in a browser page).
if (typeof process !== "undefined" && process.argv?.[1]) {
  const { pathToFileURL } = await import("node:url");
  if (import.meta.url === pathToFileURL(process.argv[1]).href) {
    await main(process.argv.slice(2));
  }
}
