// Type-checked (tsc --noEmit -p test), never run: uses the whole public API as a TypeScript
// user would, and the generated declarations of the native module the way index.js does.
import {
  Action,
  Decision,
  Engine,
  EngineOptions,
  EvaluateOptions,
  Grant,
  Bypass,
  LintReport,
  Outcome,
  PolicyDenied,
  PolicyError,
  Redacted,
  SessionResult,
  SessionState,
  blocks,
  guard,
} from '..'
import { NativeEngine, blocks as nativeBlocks } from '../native'

const options: EngineOptions = {
  format: 'yaml',
  origin: '.agent-policy.yml',
  overrides: [{ policy: 'version: "1"\n', origin: 'team.yml', format: 'json' }],
}
const engine: Engine = new Engine('version: "1"\ndefault: allow\n', options)
const fromFile: Engine = Engine.fromFile('.agent-policy.yml')
const defaults: Engine = Engine.defaults()

const action: Action = {
  tool: 'Read',
  args: { file_path: 'src/app.ts' },
  agent: { type: 'coding-agent', tier: 'sandbox' },
  context: { workspace: '/w', environment: 'production' },
}
const at: EvaluateOptions = { now: '2026-11-22T10:00:00Z', sequence: 3 }
const decision: Decision = engine.evaluate(action, at)
const outcome: Outcome = decision.decision
const approver: string | null = decision.approver_role
const firstEffectPath: string | undefined = decision.effects[0]?.path
const redactedArgs: unknown = decision.redacted_action.args
const fromText: Decision = defaults.evaluate('{"tool": "Bash", "args": {"command": "ls"}}')
const json: string = fromFile.evaluateJson(action, { now: at.now })
const later: Promise<Decision> = engine.evaluateAsync(action)
const redacted: Redacted<{ token: string }> = engine.redact({ token: 'x' })
const redactedText: Redacted<string> = engine.redact('free text')
const lint: LintReport = engine.lint()
const blocked: boolean = blocks(decision)

async function tools(): Promise<string> {
  const read = guard(engine, async (args: { path: string }, extra: { requestId: number }) => `read ${args.path} ${extra.requestId}`, {
    tool: 'read_file',
    agent: { type: 'coding-agent' },
    context: { environment: 'staging' },
    now: at.now,
  })
  const count = guard(engine, (args: { q: string }) => args.q.length)
  const n: number = count({ q: 'x' })
  try {
    return await read({ path: 'src/a.ts' }, { requestId: n })
  } catch (e) {
    if (e instanceof PolicyDenied) {
      const d: Decision = e.decision
      return `${e.code} ${d.reason} ${e.json.length}`
    }
    if (e instanceof PolicyError) {
      const where: string = `${e.file ?? '-'}:${e.line ?? 0}:${e.column ?? 0}`
      const related: PolicyError[] = e.related
      return `${e.code} ${e.message} ${e.help ?? ''} ${where} ${related.length} ${e.json ?? ''}`
    }
    throw e
  }
}

const grant: Grant = { fingerprint: 'apr_0', role: 'lead', approver: 'alice', expires_at: '2026-11-22T11:00:00Z' }
const bypass: Bypass = { id: 'byp_1', reason: 'incident', approver: 'alice', allow: ['locked/**'], expires_at: '2026-11-22T11:00:00Z' }
const granted: Decision = engine.evaluate(action, { now: at.now, grants: [grant], bypasses: [bypass] })
const step: SessionResult = engine.evaluateInSession(action, null, { now: at.now, grants: [grant] })
const next: SessionState = engine.evaluateInSession(action, step.session).session
const stepJson: string = engine.evaluateInSessionJson('{"tool": "x"}', next, { bypasses: [bypass] })
const used: number = next.tool_calls + (next.terminated?.budget?.used ?? 0)

const parsed: PolicyError = PolicyError.fromJson('{"error":{"code":"internal","message":"x"}}')

// The generated declarations match the calls index.js makes.
const native: NativeEngine = new NativeEngine('version: "1"\n', { format: 'json', origin: 'p', overrides: [{ policy: '' }] })
const nativeDecision: string = native.evaluate('{}', null, 0)
const nativeLater: Promise<string> = native.evaluateAsync({ tool: 'x' }, '2026-11-22T10:00:00Z')
const nativeGranted: string = native.evaluate('{}', null, 0, '[]', null)
const nativeSession: string = native.evaluateInSession('{}', null, '2026-11-22T10:00:00Z', null, '[]')
const nativeRedacted: string = native.redact('"text"')
const nativeLint: string = native.lint()
const nativeFromFile: NativeEngine = NativeEngine.fromFile('p.yml')
const nativeDefaults: NativeEngine = NativeEngine.defaults()
const nativeBlocked: boolean = nativeBlocks('deny')

export {
  granted, nativeGranted, nativeSession, stepJson, used,
  approver, blocked, firstEffectPath, fromText, json, later, lint, nativeBlocked, nativeDecision,
  nativeDefaults, nativeFromFile, nativeLater, nativeLint, nativeRedacted, outcome, parsed, redacted,
  redactedArgs, redactedText, tools,
}
