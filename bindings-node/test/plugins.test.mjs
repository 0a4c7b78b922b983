// Org policy plugins declared in a policy file run from Node as they do from the CLI. The
// example plugins (examples/plugins) are built by `host-wasmtime/plugins.sh build`; when they
// are missing these tests are skipped, unless AGENT_POLICY_PLUGINS_REQUIRED is set.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { agentPolicy, NOW } from './support.mjs'

const { Engine } = agentPolicy
const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'plugins')
const built = ['naming', 'public-ingress'].every((n) => existsSync(join(examples, 'target', `${n}.wasm`)))
if (!built && process.env.AGENT_POLICY_PLUGINS_REQUIRED) {
  throw new Error('examples/plugins/target is empty: run host-wasmtime/plugins.sh build')
}
const skip = built ? false : 'the example plugins are not built (host-wasmtime/plugins.sh build)'

const action = (name) => JSON.parse(readFileSync(join(examples, name), 'utf8'))

test('the example plugins deny a public database with bad names, as the CLI does', { skip }, () => {
  const engine = Engine.fromFile(join(examples, 'policy.yml'))
  const d = engine.evaluate(action('write-public-db.json'), { now: NOW })
  assert.equal(d.decision, 'deny')
  assert.deepEqual(d.policy_ids, [
    'plugin.naming.required-tags',
    'plugin.naming.resource-name',
    'plugin.public-ingress.public-database',
    'plugin.public-ingress.public-ingress',
  ])
  assert.match(d.reason, /^the action is denied by plugin\.naming\.resource-name: .*is named 'ApiDatabase'/)
})

test('a compliant write gets only the rules\' decision', { skip }, () => {
  const engine = Engine.fromFile(join(examples, 'policy.yml'))
  const d = engine.evaluate(action('write-ok.json'), { now: NOW })
  assert.equal(d.decision, 'require_approval')
  assert.deepEqual(d.policy_ids, ['defaults.approval.infrastructure'])
})

test('plugins run in a session and off the main thread', { skip }, async () => {
  const engine = Engine.fromFile(join(examples, 'policy.yml'))
  const { decision } = engine.evaluateInSession(action('write-public-db.json'), null, { now: NOW })
  assert.equal(decision.decision, 'deny')
  assert.ok(decision.policy_ids.includes('plugin.public-ingress.public-ingress'))
  const later = await engine.evaluateAsync(action('write-public-db.json'), { now: NOW })
  assert.equal(later.decision, 'deny')
  assert.ok(later.policy_ids.includes('plugin.naming.resource-name'))
})

test('a policy whose plugin is missing fails closed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-policy-plugins-'))
  try {
    const policy = join(dir, 'policy.yml')
    writeFileSync(policy, 'version: "1"\ndefault: allow\nplugins:\n  - {id: gone, path: nowhere.wasm}\n')
    const d = Engine.fromFile(policy).evaluate({ tool: 'Read', args: { file_path: 'README.md' } }, { now: NOW })
    assert.equal(d.decision, 'deny')
    assert.deepEqual(d.policy_ids, ['plugin.gone'])
    assert.match(d.reason, /plugin 'gone' could not be loaded/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
