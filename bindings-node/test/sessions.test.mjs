// Sessions, approval grants and bypass records through the Node API: the state is the
// caller's plain data, grants and records reach the engine, malformed ones are its errors.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { agentPolicy } from './support.mjs'

const { Engine, PolicyError } = agentPolicy

const BUDGET = "version: '1'\ndefault: allow\nbudget: {max_tool_calls: 3}\n"
const READ = { tool: 'Read', args: { file_path: 'src/a.ts' } }
const APPROVALS =
  "version: '1'\ndefault: allow\nconstraints:\n  require_human_approval:\n    - {file_pattern: package.json, approver_role: lead}\n"
const WRITE = { tool: 'Write', args: { file_path: 'package.json', content: '{}' } }
const LOCKED = "version: '1'\ndefault: allow\npermissions: {filesystem: {deny: ['locked/**']}}\n"
const EDIT = { tool: 'Write', args: { file_path: 'locked/a.yml', content: 'x' } }
const at = (s) => `2026-11-24T10:00:${String(s).padStart(2, '0')}Z`

test('a budgeted session terminates past its budget and stays terminated', () => {
  const engine = new Engine(BUDGET)
  let session = null
  for (let s = 0; s < 3; s++) {
    const step = engine.evaluateInSession(READ, session, { now: at(s) })
    assert.equal(step.decision.decision, 'allow')
    session = step.session
  }
  assert.equal(session.tool_calls, 3)
  const over = engine.evaluateInSession(READ, session, { now: at(3) })
  assert.equal(over.decision.decision, 'terminate')
  assert.deepEqual(over.decision.budget, { limit: 'max_tool_calls', used: 4, allowed: 3 })
  assert.equal(over.session.terminated.rule_id, 'budget')
  // Stored as JSON text and given back: still terminated, whatever the action.
  const stored = JSON.parse(JSON.stringify(over.session))
  const later = engine.evaluateInSession({ kind: 'file.read', path: 'x' }, stored, { now: at(9) })
  assert.equal(later.decision.decision, 'terminate')
  assert.match(later.decision.reason, /terminated session/)
})

test('the state passed in is not changed, and the JSON form is the canonical pair', () => {
  const engine = new Engine(BUDGET)
  const first = engine.evaluateInSession(READ, {}, { now: at(0) })
  const before = JSON.stringify(first.session)
  const second = engine.evaluateInSession(READ, first.session, { now: at(0) })
  assert.equal(JSON.stringify(first.session), before)
  assert.equal(second.session.actions, 2)
  // The session numbers its actions: the same action at the same time gets another id.
  assert.notEqual(first.decision.decision_id, second.decision.decision_id)
  const json = engine.evaluateInSessionJson(READ, first.session, { now: at(0) })
  assert.ok(json.startsWith('{"decision":{"decision_id":'), json)
  assert.deepEqual(JSON.parse(json), second)
  assert.deepEqual(Object.keys(second.session).slice(0, 3), ['version', 'started_at', 'actions'])
})

test('a malformed state is the engine error action.bad_value', () => {
  const engine = new Engine(BUDGET)
  for (const [state, part] of [
    [{ version: 1, tool_call: 3 }, 'tool_call'],
    [{ version: 2 }, 'its version is 2'],
    [[1, 2], 'must be an object'],
  ]) {
    assert.throws(
      () => engine.evaluateInSession(READ, state, { now: at(0) }),
      (e) => e instanceof PolicyError && e.code === 'action.bad_value' && e.message.includes(part),
    )
  }
})

test('a grant allows exactly the action it answers, for its role, until it expires', () => {
  const engine = new Engine(APPROVALS)
  const asked = engine.evaluate(WRITE, { now: at(0) })
  assert.equal(asked.decision, 'require_approval')
  const grant = { fingerprint: asked.approval_request.fingerprint, role: 'lead', approver: 'alice', expires_at: at(30) }
  const approved = engine.evaluate(WRITE, { now: at(0), grants: [grant] })
  assert.equal(approved.decision, 'allow')
  assert.equal(approved.approval.approver, 'alice')
  assert.equal(engine.evaluate(WRITE, { now: at(30), grants: [grant] }).decision, 'require_approval')
  assert.equal(engine.evaluate(WRITE, { now: at(0), grants: [{ ...grant, role: 'intern' }] }).decision, 'require_approval')
  const inSession = engine.evaluateInSession(WRITE, null, { now: at(0), grants: [grant] })
  assert.equal(inSession.decision.decision, 'allow')
  assert.equal(inSession.session.actions, 1)
  assert.throws(
    () => engine.evaluate(WRITE, { now: at(0), grants: [{ fingerprint: 'apr_1' }] }),
    (e) => e instanceof PolicyError && e.code === 'action.bad_value' && /approval grant 0/.test(e.message),
  )
})

test('a bypass lifts a deny in its scope only, and evaluateAsync takes it too', async () => {
  const engine = new Engine(LOCKED)
  const record = { id: 'byp_1', reason: 'incident 42', approver: 'alice', allow: ['locked/**'], expires_at: at(30) }
  assert.equal(engine.evaluate(EDIT, { now: at(0) }).decision, 'deny')
  const lifted = engine.evaluate(EDIT, { now: at(0), bypasses: [record] })
  assert.deepEqual([lifted.decision, lifted.bypass_id], ['allow', 'byp_1'])
  const later = await engine.evaluateAsync(EDIT, { now: at(0), bypasses: [record] })
  assert.equal(later.bypass_id, 'byp_1')
  const other = { tool: 'Write', args: { file_path: 'open/a.yml', content: 'x' } }
  assert.equal(engine.evaluate(other, { now: at(0), bypasses: [record] }).bypass_id, undefined)
  assert.equal(engine.evaluate(EDIT, { now: at(30), bypasses: [record] }).decision, 'deny')
  assert.throws(
    () => engine.evaluate(EDIT, { now: at(0), bypasses: [{ ...record, allow: [] }] }),
    (e) => e instanceof PolicyError && /allows nothing/.test(e.message),
  )
})
