// A panic inside the module (a bug) never leaves the module usable: every call after it fails
// closed with the `internal` PolicyError until the module is loaded again. The panicking call
// itself throws the `internal` PolicyError where the panic hook is compiled in (pkg-node), and
// is a bare WebAssembly trap where panics abort at once (pkg-web, for its size). Uses the test
// builds, which export `panicForTest`: pkg-test panics as pkg-node does, pkg-test-web as
// pkg-web does.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { it } from "node:test";

import { NOW, crateDir } from "./helpers.mjs";

function load(pkg) {
  const entry = join(crateDir, pkg, "agent_policy_wasm.js");
  assert.ok(existsSync(entry), `${entry} is missing: run bindings-wasm/make.sh test`);
  return createRequire(import.meta.url)(entry);
}

const action = { tool: "Read", args: { file_path: ".env" } };

const expectInternal = (f, what) => {
  assert.throws(f, (e) => {
    assert.equal(e.name, "PolicyError", `${what}: ${e}`);
    assert.equal(e.code, "internal", what);
    assert.equal(JSON.parse(e.json).error.code, "internal", what);
    return true;
  });
};

/** After the panic: every entry point refuses, with the message saying why. */
function expectRefused(Engine, engine, panicForTest) {
  assert.match(
    (() => { try { panicForTest(); } catch (e) { return e.message; } })(),
    /refuses every call/,
  );
  expectInternal(() => engine.evaluate(action, { now: NOW }), "evaluate after the panic");
  expectInternal(() => engine.evaluateJson(action, { now: NOW }), "evaluateJson");
  expectInternal(() => engine.evaluateInSession(action, null, { now: NOW }), "evaluateInSession");
  expectInternal(() => engine.redact("x"), "redact");
  expectInternal(() => engine.lint(), "lint");
  expectInternal(() => engine.guard("Read", () => "read")({ file_path: "a.txt" }), "guard");
  expectInternal(() => Engine.defaults(), "defaults after the panic");
  expectInternal(() => new Engine("version: 1\ndefault: allow\n"), "new Engine");
}

it("turns a panic into the internal PolicyError and then refuses every call (pkg-node)", () => {
  const { Engine, panicForTest } = load("pkg-test");
  const engine = Engine.defaults();
  assert.equal(engine.evaluate(action, { now: NOW }).decision, "deny");
  expectInternal(() => panicForTest(), "the panic");
  expectRefused(Engine, engine, panicForTest);
});

it("traps on a panic and then refuses every call (pkg-web)", () => {
  const { Engine, panicForTest } = load("pkg-test-web");
  const engine = Engine.defaults();
  assert.equal(engine.evaluate(action, { now: NOW }).decision, "deny");
  assert.throws(() => panicForTest(), WebAssembly.RuntimeError);
  expectRefused(Engine, engine, panicForTest);
});

it("lets a guarded tool call the engine, and a failing call leaves the engine usable", () => {
  const { Engine } = load("pkg-node");
  const engine = Engine.defaults();
  // The tool runs outside the engine's call: it may evaluate itself.
  const tool = engine.guard("Read", (args) => engine.evaluate({ tool: "Read", args }, { now: NOW }).decision);
  assert.equal(tool({ file_path: "README.md" }), "allow");
  // An error (not a bug) returns normally: the next call works.
  assert.throws(() => engine.evaluate("{not json", { now: NOW }), { name: "PolicyError" });
  assert.throws(() => new Engine("version: 1\nnope: 1\n"), { name: "PolicyError" });
  assert.equal(engine.evaluate(action, { now: NOW }).decision, "deny");
});
