// The README's Node example runs as written: the repository README's when it has one (the
// fenced js block after `<!-- snippet:node -->`), else this package's.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const MARKER = '<!-- snippet:node -->'
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The first fenced js block after the marker, or null when the file has no marker. */
function snippet(path) {
  if (!existsSync(path)) return null
  const text = readFileSync(path, 'utf8')
  const at = text.indexOf(MARKER)
  if (at < 0) return null
  const block = /```(?:js|javascript|mjs)\n([\s\S]*?)```/.exec(text.slice(at))
  assert.ok(block, `${path}: no js block after ${MARKER}`)
  return block[1]
}

function run(code, t) {
  // A project with the package installed: node_modules/agent-policy is this package.
  const dir = mkdtempSync(join(tmpdir(), 'agent-policy-readme-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(pkg, join(dir, 'node_modules', 'agent-policy'), 'dir')
  const file = join(dir, /^\s*import\s/m.test(code) ? 'example.mjs' : 'example.cjs')
  writeFileSync(file, code)
  return spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' })
}

test('the README example runs and shows a deny, a redaction and a located error', (t) => {
  const rootReadme = join(pkg, '..', 'README.md')
  const code = snippet(rootReadme) ?? snippet(join(pkg, 'README.md'))
  assert.ok(code, 'no Node snippet in README.md nor bindings-node/README.md')
  const result = run(code, t)
  assert.equal(result.status, 0, result.stderr)
  assert.equal(result.stderr, '')
  if (snippet(rootReadme) === null) {
    assert.match(result.stdout, /^deny \[ 'defaults\.secrets\.env-read' \]$/m)
    assert.match(result.stdout, /^sent: key \[REDACTED:stripe-key\]$/m)
    assert.match(result.stdout, /^decision\.deny /m)
    assert.match(result.stdout, /^\.agent-policy\.yml:3:11: unknown key 'denny' .*did you mean 'deny'\?\)$/m)
  }
})

test('this package’s README example runs', (t) => {
  const result = run(snippet(join(pkg, 'README.md')), t)
  assert.equal(result.status, 0, result.stderr)
  assert.ok(!result.stdout.includes('sk_live_'), 'the secret reached the tool')
})
