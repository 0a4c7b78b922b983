// The Engine: construction from text, files and the defaults; evaluate and its JSON; redact;
// lint.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { agentPolicy, NOW, POLICY, SECRET } from './support.mjs'

const { Engine, PolicyError } = agentPolicy
const here = dirname(fileURLToPath(import.meta.url))

test('a YAML policy decides allow, require_approval and deny with the rule and the approver', () => {
  const engine = new Engine(POLICY)
  const search = engine.evaluate({ tool: 'search', args: { q: 'flaky test' } }, { now: NOW })
  assert.equal(search.decision, 'allow')
  const deploy = engine.evaluate({ tool: 'deploy', args: { env: 'prod' } }, { now: NOW })
  assert.equal(deploy.decision, 'require_approval')
  assert.equal(deploy.approver_role, 'sre')
  assert.deepEqual(deploy.policy_ids, ['deploys-need-sre'])
  const env = engine.evaluate({ tool: 'read_file', args: { path: '.env.local' } }, { now: NOW })
  assert.equal(env.decision, 'deny')
  assert.equal(env.timestamp, NOW)
  assert.match(env.policy_hash, /^sha256:[0-9a-f]{64}$/)
})

test('evaluate is exactly the parsed canonical JSON, and an object and its text give the same bytes', () => {
  const engine = new Engine(POLICY)
  const action = { tool: 'read_file', args: { path: 'src/app.ts' }, agent: { type: 'coding-agent', id: 'a1' } }
  const json = engine.evaluateJson(action, { now: NOW })
  assert.equal(typeof json, 'string')
  assert.deepEqual(engine.evaluate(action, { now: NOW }), JSON.parse(json))
  assert.equal(engine.evaluateJson(JSON.stringify(action), { now: NOW }), json)
  // The canonical document: SPEC field order, redacted_action keys sorted.
  assert.deepEqual(Object.keys(JSON.parse(json)), [
    'decision_id', 'action_id', 'decision', 'policy_ids', 'reason', 'risk_score', 'approver_role',
    'redactions', 'alerts', 'matched', 'effects', 'redacted_action', 'timestamp', 'policy_version',
    'policy_hash',
  ])
  assert.ok(json.includes('"redacted_action":{"agent":{"id":"a1","type":"coding-agent"},"args"'))
})

test('text beyond ASCII reaches the engine as UTF-8, a lone surrogate as U+FFFD', () => {
  const engine = new Engine(POLICY)
  const action = { tool: 'read_file', args: { path: 'docs/café/𝄞 notes.md' } }
  const json = engine.evaluateJson(action, { now: NOW })
  assert.equal(engine.evaluateJson(JSON.stringify(action), { now: NOW }), json)
  assert.deepEqual(engine.evaluate(action, { now: NOW }).redacted_action, action)
  // JSON.stringify escapes a lone surrogate; given as text, it is replaced.
  const lone = engine.evaluateJson('{"tool":"read_file","args":{"path":"a\ud800b"}}', { now: NOW })
  assert.equal(lone, engine.evaluateJson('{"tool":"read_file","args":{"path":"a\ufffdb"}}', { now: NOW }))
})

test('every way of passing the options gives the bytes of the native method', () => {
  const engine = new Engine(POLICY)
  const native = new (createRequire(import.meta.url)('../native.js').NativeEngine)(POLICY)
  const text = JSON.stringify({ tool: 'deploy', args: { env: 'prod' } })
  for (const options of [{ now: NOW }, { now: NOW, sequence: 3 }, { now: NOW, grants: [], bypasses: null }]) {
    const { now, sequence, grants, bypasses } = options
    assert.equal(engine.evaluateJson(text, options), native.evaluate(text, now, sequence, grants, bypasses))
  }
  // Without now, both stamp the decision with the clock.
  for (const options of [undefined, null, {}]) {
    assert.equal(engine.evaluate(text, options).decision, JSON.parse(native.evaluate(text)).decision)
  }
})

test('a JSON policy loads with format json, and YAML given as json is refused', () => {
  const json = JSON.stringify({ version: '1', default: 'deny', permissions: { tools: { allow: ['search'] } } })
  const engine = new Engine(json, { format: 'json', origin: 'policy.json' })
  assert.equal(engine.evaluate({ tool: 'search', args: {} }, { now: NOW }).decision, 'allow')
  assert.equal(engine.evaluate({ tool: 'deploy', args: {} }, { now: NOW }).decision, 'deny')
  assert.throws(() => new Engine(POLICY, { format: 'json', origin: 'policy.json' }), (e) => {
    assert.ok(e instanceof PolicyError)
    assert.equal(e.code, 'policy.syntax')
    assert.equal(e.file, 'policy.json')
    return true
  })
})

test('overrides merge in order and a deny in an override wins over the root allow', () => {
  const root = 'version: "1"\ndefault: allow\npermissions:\n  tools: {allow: ["*"]}\n'
  const override = { policy: 'version: "1"\npermissions:\n  tools: {deny: [publish]}\n', origin: 'team.yml' }
  const plain = new Engine(root)
  assert.equal(plain.evaluate({ tool: 'publish', args: {} }, { now: NOW }).decision, 'allow')
  const merged = new Engine(root, { overrides: [override] })
  const d = merged.evaluate({ tool: 'publish', args: {} }, { now: NOW })
  assert.equal(d.decision, 'deny')
  assert.notEqual(d.policy_hash, plain.evaluate({ tool: 'publish', args: {} }, { now: NOW }).policy_hash)
  // An error in an override names the override's origin.
  assert.throws(
    () => new Engine(root, { overrides: [{ policy: 'version: "1"\npermisions: {}\n', origin: 'team.yml' }] }),
    (e) => e.code === 'policy.unknown_key' && e.file === 'team.yml' && e.line === 2,
  )
})

test('fromFile loads the policy file with the directory overrides under it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-policy-node-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, '.agent-policy.yml'), 'version: "1"\ndefault: allow\n')
  mkdirSync(join(dir, 'backend'))
  writeFileSync(
    join(dir, 'backend', '.agent-policy.override.yml'),
    'version: "1"\npermissions:\n  filesystem: {deny: ["*.sql"]}\n',
  )
  const engine = Engine.fromFile(join(dir, '.agent-policy.yml'))
  const read = (path) =>
    engine.evaluate({ tool: 'Read', args: { file_path: path }, context: { workspace: '/w' } }, { now: NOW })
  assert.equal(read('/w/backend/dump.sql').decision, 'deny')
  assert.equal(read('/w/backend/notes.txt').decision, 'allow')
  // The same root policy without its directory: the override is what denies.
  const alone = new Engine('version: "1"\ndefault: allow\n')
  const action = { tool: 'Read', args: { file_path: '/w/backend/dump.sql' }, context: { workspace: '/w' } }
  assert.equal(alone.evaluate(action, { now: NOW }).decision, 'allow')
  assert.throws(() => Engine.fromFile(join(dir, 'missing.yml')), (e) => {
    assert.ok(e instanceof PolicyError)
    assert.equal(e.code, 'io.read')
    assert.ok(e.message.includes('missing.yml'))
    assert.equal(e.line, null)
    return true
  })
})

test('defaults() is the built-in coding-agent pack', () => {
  const engine = Engine.defaults()
  const d = engine.evaluate({ tool: 'Bash', args: { command: 'cat .env' } }, { now: NOW })
  assert.equal(d.decision, 'deny')
  assert.deepEqual(d.policy_ids, ['defaults.secrets.env-read'])
  assert.equal(engine.evaluate({ tool: 'Bash', args: { command: 'npm test' } }, { now: NOW }).decision, 'allow')
})

test('the sequence number changes the decision id, not the decision', () => {
  const engine = new Engine(POLICY)
  const action = { tool: 'deploy', args: { env: 'prod' } }
  const first = engine.evaluate(action, { now: NOW })
  const fifth = engine.evaluate(action, { now: NOW, sequence: 5 })
  assert.equal(fifth.decision, first.decision)
  assert.equal(fifth.action_id, first.action_id)
  assert.notEqual(fifth.decision_id, first.decision_id)
  assert.deepEqual(engine.evaluate(JSON.stringify(action), { now: NOW, sequence: 5 }), fifth)
  assert.deepEqual(engine.evaluate(action, { now: NOW, sequence: 0 }), first)
})

test('without now the decision is stamped with the clock', () => {
  const d = new Engine(POLICY).evaluate({ tool: 'search', args: {} })
  const stamped = Date.parse(d.timestamp)
  assert.ok(Math.abs(stamped - Date.now()) < 60_000, `timestamp ${d.timestamp} is not now`)
})

test('redact replaces secrets in strings and objects and says what it found', () => {
  const engine = new Engine(POLICY)
  const text = engine.redact(`deploy with ${SECRET} please`)
  assert.equal(text.value, 'deploy with [REDACTED:stripe-key] please')
  assert.equal(text.redactions.length, 1)
  assert.equal(text.redactions[0].kind, 'stripe-key')
  assert.equal(text.redactions[0].location, '$')
  const nested = engine.redact({ env: { STRIPE: SECRET }, n: 3, ok: true })
  assert.deepEqual(nested.value, { env: { STRIPE: '[REDACTED:stripe-key]' }, n: 3, ok: true })
  assert.equal(nested.redactions[0].location, '$.env.STRIPE')
  assert.ok(!JSON.stringify(nested).includes(SECRET))
  assert.deepEqual(engine.redact({ clean: 'nothing here' }), { value: { clean: 'nothing here' }, redactions: [] })
})

test('lint reports what is legal but probably not meant', () => {
  assert.deepEqual(new Engine(POLICY).lint(), { warnings: [] })
  const { warnings } = new Engine(
    'version: "1"\nrules:\n  - id: stop-all\n    match: {}\n    outcome: deny\n',
    { origin: 'p.yml' },
  ).lint()
  assert.ok(warnings.some((w) => w.includes("no 'default' given")), warnings.join('\n'))
  assert.ok(warnings.some((w) => w.startsWith('p.yml:3:5:') && w.includes('empty match')), warnings.join('\n'))
})

test("require('./bindings-node') works from the repository root", () => {
  const root = join(here, '..', '..')
  const run = spawnSync(
    process.execPath,
    ['-e', "const a = require('./bindings-node'); console.log(a.Engine.defaults().evaluate({tool: 'Read', args: {file_path: '.env'}}).decision)"],
    { cwd: root, encoding: 'utf8' },
  )
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stdout.trim(), 'deny')
})
