#!/usr/bin/env node
// The wasm module in Node against Cedar's own wasm build, on the same rule table.
//
//   node bindings-wasm/bench.mjs DIR
//
// DIR holds the files `bench-fixtures` writes (policy.yml, policy.cedar, actions.json; see
// tests/bench-cedar/src/bin/bench_fixtures.rs). agent-policy compiles policy.yml once and
// evaluates each action object; Cedar is asked `isAuthorized` with the request and the entities
// built from the same action on every call (principal Agent::"<agent.id or anonymous>" with
// attribute `type`, action Action::"<tool>", resource File::"<path or empty>" with attribute
// `path` when the action names a file), and `statefulIsAuthorized` the same way over a policy
// set parsed once. Prints the median microseconds per call of each and the ratios.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const agentPolicy = require("./pkg-node/agent_policy_wasm.js");
const cedar = require("@cedar-policy/cedar-wasm/nodejs");

const ROUNDS = 31;
const ROUND_MS = 30;
const TARGET_US = 15;

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: bench.mjs DIR (the output of bench-fixtures)\n");
  process.exit(64);
}
const policyYaml = readFileSync(join(dir, "policy.yml"), "utf8");
const policyCedar = readFileSync(join(dir, "policy.cedar"), "utf8");
const { now, file: fileAction, tool: toolAction } = JSON.parse(
  readFileSync(join(dir, "actions.json"), "utf8"),
);

const str = (v) => (typeof v === "string" ? v : undefined);

/** The Cedar request and entities of an action, built as the Rust side builds them. */
function cedarRequest(action) {
  const agentId = str(action.agent?.id) ?? "anonymous";
  const agentType = str(action.agent?.type) ?? "";
  const path =
    str(action.args?.file_path) ??
    str(action.args?.notebook_path) ??
    str(action.args?.path) ??
    str(action.path);
  const principal = { type: "Agent", id: agentId };
  const resource = { type: "File", id: path ?? "" };
  return {
    principal,
    action: { type: "Action", id: action.tool },
    resource,
    context: {},
    entities: [
      { uid: principal, attrs: { type: agentType }, parents: [] },
      { uid: resource, attrs: path === undefined ? {} : { path }, parents: [] },
    ],
  };
}

function cedarDecision(answer) {
  if (answer.type !== "success") {
    throw new Error(`cedar failed: ${JSON.stringify(answer.errors)}`);
  }
  return answer.response.decision;
}

const PSET = "bench";
const preparsed = cedar.preparsePolicySet(PSET, { staticPolicies: policyCedar });
if (preparsed.type !== "success") {
  throw new Error(`cedar cannot parse the policies: ${JSON.stringify(preparsed.errors)}`);
}

const engine = new agentPolicy.Engine(policyYaml, { origin: "policy.yml" });

// The Cedar calls are completed by assignment, not built with an object spread: in this loop
// Node 20's V8 aborts in its deoptimiser on the spread (a fatal "unreachable code"), as in
// bindings-node/bench.mjs.
const contenders = (action) => ({
  "agent-policy evaluate": () => engine.evaluate(action, { now }).decision,
  "agent-policy evaluateJson": () => engine.evaluateJson(action, { now }).length,
  "cedar-wasm isAuthorized": () => {
    const call = cedarRequest(action);
    call.policies = { staticPolicies: policyCedar };
    return cedarDecision(cedar.isAuthorized(call));
  },
  "cedar-wasm statefulIsAuthorized": () => {
    const call = cedarRequest(action);
    call.preparsedPolicySetId = PSET;
    return cedarDecision(cedar.statefulIsAuthorized(call));
  },
});

/** Calls of `f` that take about `ms` milliseconds (at least 10), after a warm-up. */
function callsFor(f, ms) {
  let calls = 0;
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) < 100e6 || calls < 10) {
    f();
    calls++;
  }
  const perCallNs = Number(process.hrtime.bigint() - start) / calls;
  return Math.max(10, Math.round((ms * 1e6) / perCallNs));
}

/**
 * Median microseconds per call of each contender, over ROUNDS rounds of about ROUND_MS each,
 * after a warm-up. The contenders take turns within each round, so a change in the machine's
 * load weighs on all of them alike.
 */
function measure(contenders) {
  const entries = Object.entries(contenders).map(([label, f]) => [label, f, callsFor(f, ROUND_MS)]);
  const perCall = Object.fromEntries(entries.map(([label]) => [label, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [label, f, calls] of entries) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) f();
      perCall[label].push(Number(process.hrtime.bigint() - start) / calls / 1000);
    }
  }
  return Object.fromEntries(
    entries.map(([label]) => {
      const times = perCall[label].sort((a, b) => a - b);
      return [label, times[Math.floor(times.length / 2)]];
    }),
  );
}

const rules = (policyYaml.match(/^\s*- id:/gm) ?? []).length;
console.log(
  `wasm in Node ${process.version}: ${rules} rules; median of ${ROUNDS} rounds of about ${ROUND_MS} ms per contender`,
);
for (const [name, action] of [["file", fileAction], ["tool", toolAction]]) {
  const run = contenders(action);
  const decisions = [
    `agent-policy: ${run["agent-policy evaluate"]()}`,
    `cedar-wasm: ${run["cedar-wasm isAuthorized"]()}`,
  ];
  const results = measure(run);
  console.log(`\n${name} action (${decisions.join(", ")})`);
  for (const [label, us] of Object.entries(results)) {
    console.log(`  ${label.padEnd(34)} ${us.toFixed(2).padStart(8)} µs/call`);
  }
  const ours = results["agent-policy evaluate"];
  for (const other of ["cedar-wasm isAuthorized", "cedar-wasm statefulIsAuthorized"]) {
    console.log(`  ${other} / agent-policy evaluate: ${(results[other] / ours).toFixed(2)}x`);
  }
  if (name === "file") {
    const verdict = ours <= TARGET_US ? "met" : "NOT met";
    console.log(`  target: evaluate ≤ ${TARGET_US} µs/call: ${verdict} (${ours.toFixed(2)} µs)`);
  }
}
