// Shared by the test files: the package as a user loads it, and a small policy.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** The package, loaded the way `require('agent-policy')` does. */
export const agentPolicy = require('../index.js')

/** A fixed decision time, so decisions are reproducible. */
export const NOW = '2026-11-22T10:00:00Z'

/** A policy with one rule of each blocking kind that the tests rely on. */
export const POLICY = `version: "1"
default: allow
adapters:
  - {tool: read_file, kind: file.read, path: path}
permissions:
  filesystem: {deny: [".env*"]}
  tools: {deny: [delete_repo]}
rules:
  - id: deploys-need-sre
    match: {tool: deploy}
    outcome: require_approval
    approver_role: sre
    reason: deploys need an SRE
    examples:
      match: [{tool: deploy, args: {env: prod}}]
      no_match: [{tool: search, args: {q: x}}]
`

/** A live Stripe-style key that the built-in detectors find (never a real key). */
export const SECRET = 'sk_live_' + 'abcdefghijklmnopqrstuvwx'
