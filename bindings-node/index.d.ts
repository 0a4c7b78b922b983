// Types of the agent-policy package (index.js). The native module's own declarations are
// generated from the Rust sources into native.d.ts; the shapes below are the engine's JSON
// documents (SPEC §3, §4) as they arrive in JavaScript.

/** The six outcomes, least to most restrictive. */
export type Outcome = 'allow' | 'redact' | 'alert' | 'require_approval' | 'deny' | 'terminate'

/** What an action or effect does. */
export type EffectKind =
  | 'command.exec'
  | 'file.read'
  | 'file.write'
  | 'file.delete'
  | 'network.request'
  | 'tool.call'
  | 'credential.request'
  | 'pipeline.run'
  | 'message.send'

/** Plain JSON data. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** Who acts. */
export interface Agent {
  id?: string
  type?: string
  session?: string
  owner?: string
  team?: string
  tier?: 'observe' | 'recommend' | 'draft' | 'sandbox' | 'prod_gated'
}

/** Where it acts. */
export interface ActionContext {
  environment?: string
  data_classification?: string
  cwd?: string
  workspace?: string
  branch?: string
  risk_signals?: string[]
  permissions?: string[]
  env?: { [name: string]: string }
}

/**
 * The action an agent wants to take (SPEC §3). Unknown fields are refused by the engine
 * (`action.unknown_field`), so a typo never weakens a check.
 */
export interface Action {
  id?: string
  kind?: EffectKind
  tool?: string
  args?: unknown
  command?: string
  path?: string
  paths?: string[]
  url?: string
  host?: string
  method?: string
  payload?: unknown
  agent?: Agent
  context?: ActionContext
  approval?: { grants: unknown[] }
}

/** One secret found, replaced by `marker`. */
export interface Redaction {
  kind: string
  rule_id: string
  /** JSON path of the string that held it (`$.args.content`). */
  location: string
  /** Byte offsets of the secret in that string. */
  start: number
  end: number
  /** `hmac-sha256:` + 16 hex digits (keyed hash): equal secrets correlate, none can be recovered. */
  fingerprint: string
  marker: string
}

/** An alert raised by a matched rule. */
export interface Alert {
  rule_id: string
  reason: string
  /** Index into `effects`. */
  effect: number
}

/** One matched rule. */
export interface Match {
  rule_id: string
  outcome: Outcome
  /** Index into `effects`. */
  effect: number
  /** The pattern or value of the rule that matched, when there is one. */
  pattern?: string
  reason: string
}

/** A normalised effect of the action (absent fields are left out). */
export interface Effect {
  kind: EffectKind
  path?: string
  outside_workspace?: boolean
  recursive?: boolean
  command?: string
  program?: string
  argv?: string[]
  opaque?: boolean
  url?: string
  host?: string
  port?: number
  method?: string
  upload?: boolean
  metadata_endpoint?: boolean
  tool?: string
  lines_changed?: number
  /** Where the effect came from (`$.args.file_path`, a simple command). */
  via: string
}

/** The decision document (SPEC §4), identical on every surface. */
export interface Decision {
  decision_id: string
  action_id: string
  decision: Outcome
  policy_ids: string[]
  reason: string
  risk_score: number
  approver_role: string | null
  redactions: Redaction[]
  alerts: Alert[]
  matched: Match[]
  effects: Effect[]
  /** The action with every secret replaced by its marker: what a caller that proceeds uses. */
  redacted_action: Action & { [key: string]: unknown }
  timestamp: string
  policy_version: string
  policy_hash: string
  /** On `require_approval`: what an approver must grant. */
  approval_request?: { fingerprint: string; approver_role: string }
  /** The grant that turned `require_approval` into `allow`. */
  approval?: { fingerprint: string; role: string; approver: string; expires_at: string }
  /** The bypass record that lifted a deny. */
  bypass_id?: string
  /** The session budget that ran out. */
  budget?: { limit: string; used: number; allowed: number }
}

/** One policy source merged into the root policy. */
export interface PolicyOverride {
  /** The policy text. */
  policy: string
  /** The name errors show; `<inline>` by default. */
  origin?: string
  /** `yaml` by default. */
  format?: 'yaml' | 'json'
}

/** How `new Engine` reads its text. */
export interface EngineOptions {
  /** `yaml` by default (JSON is YAML too; `json` reads strict JSON). */
  format?: 'yaml' | 'json'
  /** The name errors show; `<inline>` by default. */
  origin?: string
  /** Sources merged into the root policy, in order: allow lists add, deny wins. */
  overrides?: PolicyOverride[]
}

/** An approver's yes to the one action whose approval request has this fingerprint. */
export interface Grant {
  /** The `approval_request.fingerprint` it answers (`apr_…`). */
  fingerprint: string
  /** The role the approver acts in; must be the role asked for. */
  role: string
  /** Who approved. */
  approver: string
  /** RFC 3339: the grant counts while `now` is before this. */
  expires_at: string
  /** `hmac-sha256:` + hex, when the host signs grants. */
  signature?: string
}

/** A time-limited exception to the denies of bypassable rules on named paths or commands. */
export interface Bypass {
  /** `byp_…`: named in every decision it changes (`bypass_id`). */
  id: string
  /** Why (an incident, a ticket). */
  reason: string
  /** Who approved it. */
  approver: string
  /** Path globs (`config/auth/**`) or command patterns (`git push --force`). */
  allow: string[]
  /** RFC 3339: the record counts while `now` is before this. */
  expires_at: string
}

/**
 * What a session has used so far: plain data the caller keeps between calls and passes back
 * unchanged (its fields are the engine's; treat it as opaque).
 */
export interface SessionState {
  version: number
  started_at?: string
  actions: number
  turns: number
  tokens: number
  tool_calls: number
  pipeline_runs: number
  credential_requests: number
  denials: number[]
  rate: Record<string, number[]>
  repeats: Record<string, number>
  terminated?: {
    at: string
    rule_id: string
    reason: string
    budget?: { limit: string; used: number; allowed: number }
  }
}

/** The host's approval grants and bypass records for one call. */
export interface RecordOptions {
  /** Approval grants (the action may present more in `approval.grants`). */
  grants?: Grant[]
  /** Bypass records. */
  bypasses?: Bypass[]
}

/** When and where in its session an action is evaluated. */
export interface EvaluateOptions extends RecordOptions {
  /** RFC 3339; the system clock when left out. */
  now?: string
  /** The action's position in its session (0..2^53-1); 0 when left out. */
  sequence?: number
}

/** The options of `evaluateInSession`: the session numbers its actions itself. */
export interface SessionOptions extends RecordOptions {
  /** RFC 3339; the system clock when left out. */
  now?: string
}

/** A decision made in a session, and the state after it. */
export interface SessionResult {
  decision: Decision
  session: SessionState
}

/** `redact`'s answer. */
export interface Redacted<T = JsonValue> {
  value: T
  redactions: Redaction[]
}

/** `lint`'s answer. */
export interface LintReport {
  warnings: string[]
}

/** The fields of a PolicyError. */
export interface PolicyErrorFields {
  code?: string
  help?: string | null
  file?: string | null
  line?: number | null
  column?: number | null
  related?: PolicyError[]
  json?: string | null
}

/** Any failure of agent-policy: a bad policy, a bad action, a file that cannot be read. */
export declare class PolicyError extends Error {
  constructor(message: string, fields?: PolicyErrorFields)
  /** A PolicyError from the engine's error JSON (`{"error": {...}}`). */
  static fromJson(json: string): PolicyError
  /** The stable machine code (`policy.unknown_key`, `action.syntax`, `io.read`, ...). */
  code: string
  /** How to fix it. */
  help: string | null
  /** The policy source the error is in. */
  file: string | null
  /** 1-based line in `file`. */
  line: number | null
  /** 1-based column in `file`. */
  column: number | null
  /** Further errors found in the same load, in source order. */
  related: PolicyError[]
  /** The engine's JSON for this error (for PolicyDenied: the decision's canonical JSON). */
  json: string | null
}

/** Thrown by a guarded handler when the decision blocks the call. */
export declare class PolicyDenied extends PolicyError {
  constructor(decision: Decision, json?: string)
  /** `decision.deny`, `decision.require_approval` or `decision.terminate`. */
  code: string
  /** The decision document. */
  decision: Decision
  /** The decision's canonical JSON text. */
  json: string
}

/** A compiled policy: construct once, evaluate many times. */
export declare class Engine {
  /** Compiles policy text; throws PolicyError (with file, line, column) when it does not load. */
  constructor(text: string, options?: EngineOptions)
  /** Loads a policy file and the directory overrides under its directory. */
  static fromFile(path: string): Engine
  /** The built-in `defaults/coding-agent` pack with `default: allow`. */
  static defaults(): Engine
  /** Evaluates an action (an object, or its JSON text, parsed strictly). */
  evaluate(action: Action | string, options?: EvaluateOptions): Decision
  /** Evaluates an action: the decision's canonical JSON text. */
  evaluateJson(action: Action | string, options?: EvaluateOptions): string
  /** `evaluate` on the libuv thread pool. */
  evaluateAsync(action: Action | string, options?: EvaluateOptions): Promise<Decision>
  /**
   * Evaluates an action in a session (`null`: a new one): the decision and the state after
   * it, which the caller keeps for the next call. Budgets, rate limits, escalation and
   * termination apply.
   */
  evaluateInSession(
    action: Action | string,
    session: SessionState | null,
    options?: SessionOptions,
  ): SessionResult
  /** `evaluateInSession` as the canonical `{"decision": ..., "session": ...}` JSON text. */
  evaluateInSessionJson(
    action: Action | string,
    session: SessionState | null,
    options?: SessionOptions,
  ): string
  /** Replaces every secret in a value (a string, an object, ...) by its marker. */
  redact<T = JsonValue>(value: T): Redacted<T>
  /** What is legal in the policy but probably not meant. */
  lint(): LintReport
}

/** What `guard` needs to know about the wrapped tool. */
export interface GuardOptions {
  /** The tool's name as the agent framework calls it; the handler's name by default. */
  tool?: string
  /** Added to every evaluated action. */
  agent?: Agent
  /** Added to every evaluated action. */
  context?: ActionContext
  /** A fixed decision time (tests); the system clock by default. */
  now?: string
}

/**
 * Wraps a tool handler `(args, ...rest)`: each call is evaluated as
 * `{tool, args, agent?, context?}`; a blocking decision throws PolicyDenied (the handler is not
 * called), otherwise the handler runs with the decision's redacted arguments.
 */
export declare function guard<H extends (args: any, ...rest: any[]) => any>(
  engine: Engine,
  handler: H,
  options?: GuardOptions,
): H

/** Whether the decision means the action must not go ahead as asked (the engine's answer). */
export declare function blocks(decision: Pick<Decision, 'decision'>): boolean
