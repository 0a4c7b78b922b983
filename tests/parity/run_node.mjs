#!/usr/bin/env node
// The Node surface's parity runner: `node tests/parity/run_node.mjs CASES.jsonl` reads the
// cases written by `parity cases` and prints one {"name", "output"} line per vector, output
// being the canonical decision JSON (`evaluateJson`, which `evaluate`'s object, written back
// as JSON, must equal; a case with a session goes through `evaluateInSessionJson`, which gives
// `{"decision", "session"}`) or the thrown PolicyError's `json`.
// It uses only the public API of the package (bindings-node, built by its make.sh).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Engine, PolicyError } = require('../../bindings-node')

/** One case: the canonical decision JSON, or the error JSON of the PolicyError thrown. */
function runCase(c) {
  try {
    const engine =
      c.policy === null
        ? Engine.defaults()
        : new Engine(c.policy, { format: c.format, origin: c.origin, overrides: c.overrides })
    // A string given as the action is JSON text, so a string *value* goes as its text.
    const action =
      c.action_text !== null ? c.action_text : typeof c.action === 'string' ? JSON.stringify(c.action) : c.action
    const records = { grants: c.grants, bypasses: c.bypasses }
    if (c.session !== null) return engine.evaluateInSessionJson(action, c.session, { now: c.now, ...records })
    const options = { now: c.now, sequence: c.sequence, ...records }
    const json = engine.evaluateJson(action, options)
    // `evaluate` builds the document's object from another form of the decision: written back
    // as JSON, it must be the same bytes (keys, order, absent fields). A difference is
    // reported as this surface's output, so the comparison names the vector.
    const rebuilt = JSON.stringify(engine.evaluate(action, options))
    return rebuilt === json ? json : `evaluate() gave a different document: ${rebuilt}`
  } catch (e) {
    if (e instanceof PolicyError) return e.json
    throw e
  }
}

const args = process.argv.slice(2)
if (args.length !== 1) {
  process.stderr.write('usage: run_node.mjs CASES.jsonl\n')
  process.exit(64)
}
const out = []
for (const line of readFileSync(args[0], 'utf8').split('\n')) {
  if (!line.trim()) continue
  const c = JSON.parse(line)
  out.push(JSON.stringify({ name: c.name, output: runCase(c) }))
}
process.stdout.write(out.join('\n') + '\n')
