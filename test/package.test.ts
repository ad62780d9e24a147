// The built package (dist/, made by `npm test` before vitest) loads and works in a fresh Node
// process under require() and under import: by the files package.json's exports map names, and
// by package name through that map. dist always carries the release wasm, so both vitest projects
// check the same artifact.

import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string
  main?: string
  types?: string
  exports: Record<string, string | { types?: string; import?: string; require?: string }>
}

type Conditions = { types?: string; import?: string; require?: string }
const subpaths = Object.entries(pkg.exports).filter((e): e is [string, Conditions] => e[0] !== './package.json' && typeof e[1] === 'object')
const mainEntry: Conditions = pkg.exports['.'] as Conditions
const file = (rel: string | undefined): string => fileURLToPath(new URL(`../${rel ?? 'missing'}`, import.meta.url))

const SECRET = 'package-test-secret-of-at-least-32-bytes'

/** The script body each process runs, given the module `m`: prints one JSON line. */
const body = `
  const s = new m.Signer([${JSON.stringify(SECRET)}]);
  const { id, value } = s.newSignedId();
  const verified = s.verify(value);
  const tampered = s.check(value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A'));
  let short = null;
  try { new m.Signer(['short']) } catch (e) { short = { name: e.name, code: e.code, isSessionError: e instanceof m.SessionError } }
  s.close();
  console.log(JSON.stringify({ exports: Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort(), id, value, verified,
    tampered, short, generated: m.generateId(), valid: m.isValidId(id) }));
`

interface Output {
  exports: string[]
  id: string
  value: string
  verified: { id: string; key: number }
  tampered: string
  short: { name: string; code: string; isSessionError: boolean } | null
  generated: string
  valid: boolean
}

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 20_000 })
}

function run(args: string[]): Output {
  const lines = node(args).trim().split('\n')
  expect(lines).toHaveLength(1) // nothing else printed
  return JSON.parse(lines[0] ?? '') as Output
}

function expectWorks(out: Output): void {
  expect(out.id).toMatch(/^[A-Za-z0-9_-]{32}$/)
  const mac = createHmac('sha256', SECRET).update(`1.${out.id}`).digest('base64url')
  expect(out.value).toBe(`1.${out.id}.${mac}`)
  expect(out.verified).toEqual({ id: out.id, key: 0 })
  expect(out.tampered).toBe('signature')
  expect(out.short).toEqual({ name: 'SessionError', code: 'CONFIG', isSessionError: true })
  expect(out.generated).toMatch(/^[A-Za-z0-9_-]{32}$/)
  expect(out.generated).not.toBe(out.id)
  expect(out.valid).toBe(true)
  expect(out.exports).toEqual(expect.arrayContaining(['Signer', 'SessionError', 'generateId', 'isValidId']))
}

describe('built package', () => {
  it('every file the exports map names exists (types, import, require of each subpath)', () => {
    expect(subpaths.map(([p]) => p)).toContain('.')
    for (const [subpath, conditions] of subpaths) {
      for (const condition of ['types', 'import', 'require'] as const) {
        const rel = conditions[condition]
        expect(rel, `${subpath} has a ${condition} condition`).toBeTypeOf('string')
        expect(existsSync(file(rel)), `${subpath} ${condition}: ${rel}`).toBe(true)
      }
    }
    if (pkg.main !== undefined) expect(existsSync(file(pkg.main)), `main: ${pkg.main}`).toBe(true)
  })

  it('works under require() and import of the main entry\'s files, with the same exports', () => {
    const cjsFile = file(mainEntry.require)
    const esmFile = file(mainEntry.import)
    const cjs = run(['-e', `const m = require(${JSON.stringify(cjsFile)});${body}`])
    const esm = run(['--input-type=module', '-e', `import * as m from ${JSON.stringify(pathToFileURL(esmFile).href)};${body}`])
    expectWorks(cjs)
    expectWorks(esm)
    expect(esm.exports).toEqual(cjs.exports)
    // Two processes, two independent entropy draws.
    expect(esm.id).not.toBe(cjs.id)
  })

  it('resolves by package name through the exports map (require and import conditions)', () => {
    const cjs = run(['-e', `const m = require(${JSON.stringify(pkg.name)});${body}`])
    const esm = run(['--input-type=module', '-e', `import * as m from ${JSON.stringify(pkg.name)};${body}`])
    expectWorks(cjs)
    expectWorks(esm)
    expect(esm.exports).toEqual(cjs.exports)
  })

  it('every subpath loads under require() and import, with the same export names', () => {
    const names = subpaths.map(([p]) => (p === '.' ? pkg.name : `${pkg.name}/${p.slice(2)}`))
    const list = JSON.stringify(names)
    const keys = 'Object.keys(m).filter((k) => k !== "default" && k !== "__esModule").sort()'
    const cjs = JSON.parse(node(['-e', `console.log(JSON.stringify(${list}.map((n) => { const m = require(n); return ${keys} })))`])) as string[][]
    const esm = JSON.parse(
      node(['--input-type=module', '-e', `const out = []; for (const n of ${list}) { const m = await import(n); out.push(${keys}) } console.log(JSON.stringify(out))`]),
    ) as string[][]
    expect(esm).toEqual(cjs)
    names.forEach((n, i) => expect(cjs[i]?.length, `${n} exports something`).toBeGreaterThan(0))
  })
})
