// Sessions, approval grants and bypass records through the JavaScript API of the Node build:
// the state is the caller's plain data, grants and records reach the engine, and malformed
// ones are the engine's errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { loadNode } from "./helpers.mjs";

const { Engine } = loadNode();

const BUDGET = "version: '1'\ndefault: allow\nbudget: {max_tool_calls: 3}\n";
const READ = { tool: "Read", args: { file_path: "src/a.ts" } };
const APPROVALS =
  "version: '1'\ndefault: allow\nconstraints:\n  require_human_approval:\n    - {file_pattern: package.json, approver_role: lead}\n";
const WRITE = { tool: "Write", args: { file_path: "package.json", content: "{}" } };
const LOCKED = "version: '1'\ndefault: allow\npermissions: {filesystem: {deny: ['locked/**']}}\n";
const EDIT = { tool: "Write", args: { file_path: "locked/a.yml", content: "x" } };
const at = (s) => `2026-11-24T10:00:${String(s).padStart(2, "0")}Z`;

/** Runs `f`, which must throw a PolicyError; returns it. */
function policyError(f) {
  try {
    f();
  } catch (e) {
    assert.equal(e.name, "PolicyError");
    return e;
  }
  assert.fail("expected a PolicyError");
}

describe("evaluateInSession", () => {
  it("terminates past the budget, and a terminated session stays terminated", () => {
    const engine = new Engine(BUDGET);
    let session = null;
    for (let s = 0; s < 3; s++) {
      const step = engine.evaluateInSession(READ, session, { now: at(s) });
      assert.equal(step.decision.decision, "allow");
      session = step.session;
    }
    assert.equal(session.tool_calls, 3);
    const over = engine.evaluateInSession(READ, session, { now: at(3) });
    assert.equal(over.decision.decision, "terminate");
    assert.deepEqual(over.decision.budget, { limit: "max_tool_calls", used: 4, allowed: 3 });
    const later = engine.evaluateInSession({ kind: "file.read", path: "x" }, over.session, { now: at(9) });
    assert.equal(later.decision.decision, "terminate");
    engine.free();
  });

  it("leaves the state passed in unchanged; the JSON form is the canonical pair", () => {
    const engine = new Engine(BUDGET);
    const first = engine.evaluateInSession(READ, {}, { now: at(0) });
    const before = JSON.stringify(first.session);
    const json = engine.evaluateInSessionJson(READ, first.session, { now: at(0) });
    assert.equal(JSON.stringify(first.session), before);
    const second = JSON.parse(json);
    assert.equal(second.session.actions, 2);
    assert.notEqual(second.decision.decision_id, first.decision.decision_id);
    assert.deepEqual(engine.evaluateInSession(READ, first.session, { now: at(0) }), second);
    assert.ok(json.startsWith('{"decision":{"decision_id":'), json);
    engine.free();
  });

  it("refuses a malformed state with the engine error, and a sequence option", () => {
    const engine = new Engine(BUDGET);
    const e = policyError(() => engine.evaluateInSession(READ, { version: 1, tool_call: 3 }, { now: at(0) }));
    assert.equal(e.code, "action.bad_value");
    assert.match(e.message, /tool_call/);
    assert.throws(() => engine.evaluateInSession(READ, null, { now: at(0), sequence: 3 }), TypeError);
    engine.free();
  });
});

describe("grants and bypasses", () => {
  it("a grant allows exactly its action, for its role, until it expires", () => {
    const engine = new Engine(APPROVALS);
    const asked = engine.evaluate(WRITE, { now: at(0) });
    assert.equal(asked.decision, "require_approval");
    const grant = { fingerprint: asked.approval_request.fingerprint, role: "lead", approver: "alice", expires_at: at(30) };
    assert.equal(engine.evaluate(WRITE, { now: at(0), grants: [grant] }).decision, "allow");
    assert.equal(engine.evaluate(WRITE, { now: at(30), grants: [grant] }).decision, "require_approval");
    assert.equal(engine.evaluate(WRITE, { now: at(0), grants: [{ ...grant, role: "intern" }] }).decision, "require_approval");
    const e = policyError(() => engine.evaluate(WRITE, { now: at(0), grants: [{ fingerprint: "apr_1" }] }));
    assert.equal(e.code, "action.bad_value");
    engine.free();
  });

  it("a bypass lifts a deny in its scope only", () => {
    const engine = new Engine(LOCKED);
    const record = { id: "byp_1", reason: "incident 42", approver: "alice", allow: ["locked/**"], expires_at: at(30) };
    const lifted = engine.evaluate(EDIT, { now: at(0), bypasses: [record] });
    assert.deepEqual([lifted.decision, lifted.bypass_id], ["allow", "byp_1"]);
    const other = { tool: "Write", args: { file_path: "open/a.yml", content: "x" } };
    assert.equal(engine.evaluate(other, { now: at(0), bypasses: [record] }).bypass_id, undefined);
    assert.equal(engine.evaluate(EDIT, { now: at(30), bypasses: [record] }).decision, "deny");
    engine.free();
  });
});
