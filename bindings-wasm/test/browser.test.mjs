// The ES module (pkg-web) in headless Chromium: a page imports it as a browser dashboard would
// and must give the Rust engine's bytes for the whole conformance corpus.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { openPage, serve, withChromium } from "./browser.mjs";
import { NOW, SECRET, parityCorpus } from "./helpers.mjs";

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>agent-policy wasm test page</title>
<script type="module">
  import init, * as agentPolicy from "/pkg-web/agent_policy_wasm.js";
  import { runCase } from "/parity/run_wasm_node.mjs";
  try {
    await init();
    window.agentPolicy = agentPolicy;
    window.runCase = runCase;
    window.done = "ok";
  } catch (e) {
    window.done = "error: " + e;
  }
</script>`;

describe("the ES module in Chromium", () => {
  let server;
  let corpus;
  before(async () => {
    server = await serve({ "/": PAGE });
    corpus = parityCorpus();
  });
  after(() => server?.close());

  it("gives the Rust reference bytes for every conformance vector", async () => {
    const outputs = await withChromium(async (browser) => {
      const { page, errors } = await openPage(browser, `${server.base}/`);
      const out = await page.evaluate(
        (cases) => cases.map((c) => [c.name, window.runCase(window.agentPolicy, c)]),
        corpus.cases,
      );
      assert.deepEqual(errors, []);
      return out;
    });
    assert.equal(outputs.length, corpus.reference.size);
    const differ = outputs.filter(([name, output]) => corpus.reference.get(name) !== output);
    assert.deepEqual(
      differ.map(([name]) => name),
      [],
      "vectors whose browser output differs from the Rust reference",
    );
  });

  it("evaluates, redacts, throws PolicyError and guards in the page", async () => {
    const seen = await withChromium(async (browser) => {
      const { page } = await openPage(browser, `${server.base}/`);
      return page.evaluate(
        ({ now, secret }) => {
          const { Engine, blocks } = window.agentPolicy;
          const engine = Engine.defaults();
          const action = { tool: "Write", args: { file_path: "notes.txt", content: `k ${secret}` } };
          const decision = engine.evaluate(action, { now });
          const json = engine.evaluateJson(action, { now });
          let error;
          try {
            new Engine('version: "1"\npermissions:\n  filesystem:\n    denny: []\n');
          } catch (e) {
            error = { name: e.name, isError: e instanceof Error, code: e.code, line: e.line,
                      column: e.column, help: e.help };
          }
          let denied;
          try {
            engine.guard("Read", () => "read")({ file_path: ".env" });
          } catch (e) {
            denied = { name: e.name, decision: e.decision.decision };
          }
          const clock = engine.evaluate({ tool: "Bash", args: { command: "ls" } }).timestamp;
          return { decision, json, blocks: blocks(decision), error, denied, clock,
                   redacted: engine.redact({ note: secret }) };
        },
        { now: NOW, secret: SECRET },
      );
    });
    assert.deepEqual(seen.decision, JSON.parse(seen.json));
    assert.ok(!seen.json.includes(SECRET));
    assert.equal(seen.blocks, ["require_approval", "deny", "terminate"].includes(seen.decision.decision));
    assert.deepEqual(seen.error, {
      name: "PolicyError", isError: true, code: "policy.unknown_key", line: 4, column: 5,
      help: "did you mean 'deny'?",
    });
    assert.deepEqual(seen.denied, { name: "PolicyDenied", decision: "deny" });
    assert.match(seen.clock, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(seen.redacted.value.note, "[REDACTED:aws-access-key-id]");
  });
});
