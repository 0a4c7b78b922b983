// A panic inside the module (a bug) reaches JavaScript as the `internal` PolicyError, never
// as a bare WebAssembly trap, and every later call fails closed with the same code. Uses the
// test build (pkg-test), which exports `panicForTest`.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { it } from "node:test";

import { NOW, crateDir } from "./helpers.mjs";

it("turns a panic into the internal PolicyError and then refuses every call", () => {
  const entry = join(crateDir, "pkg-test", "agent_policy_wasm.js");
  assert.ok(existsSync(entry), `${entry} is missing: run bindings-wasm/make.sh test`);
  const { Engine, panicForTest } = createRequire(import.meta.url)(entry);
  const engine = Engine.defaults();
  const action = { tool: "Read", args: { file_path: ".env" } };
  assert.equal(engine.evaluate(action, { now: NOW }).decision, "deny");

  const expectInternal = (f, what) => {
    assert.throws(f, (e) => {
      assert.equal(e.name, "PolicyError", `${what}: ${e}`);
      assert.equal(e.code, "internal", what);
      assert.equal(JSON.parse(e.json).error.code, "internal", what);
      return true;
    });
  };
  expectInternal(() => panicForTest(), "the panic");
  assert.match(
    (() => { try { panicForTest(); } catch (e) { return e.message; } })(),
    /refuses every call/,
  );
  expectInternal(() => engine.evaluate(action, { now: NOW }), "evaluate after the panic");
  expectInternal(() => engine.guard("Read", () => "read")({ file_path: "a.txt" }), "guard");
  expectInternal(() => Engine.defaults(), "defaults after the panic");
});
