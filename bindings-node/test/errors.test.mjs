// Errors: every failure is a PolicyError with the engine's code, location, help and JSON, and
// no secret from the input ever appears in one.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { agentPolicy, NOW, POLICY, SECRET } from './support.mjs'

const { Engine, PolicyError } = agentPolicy

/** The PolicyError `f` throws. */
function thrown(f) {
  try {
    f()
  } catch (e) {
    assert.ok(e instanceof PolicyError, `not a PolicyError: ${e}`)
    assert.ok(e instanceof Error)
    return e
  }
  assert.fail('nothing was thrown')
}

const TYPO = `version: "1"
default: allow
permissions:
  filesystem:
    denny: [".env*"]
`

test('a typo in a policy is policy.unknown_key at its line and column, with did-you-mean help', () => {
  const e = thrown(() => new Engine(TYPO, { origin: '.agent-policy.yml' }))
  assert.equal(e.name, 'PolicyError')
  assert.equal(e.code, 'policy.unknown_key')
  assert.equal(e.message, "unknown key 'denny' in permissions.filesystem")
  assert.equal(e.help, "did you mean 'deny'?")
  assert.equal(e.file, '.agent-policy.yml')
  assert.equal(e.line, 5)
  assert.equal(e.column, 5)
  assert.deepEqual(e.related, [])
  assert.equal(
    e.json,
    `{"error":{"code":"policy.unknown_key","help":"did you mean 'deny'?","location":{"column":5,"file":".agent-policy.yml","line":5},"message":"unknown key 'denny' in permissions.filesystem"}}`,
  )
  assert.ok(e.stack.includes('PolicyError'))
})

test('every error of a load is reported: the first, the others in related', () => {
  const text = 'version: "1"\ndefault: allow\nrules:\n  - id: a\n    match: {tool: x}\n    outcome: deni\n  - id: b\n    match: {tol: x}\n    outcome: deny\n'
  const e = thrown(() => new Engine(text))
  assert.equal(e.code, 'policy.unknown_outcome')
  assert.deepEqual([e.file, e.line, e.column], ['<inline>', 6, 14])
  assert.equal(e.related.length, 1)
  const [r] = e.related
  assert.ok(r instanceof PolicyError)
  assert.deepEqual([r.code, r.line, r.help], ['policy.unknown_key', 8, "did you mean 'tool'?"])
  assert.deepEqual(JSON.parse(r.json).error, JSON.parse(e.json).error.related[0])
})

test('an action written with a key twice is refused, never judged on one of the values', () => {
  const engine = new Engine(POLICY)
  const e = thrown(() => engine.evaluate('{"tool": "search",\n "tool": "deploy", "args": {}}', { now: NOW }))
  assert.equal(e.code, 'action.syntax')
  assert.ok(e.message.includes('appears twice'), e.message)
  assert.deepEqual([e.file, e.line], ['<action>', 2])
  const nested = thrown(() => engine.evaluateJson('{"tool":"x","args":{"path":"a","path":"b"}}', { now: NOW }))
  assert.equal(nested.code, 'action.syntax')
})

test('a JSON policy with a key twice is refused', () => {
  const e = thrown(() => new Engine('{"version": "1", "default": "allow", "default": "deny"}', { format: 'json' }))
  assert.equal(e.code, 'policy.syntax')
  assert.ok(e.message.includes("'default' appears twice"), e.message)
})

test('bad actions get the engine codes, whether given as objects or as text', () => {
  const engine = new Engine(POLICY)
  assert.equal(thrown(() => engine.evaluate({ tool: 'x', ags: {} }, { now: NOW })).help, "did you mean 'args'?")
  assert.equal(thrown(() => engine.evaluate(5, { now: NOW })).code, 'action.bad_type')
  assert.equal(thrown(() => engine.evaluate(null, { now: NOW })).code, 'action.bad_type')
  assert.equal(thrown(() => engine.evaluate('', { now: NOW })).code, 'action.syntax')
  assert.equal(thrown(() => engine.evaluate('{"tool":', { now: NOW })).code, 'action.syntax')
  assert.equal(thrown(() => engine.evaluate(undefined, { now: NOW })).code, 'action.syntax')
  assert.equal(thrown(() => engine.evaluate({ tool: 'x', args: { n: 1n } }, { now: NOW })).code, 'action.syntax')
  const cycle = { tool: 'x', args: {} }
  cycle.args.self = cycle
  assert.equal(thrown(() => engine.evaluate(cycle, { now: NOW })).code, 'action.syntax')
})

test('bad arguments are PolicyErrors with a code, not crashes', () => {
  const engine = new Engine(POLICY)
  assert.equal(thrown(() => new Engine(42)).code, 'policy.bad_type')
  assert.equal(thrown(() => new Engine()).code, 'policy.bad_type')
  const format = thrown(() => new Engine(POLICY, { format: 'toml' }))
  assert.deepEqual([format.code, format.help], ['policy.bad_value', 'use "yaml" or "json"'])
  assert.equal(thrown(() => new Engine(POLICY, { origin: 7 })).code, 'policy.bad_type')
  assert.equal(thrown(() => new Engine(POLICY, { overrides: 'x' })).code, 'policy.bad_type')
  assert.equal(thrown(() => new Engine(POLICY, { overrides: [{ origin: 'o.yml' }] })).code, 'policy.missing_key')
  assert.equal(thrown(() => Engine.fromFile(3)).code, 'policy.bad_type')
  assert.equal(thrown(() => engine.evaluate({ tool: 'x' }, { now: 'yesterday' })).code, 'request.bad_timestamp')
  assert.equal(thrown(() => engine.evaluate({ tool: 'x' }, { now: 1700000000 })).code, 'request.bad_timestamp')
  for (const sequence of [-1, 1.5, 2 ** 53, '3', NaN]) {
    assert.equal(thrown(() => engine.evaluate({ tool: 'x' }, { now: NOW, sequence })).code, 'action.bad_value')
  }
})

test('a planted secret never reaches an error message, an error JSON or a decision', async () => {
  const engine = new Engine(POLICY)
  const errors = [
    // A secret in the value of an unknown field, of a badly typed field, of bad JSON text.
    thrown(() => engine.evaluate({ tool: 'x', ags: SECRET }, { now: NOW })),
    thrown(() => engine.evaluate({ tool: 'x', agent: SECRET }, { now: NOW })),
    thrown(() => engine.evaluate(`{"tool": "x", "args": "${SECRET}" oops}`, { now: NOW })),
    thrown(() => engine.evaluate(`{"tool": "x", "args": {"k": "${SECRET}", "k": 1}}`, { now: NOW })),
    // A secret as a key: unknown, and written twice.
    thrown(() => engine.evaluate({ tool: 'x', [SECRET]: 1 }, { now: NOW })),
    thrown(() => engine.evaluate(`{"tool": "x", "args": {"${SECRET}": 1, "${SECRET}": 2}}`, { now: NOW })),
    // A secret next to what the binding cannot convert, and in a badly typed argument.
    thrown(() => engine.evaluate({ tool: 'x', args: { key: SECRET, n: 1n } }, { now: NOW })),
    thrown(() => engine.evaluate({ tool: 'x' }, { now: { token: SECRET } })),
    thrown(() => engine.evaluate({ tool: 'x' }, { now: SECRET })),
    thrown(() => new Engine(POLICY, { format: { key: SECRET } })),
    // A secret in a policy that does not load.
    thrown(() => new Engine(`version: "1"\ndefault: allow\nagent_id: [${SECRET}]\n`)),
  ]
  errors.push(await engine.evaluateAsync({ tool: 'x', ags: SECRET }, { now: NOW }).catch((e) => e))
  for (const e of errors) {
    assert.ok(e instanceof PolicyError)
    for (const text of [e.message, e.help ?? '', e.json, String(e), e.stack]) {
      assert.ok(!text.includes(SECRET), `the secret is in ${e.code}: ${text}`)
    }
  }
  const action = { tool: 'search', args: { q: `use ${SECRET}`, nested: [{ key: SECRET }] } }
  const json = engine.evaluateJson(action, { now: NOW })
  assert.ok(!json.includes(SECRET))
  const decision = engine.evaluate(action, { now: NOW })
  assert.equal(decision.redactions.length, 2)
  assert.deepEqual(decision.redacted_action.args.nested, [{ key: '[REDACTED:stripe-key]' }])
  assert.ok(!JSON.stringify(await engine.evaluateAsync(action, { now: NOW })).includes(SECRET))
  assert.ok(!JSON.stringify(engine.redact(action)).includes(SECRET))
})

test('PolicyError.fromJson reads any surface’s error JSON', () => {
  const json = '{"error":{"code":"action.bad_type","message":"the action must be a JSON object, not a number"}}'
  const e = PolicyError.fromJson(json)
  assert.deepEqual(
    [e.code, e.message, e.help, e.file, e.line, e.column, e.json],
    ['action.bad_type', 'the action must be a JSON object, not a number', null, null, null, null, json],
  )
})

test('the host fingerprint key comes from the environment; a short one is config.bad_value', () => {
  const fingerprint = () => Engine.defaults().redact(`key=${SECRET}`).redactions[0].fingerprint
  const before = fingerprint()
  assert.match(before, /^hmac-sha256:[0-9a-f]{16}$/)
  const saved = process.env.AGENT_POLICY_FINGERPRINT_KEY
  try {
    process.env.AGENT_POLICY_FINGERPRINT_KEY = 'a-host-key-of-enough-bytes'
    const keyed = fingerprint()
    assert.match(keyed, /^hmac-sha256:[0-9a-f]{16}$/)
    assert.notEqual(keyed, before)
    process.env.AGENT_POLICY_FINGERPRINT_KEY = 'hunter2'
    const e = thrown(() => Engine.defaults())
    assert.equal(e.code, 'config.bad_value')
    assert.ok(!e.message.includes('hunter2'))
  } finally {
    if (saved === undefined) delete process.env.AGENT_POLICY_FINGERPRINT_KEY
    else process.env.AGENT_POLICY_FINGERPRINT_KEY = saved
  }
})
