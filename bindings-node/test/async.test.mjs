// evaluateAsync: the same decisions, computed off the main thread.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { agentPolicy, NOW, POLICY, SECRET } from './support.mjs'

const { Engine, PolicyError } = agentPolicy

const ACTIONS = [
  { tool: 'search', args: { q: 'flaky test' } },
  { tool: 'deploy', args: { env: 'prod' } },
  { tool: 'read_file', args: { path: '.env' } },
  { tool: 'send-message', args: { text: `key ${SECRET}` } },
  { tool: 'Bash', args: { command: 'rm -rf / --no-preserve-root' } },
  '{"tool": "Write", "args": {"file_path": "src/a.ts", "content": "x"}}',
]

test('evaluateAsync resolves to the same document as evaluate', async () => {
  const engine = new Engine(POLICY)
  for (const action of ACTIONS) {
    const promise = engine.evaluateAsync(action, { now: NOW, sequence: 3 })
    assert.ok(promise instanceof Promise)
    assert.deepEqual(await promise, engine.evaluate(action, { now: NOW, sequence: 3 }))
  }
})

test('many concurrent evaluateAsync calls each get their own decision', async () => {
  const engine = Engine.defaults()
  const calls = Array.from({ length: 400 }, (_, i) => ({
    action: ACTIONS[i % ACTIONS.length],
    options: { now: NOW, sequence: i },
  }))
  const results = await Promise.all(calls.map(({ action, options }) => engine.evaluateAsync(action, options)))
  results.forEach((got, i) => {
    assert.deepEqual(got, engine.evaluate(calls[i].action, calls[i].options), `call ${i}`)
  })
  assert.equal(new Set(results.map((d) => d.decision_id)).size, calls.length)
})

test('evaluateAsync rejects with a PolicyError; it does not throw', async () => {
  const engine = new Engine(POLICY)
  let promise
  assert.doesNotThrow(() => {
    promise = engine.evaluateAsync('{"tool": "a", "tool": "b"}', { now: NOW })
  })
  await assert.rejects(promise, (e) => e instanceof PolicyError && e.code === 'action.syntax')
  await assert.rejects(
    engine.evaluateAsync({ tool: 'x' }, { now: 'not a time' }),
    (e) => e instanceof PolicyError && e.code === 'request.bad_timestamp',
  )
})
