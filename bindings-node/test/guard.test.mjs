// guard: a tool handler runs only when the engine allows the call, and only ever sees the
// redacted arguments.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { agentPolicy, NOW, POLICY, SECRET } from './support.mjs'

const { Engine, PolicyError, PolicyDenied, guard, blocks } = agentPolicy

/** A minimal stand-in for an MCP server: `tool(name, handler)`, `call(name, args)`. */
class McpServer {
  #tools = new Map()
  tool(name, handler) {
    this.#tools.set(name, handler)
  }
  async call(name, args) {
    return this.#tools.get(name)(args, { requestId: 7, signal: new AbortController().signal })
  }
}

test('an MCP-style tool handler is called when allowed and refused with PolicyDenied when not', async () => {
  const engine = new Engine(POLICY)
  const server = new McpServer()
  const reads = []
  server.tool(
    'read_file',
    guard(
      engine,
      async ({ path }, extra) => {
        reads.push(path)
        return { content: [{ type: 'text', text: `contents of ${path} (request ${extra.requestId})` }] }
      },
      { tool: 'read_file', now: NOW },
    ),
  )
  const ok = await server.call('read_file', { path: 'src/app.ts' })
  assert.deepEqual(ok, { content: [{ type: 'text', text: 'contents of src/app.ts (request 7)' }] })

  const denied = await server.call('read_file', { path: '.env' }).then(
    () => assert.fail('the .env read went ahead'),
    (e) => e,
  )
  assert.ok(denied instanceof PolicyDenied)
  assert.ok(denied instanceof PolicyError)
  assert.equal(denied.name, 'PolicyDenied')
  assert.equal(denied.code, 'decision.deny')
  assert.equal(denied.decision.decision, 'deny')
  assert.equal(denied.message, denied.decision.reason)
  assert.deepEqual(denied.decision.redacted_action, { args: { path: '.env' }, tool: 'read_file' })
  assert.deepEqual(JSON.parse(denied.json), denied.decision)
  assert.equal(denied.json, engine.evaluateJson({ tool: 'read_file', args: { path: '.env' } }, { now: NOW }))
  assert.deepEqual(reads, ['src/app.ts'])
})

test('an AI-SDK-style execute gets the redacted arguments and require_approval blocks', async () => {
  const engine = new Engine(POLICY)
  const sent = []
  const deployed = []
  const tools = {
    sendMessage: {
      description: 'Send a chat message',
      execute: guard(engine, async ({ text }, { toolCallId }) => {
        sent.push(text)
        return { ok: true, toolCallId }
      }, { tool: 'send-message', now: NOW }),
    },
    deploy: {
      description: 'Deploy the service',
      execute: guard(engine, async (args) => deployed.push(args), { tool: 'deploy', now: NOW }),
    },
  }
  const result = await tools.sendMessage.execute({ text: `the key is ${SECRET}` }, { toolCallId: 'call_1' })
  assert.deepEqual(result, { ok: true, toolCallId: 'call_1' })
  assert.deepEqual(sent, ['the key is [REDACTED:stripe-key]'])

  await assert.rejects(tools.deploy.execute({ env: 'prod' }, { toolCallId: 'call_2' }), (e) => {
    assert.ok(e instanceof PolicyDenied)
    assert.equal(e.code, 'decision.require_approval')
    assert.equal(e.decision.approver_role, 'sre')
    return true
  })
  assert.deepEqual(deployed, [])
})

test('a sync handler stays sync: its result is returned and a denial is thrown at once', () => {
  const engine = new Engine(POLICY)
  const remove = guard(engine, (args) => `deleted ${args.name}`, { tool: 'delete_repo', now: NOW })
  const search = guard(engine, function search(args) {
    return `results for ${args.q}`
  }, { now: NOW })
  assert.equal(search({ q: 'flaky' }), 'results for flaky')
  assert.equal(search.name, 'search')
  assert.throws(() => remove({ name: 'shop' }), PolicyDenied)
})

test('agent and context given when wrapping are part of every evaluated action', () => {
  const policy = `version: "1"
default: allow
rules:
  - id: no-prod-deploys-by-bots
    match: {tool: deploy, environment: production, agent_type: ci-bot}
    outcome: deny
    reason: bots do not deploy to production
    examples:
      match: [{tool: deploy, agent: {type: ci-bot}, context: {environment: production}}]
      no_match: [{tool: deploy, agent: {type: ci-bot}, context: {environment: staging}}]
`
  const engine = new Engine(policy)
  const deploy = (env) =>
    guard(engine, (args) => `deployed ${args.version}`, {
      tool: 'deploy',
      agent: { type: 'ci-bot', id: 'bot-1' },
      context: { environment: env },
      now: NOW,
    })
  assert.equal(deploy('staging')({ version: '1.2.0' }), 'deployed 1.2.0')
  assert.throws(() => deploy('production')({ version: '1.2.0' }), (e) => {
    assert.deepEqual(e.decision.redacted_action.agent, { id: 'bot-1', type: 'ci-bot' })
    assert.deepEqual(e.decision.policy_ids, ['no-prod-deploys-by-bots'])
    return true
  })
})

test('a call without arguments is evaluated and passed through as such', async () => {
  const engine = new Engine(POLICY)
  let got = 'not called'
  const list = guard(engine, async (args, extra) => {
    got = [args, extra]
  }, { tool: 'list_files', now: NOW })
  await list(undefined, { requestId: 1 })
  assert.deepEqual(got, [undefined, { requestId: 1 }])
})

test('a bad action in a guarded call is a PolicyError, and guard checks its own arguments', async () => {
  const engine = new Engine(POLICY)
  const tool = guard(engine, async () => 'ran', { tool: 'search', now: NOW, context: { environmnt: 'prod' } })
  await assert.rejects(tool({ q: 'x' }), (e) => e instanceof PolicyError && e.code === 'action.unknown_field')
  assert.throws(() => guard({}, () => 1, { tool: 'x' }), TypeError)
  assert.throws(() => guard(engine, 'not a function', { tool: 'x' }), TypeError)
  assert.throws(() => guard(engine, () => 1), TypeError)
})

test('blocks() is the engine’s answer for each outcome', () => {
  const outcomes = ['allow', 'redact', 'alert', 'require_approval', 'deny', 'terminate']
  assert.deepEqual(outcomes.map((decision) => blocks({ decision })), [false, false, false, true, true, true])
  assert.equal(blocks({ decision: 'no-such-outcome' }), true)
  assert.equal(blocks(new Engine(POLICY).evaluate({ tool: 'delete_repo' }, { now: NOW })), true)
})
