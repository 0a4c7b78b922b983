// The whole JavaScript API, through the Node build (pkg-node), as a user calls it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { NOW, SECRET, loadNode } from "./helpers.mjs";

const { Engine, blocks } = loadNode();

const READ_ENV = { tool: "Read", args: { file_path: ".env" } };
const READ_ENV_TEXT = '{"tool": "Read", "args": {"file_path": ".env"}}';

/** Runs `f`, which must throw; returns what it threw. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

describe("Engine.defaults and evaluate", () => {
  const engine = Engine.defaults();

  it("denies reading .env, and blocks() says the action must not go ahead", () => {
    const d = engine.evaluate(READ_ENV, { now: NOW });
    assert.equal(d.decision, "deny");
    assert.deepEqual(d.policy_ids, ["defaults.secrets.env-read"]);
    assert.equal(d.timestamp, NOW);
    assert.equal(blocks(d), true);
    assert.equal(blocks(d.decision), true);
  });

  it("returns a plain object equal to the parsed canonical JSON", () => {
    const d = engine.evaluate(READ_ENV, { now: NOW });
    const json = engine.evaluateJson(READ_ENV, { now: NOW });
    assert.equal(typeof json, "string");
    assert.deepEqual(d, JSON.parse(json));
    assert.equal(Object.getPrototypeOf(d), Object.prototype);
    assert.equal(Object.getPrototypeOf(d.redacted_action), Object.prototype);
    // Field order is the canonical order (SPEC section 4).
    assert.deepEqual(Object.keys(d).slice(0, 3), ["decision_id", "action_id", "decision"]);
  });

  it("gives the same bytes for an action object and its JSON text", () => {
    assert.equal(
      engine.evaluateJson(READ_ENV_TEXT, { now: NOW }),
      engine.evaluateJson(READ_ENV, { now: NOW }),
    );
  });

  it("allows ordinary work, which blocks() lets through", () => {
    const d = engine.evaluate({ tool: "Bash", args: { command: "npm test" } }, { now: NOW });
    assert.equal(d.decision, "allow");
    assert.equal(blocks(d), false);
  });

  it("changes the decision id with the session sequence, not the decision", () => {
    const first = engine.evaluate(READ_ENV, { now: NOW, sequence: 0 });
    const later = engine.evaluate(READ_ENV, { now: NOW, sequence: 7 });
    assert.notEqual(first.decision_id, later.decision_id);
    assert.equal(first.decision, later.decision);
    assert.equal(first.decision_id, engine.evaluate(READ_ENV, { now: NOW }).decision_id);
  });

  it("uses this machine's clock, whole seconds in UTC, when no now is given", () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const d = engine.evaluate(READ_ENV);
    const after = Date.now();
    assert.match(d.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const t = Date.parse(d.timestamp);
    assert.ok(t >= before && t <= after, `${d.timestamp} is not now`);
  });

  it("reports the policy hash and version of the decisions", () => {
    const d = engine.evaluate(READ_ENV, { now: NOW });
    assert.equal(engine.policyHash, d.policy_hash);
    assert.equal(engine.policyVersion, d.policy_version);
  });
});

describe("blocks", () => {
  it("follows the engine for each outcome", () => {
    const blocking = ["require_approval", "deny", "terminate"];
    for (const o of ["allow", "redact", "alert", ...blocking]) {
      assert.equal(blocks(o), blocking.includes(o), o);
    }
  });

  it("refuses what is not an outcome", () => {
    for (const bad of ["denied", "", 3, null, {}, { decision: "nope" }]) {
      assert.ok(thrown(() => blocks(bad)) instanceof TypeError, String(bad));
    }
  });
});

describe("policies from text", () => {
  const POLICY = [
    'version: "1"',
    "default: allow",
    "rules:",
    "  - id: no-generated",
    '    match: {kind: file.write, path: "src/generated/**"}',
    "    outcome: deny",
    "    reason: generated code is rebuilt, not edited",
    "",
  ].join("\n");
  const WRITE = { kind: "file.write", path: "src/generated/api.ts" };

  it("compiles YAML and decides with its rules", () => {
    const d = new Engine(POLICY).evaluate(WRITE, { now: NOW });
    assert.equal(d.decision, "deny");
    assert.deepEqual(d.policy_ids, ["no-generated"]);
    assert.match(d.reason, /generated code is rebuilt/);
  });

  it("compiles JSON with format json", () => {
    const policy = JSON.stringify({
      version: "1",
      rules: [{ id: "no-writes", match: { kind: "file.write" }, outcome: "deny" }],
    });
    const d = new Engine(policy, { format: "json" }).evaluate(WRITE, { now: NOW });
    assert.deepEqual(d.policy_ids, ["no-writes"]);
  });

  it("merges overrides in order, deny winning", () => {
    const root = 'version: "1"\ndefault: allow\n';
    const override = {
      policy: 'rules:\n  - {id: sub-no-writes, match: {kind: file.write}, outcome: deny}\n',
      origin: "web/.agent-policy.override.yml",
    };
    assert.equal(new Engine(root).evaluate(WRITE, { now: NOW }).decision, "allow");
    const d = new Engine(root, { overrides: [override] }).evaluate(WRITE, { now: NOW });
    assert.equal(d.decision, "deny");
    assert.deepEqual(d.policy_ids, ["sub-no-writes"]);
  });

  it("lints: a rule without examples, a policy without a default", () => {
    const policy =
      'version: "1"\nrules:\n  - {id: no-writes, match: {kind: file.write}, outcome: deny}\n';
    const { warnings } = new Engine(policy, { origin: "p.yml" }).lint();
    assert.ok(warnings.some((w) => w.includes("no-writes") && w.includes("no examples")), warnings);
    assert.ok(warnings.some((w) => w.startsWith("p.yml: no 'default' given")), warnings);
    assert.deepEqual(new Engine('version: "1"\ndefault: allow\n').lint(), { warnings: [] });
  });
});

describe("PolicyError", () => {
  const TYPO = 'version: "1"\npermissions:\n  filesystem:\n    denny: [".env"]\n';

  it("names file, line, column and the fix of a policy typo", () => {
    const e = thrown(() => new Engine(TYPO, { origin: ".agent-policy.yml" }));
    assert.ok(e instanceof Error);
    assert.equal(e.name, "PolicyError");
    assert.equal(e.code, "policy.unknown_key");
    assert.match(e.message, /denny/);
    assert.equal(e.help, "did you mean 'deny'?");
    assert.equal(e.file, ".agent-policy.yml");
    assert.equal(e.line, 4);
    assert.equal(e.column, 5);
    assert.deepEqual(e.related, []);
    const json = JSON.parse(e.json);
    assert.equal(json.error.code, e.code);
    assert.equal(json.error.message, e.message);
    assert.deepEqual(json.error.location, { file: ".agent-policy.yml", line: 4, column: 5 });
  });

  it("reports every error of a load, the others in related", () => {
    const e = thrown(
      () =>
        new Engine(TYPO, {
          overrides: [
            { policy: 'rules:\n  - {id: x, match: {}, outcome: dney}\n', origin: "o.yml" },
          ],
        }),
    );
    assert.equal(e.file, "<inline>");
    assert.equal(e.related.length, 1);
    const [other] = e.related;
    assert.equal(other.code, "policy.unknown_outcome");
    assert.equal(other.help, "did you mean 'deny'?");
    assert.equal(other.file, "o.yml");
    assert.equal(other.line, 2);
    assert.deepEqual(other.related, []);
    assert.equal(other.json, JSON.stringify({ error: JSON.parse(e.json).error.related[0] }));
  });

  it("has null for the parts an error does not have", () => {
    const e = thrown(() => Engine.defaults().evaluate(READ_ENV, { now: "yesterday" }));
    assert.equal(e.name, "PolicyError");
    assert.equal(e.code, "request.bad_timestamp");
    assert.equal(e.file, null);
    assert.equal(e.line, null);
    assert.equal(e.column, null);
  });

  it("refuses a key written twice in action text, with its position", () => {
    const text = '{"tool": "Bash",\n "args": {"command": "ls", "command": "rm -rf /"}}';
    const e = thrown(() => Engine.defaults().evaluate(text, { now: NOW }));
    assert.equal(e.name, "PolicyError");
    assert.equal(e.code, "action.syntax");
    assert.match(e.message, /command/);
    assert.equal(e.line, 2);
    assert.ok(e.column > 1);
  });

  it("refuses malformed action text and unknown action fields", () => {
    const engine = Engine.defaults();
    assert.equal(thrown(() => engine.evaluate("{", { now: NOW })).code, "action.syntax");
    const e = thrown(() => engine.evaluate({ tool: "Bash", comand: "ls" }, { now: NOW }));
    assert.equal(e.code, "action.unknown_field");
  });
});

describe("secrets", () => {
  const engine = Engine.defaults();
  const WRITE_KEY = {
    tool: "Write",
    args: { file_path: "notes.txt", content: `aws key ${SECRET}` },
  };

  it("never appear in a decision, which names and fingerprints them", () => {
    const json = engine.evaluateJson(WRITE_KEY, { now: NOW });
    assert.ok(!json.includes(SECRET));
    const d = JSON.parse(json);
    assert.equal(d.redactions[0].kind, "aws-access-key-id");
    assert.match(d.redacted_action.args.content, /\[REDACTED:aws-access-key-id\]/);
  });

  it("never appear in an error about the action, even as a field name", () => {
    const e = thrown(() => engine.evaluate({ tool: "Bash", [SECRET]: SECRET }, { now: NOW }));
    assert.equal(e.name, "PolicyError");
    assert.ok(!e.json.includes(SECRET) && !e.message.includes(SECRET), e.json);
  });

  it("are replaced by redact, in any value: objects, keys and plain strings", () => {
    const r = engine.redact({ a: [`x ${SECRET} y`], [SECRET]: 1 });
    assert.ok(!JSON.stringify(r).includes(SECRET));
    assert.equal(r.redactions.length, 2);
    assert.equal(r.value.a[0], "x [REDACTED:aws-access-key-id] y");
    const s = engine.redact(`token ${SECRET}`);
    assert.equal(s.value, "token [REDACTED:aws-access-key-id]");
    assert.deepEqual(engine.redact({ fine: "nothing here" }), {
      value: { fine: "nothing here" },
      redactions: [],
    });
  });
});

describe("guard", () => {
  const engine = Engine.defaults();

  it("throws PolicyDenied with the decision and never calls a blocked tool", () => {
    let called = false;
    const read = engine.guard("Read", () => {
      called = true;
    });
    const e = thrown(() => read({ file_path: ".env", note: SECRET }));
    assert.equal(e.name, "PolicyDenied");
    assert.ok(e instanceof Error);
    assert.equal(e.decision.decision, "deny");
    assert.equal(e.code, "decision.deny");
    assert.equal(e.message, e.decision.reason);
    assert.deepEqual(JSON.parse(e.json), e.decision);
    assert.ok(!e.json.includes(SECRET));
    assert.equal(called, false);
  });

  it("calls an allowed tool with the redacted arguments and returns its result", () => {
    const write = engine.guard("Write", (args, extra) => ({ args, extra }));
    const out = write({ file_path: "notes.txt", content: `key ${SECRET}` }, { callId: 7 });
    assert.equal(out.args.file_path, "notes.txt");
    assert.equal(out.args.content, "key [REDACTED:aws-access-key-id]");
    assert.deepEqual(out.extra, { callId: 7 });
  });

  it("passes a promise of an async tool through", async () => {
    const bash = engine.guard("Bash", async ({ command }) => `ran ${command}`);
    assert.equal(await bash({ command: "npm test" }), "ran npm test");
  });

  it("decides with the fixed agent and context", () => {
    const policy = [
      'version: "1"',
      "rules:",
      "  - {id: prod-writes, match: {kind: file.write, environment: production}, outcome: require_approval, approver_role: lead}",
      "",
    ].join("\n");
    const strict = new Engine(policy);
    const tool = () => "written";
    const prod = strict.guard("Write", tool, { context: { environment: "production" } });
    const staging = strict.guard("Write", tool, { context: { environment: "staging" } });
    const args = { file_path: "a.txt", content: "x" };
    const e = thrown(() => prod(args));
    assert.equal(e.decision.decision, "require_approval");
    assert.equal(e.decision.approver_role, "lead");
    assert.equal(e.decision.redacted_action.context.environment, "production");
    assert.equal(staging(args), "written");
  });

  it("lets an error of the tool itself through", () => {
    const failing = engine.guard("Bash", () => {
      throw new RangeError("tool failed");
    });
    assert.throws(() => failing({ command: "ls" }), RangeError);
  });
});

describe("options", () => {
  it("refuses unknown keys and bad values with a TypeError", () => {
    const engine = Engine.defaults();
    const cases = [
      () => engine.evaluate(READ_ENV, { nwo: NOW }),
      () => engine.evaluate(READ_ENV, { now: NOW, sequence: -1 }),
      () => engine.evaluate(READ_ENV, { now: NOW, sequence: 1.5 }),
      () => new Engine('version: "1"\n', { overides: [] }),
      () => new Engine('version: "1"\n', { format: "toml" }),
      () => engine.guard("Bash", () => 0, { agnet: {} }),
      () => engine.evaluate({ tool: "Bash", args: { n: 1n } }, { now: NOW }),
      () => new Engine(5),
      () => new Engine(),
      () => engine.guard(5, () => 0),
      () => engine.guard("Bash", "not a function"),
    ];
    for (const f of cases) {
      assert.ok(thrown(f) instanceof TypeError, f.toString());
    }
  });

  it("treats undefined options as absent", () => {
    const engine = Engine.defaults();
    const d = engine.evaluate(READ_ENV, { now: NOW, sequence: undefined });
    assert.equal(d.decision, "deny");
    assert.equal(new Engine('version: "1"\n', undefined).lint().warnings.length, 1);
  });
});
