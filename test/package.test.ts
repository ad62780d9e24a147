// The built package (dist/, made by `npm test` before vitest) loads and works in a fresh Node
// process under require() and under import: by the files package.json's exports map names, and
// by package name through that map; both give one module instance, and a second copy of the
// package in the same process still shares the error class's identity. dist always carries the
// release wasm, so both vitest projects check the same artifact.

import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string
  main?: string
  engines: { node: string }
  types?: string
  exports: Record<string, string | Conditions>
}

/** A condition's files: its declarations and its module. */
type Target = { types?: string; default?: string }
/** A subpath's conditions, in the exports map's order; null: the subpath does not exist there. */
type Conditions = Record<string, Target | null>
const subpaths = Object.entries(pkg.exports).filter((e): e is [string, Conditions] => e[0] !== './package.json' && typeof e[1] === 'object')
/** The module file of `subpath` under `condition` (import: the ES build for Node; require: its CommonJS entry). */
const target = (subpath: string, condition: string): string | undefined => (pkg.exports[subpath] as Conditions | undefined)?.[condition]?.default
const mainEntry = { import: target('.', 'import'), require: target('.', 'require') }
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
  it('every file the exports map names exists (types and module of each condition of each subpath)', () => {
    expect(subpaths.map(([p]) => p)).toContain('.')
    for (const [subpath, conditions] of subpaths) {
      for (const condition of ['import', 'require'] as const) {
        expect(conditions[condition], `${subpath} has a ${condition} condition`).toBeTypeOf('object')
      }
      for (const [condition, files] of Object.entries(conditions)) {
        for (const rel of files === null ? [] : [files.types, files.default]) {
          expect(rel, `${subpath} ${condition}: types and default`).toBeTypeOf('string')
          expect(existsSync(file(rel)), `${subpath} ${condition}: ${rel}`).toBe(true)
        }
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
})

/** Script lines that, with `Manager` and `MemoryStore` in scope, commit a session over the store's maxBytes: `code` is the commit's outcome. */
const commitTooLarge = `
  const manager = new Manager({ store: new MemoryStore({ maxBytes: 200 }), secrets: [${JSON.stringify(SECRET)}], getCookie: () => undefined, setCookie: () => {} });
  const sess = await manager.acquire({}, {});
  await sess.set('big', 'x'.repeat(1000));
  const code = await sess.commit().then(() => 'committed', (e) => e.code);
`
const subpathNames = subpaths.map(([p]) => (p === '.' ? pkg.name : `${pkg.name}/${p.slice(2)}`))

describe('one module instance per process', () => {
  /** Every name whose export differs between require(name) and import(name), per subpath, and what was compared. */
  const compare = `
    const out = {};
    for (const n of ${JSON.stringify(subpathNames)}) {
      const [r, i] = ORDER;
      const keys = Object.keys(i).filter((k) => k !== 'default' && k !== '__esModule');
      const required = Object.keys(r).filter((k) => k !== 'default' && k !== '__esModule');
      out[n] = { keys: keys.sort(), required: required.sort(), different: keys.filter((k) => r[k] !== i[k]) };
    }
    console.log(JSON.stringify(out));
  `
  type Compared = Record<string, { keys: string[]; required: string[]; different: string[] }>

  function expectIdentical(out: Compared): void {
    expect(Object.keys(out)).toEqual(subpathNames)
    for (const [n, { keys, required, different }] of Object.entries(out)) {
      expect(keys.length, `${n} exports something`).toBeGreaterThan(0)
      expect(required, `${n}: the same names`).toEqual(keys)
      expect(different, `${n}: the same values`).toEqual([])
    }
    expect(out[pkg.name]?.keys).toEqual(expect.arrayContaining(['Manager', 'SessionError', 'isSessionError', 'Signer']))
    expect(out[`${pkg.name}/stores/memory`]?.keys).toContain('MemoryStore')
  }

  it('require() then import() of every subpath by package name gives the identical exports', () => {
    const script = `(async () => {${compare.replace('ORDER', '[require(n), await import(n)]')}})()`
    expectIdentical(JSON.parse(node(['-e', script])) as Compared)
  })

  it('import() then require() of every subpath by package name gives the identical exports', () => {
    const script = `import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(pathToFileURL(root).href)});
      ${compare.replace('ORDER', '[await import(n), require(n)].reverse()')}`
    expectIdentical(JSON.parse(node(['--input-type=module', '-e', script])) as Compared)
  })

  it("a store loaded by require() keeps its error codes under a Manager loaded by import (TOO_LARGE, not STORE_UNAVAILABLE)", () => {
    const script = `import { createRequire } from 'node:module'; import { Manager } from ${JSON.stringify(pkg.name)};
      const { MemoryStore } = createRequire(${JSON.stringify(pathToFileURL(root).href)})(${JSON.stringify(`${pkg.name}/stores/memory`)});
      ${commitTooLarge} console.log(JSON.stringify(code))`
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toBe('TOO_LARGE')
  })

  it('require() where Node cannot load an ES module fails with ERR_REQUIRE_ESM and names the Node versions it needs', () => {
    const script = `try { require(${JSON.stringify(pkg.name)}); console.log('null') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`
    const out = JSON.parse(node(['--no-experimental-require-module', '-e', script])) as { code: string; message: string } | null
    expect(out?.code).toBe('ERR_REQUIRE_ESM')
    expect(out?.message).toContain(pkg.engines.node)
  })
})

describe('a second copy of the package in the same process', () => {
  // Two installed copies (two versions, or a bundler that inlined one) are two module instances
  // with two SessionError classes; this copy of dist/ at another path is one.
  let copy = ''
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'simplesessions-copy-'))
    cpSync(file('dist'), join(copy, 'dist'), { recursive: true })
    writeFileSync(join(copy, 'package.json'), '{ "type": "module" }\n')
  })
  afterAll(() => rmSync(copy, { recursive: true, force: true }))

  const imports = () => `import * as main from ${JSON.stringify(pkg.name)};
    import * as other from ${JSON.stringify(pathToFileURL(join(copy, mainEntry.import ?? 'missing')).href)};
    import { MemoryStore } from ${JSON.stringify(pathToFileURL(join(copy, target('./stores/memory', 'import') ?? 'missing')).href)};`

  it('isSessionError and instanceof recognise its errors, by code, and nothing else', () => {
    const script = `${imports()}
      const theirs = new other.SessionError('TOO_LARGE', 'from the other copy');
      const ours = new main.SessionError('CONFIG', 'from this copy');
      class Sub extends main.SessionError {}
      console.log(JSON.stringify({
        twoClasses: main.SessionError !== other.SessionError,
        theirs: [main.isSessionError(theirs), main.isSessionError(theirs, 'TOO_LARGE'), main.isSessionError(theirs, 'CONFIG'), theirs instanceof main.SessionError],
        ours: [other.isSessionError(ours), other.isSessionError(ours, 'CONFIG'), ours instanceof other.SessionError],
        lookalikes: [new Error('x'), Object.assign(new Error('x'), { name: 'SessionError', code: 'TOO_LARGE' }), { name: 'SessionError', code: 'TOO_LARGE' }, null, 'SessionError']
          .flatMap((v) => [main.isSessionError(v), main.isSessionError(v, 'TOO_LARGE'), v instanceof main.SessionError]),
        subclass: [new Sub('CONFIG', 'x') instanceof Sub, ours instanceof Sub, theirs instanceof Sub, new Sub('CONFIG', 'x') instanceof main.SessionError],
      }))`
    const out = JSON.parse(node(['--input-type=module', '-e', script])) as Record<string, boolean | boolean[]>
    expect(out).toEqual({
      twoClasses: true,
      theirs: [true, true, false, true],
      ours: [true, true, true],
      lookalikes: Array(15).fill(false),
      subclass: [true, false, false, true],
    })
  })

  it("its store's TOO_LARGE reaches this copy's Manager as TOO_LARGE", () => {
    const script = `${imports()} const { Manager } = main; ${commitTooLarge} console.log(JSON.stringify(code))`
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toBe('TOO_LARGE')
  })
})
