// The per-platform builds of dist/ (build/build.mjs) and the exports map that chooses them.
//   workerd (Cloudflare Workers) compiles WebAssembly from bytes only at start-up, never inside a
// request, and Vercel Edge never: their builds must contain no compile call and no inlined wasm,
// and import dist/core.wasm as a compiled module (workerd: `.wasm`, wrangler's CompiledWasm rule;
// edge-light: `.wasm?module`, Vercel's and Next.js's). Here they also run in Node with the .wasm
// served as a compiled module and every compile entry point of WebAssembly made to throw, as on
// those platforms.
//   https://developers.cloudflare.com/workers/runtime-apis/webassembly/javascript/
//   The browser build compiles asynchronously: the core is ready once init() resolves.
//   The exports map: a bundler or runtime takes the first condition it knows, so the platform
// conditions come before `import`/`require`, `workerd` and `edge-light` before `browser` (both
// platforms' bundlers also set `browser`), and `types` first in each.
// dist always carries the release wasm, so only the release project runs this.

import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
const wasm = readFileSync(join(dist, 'core.wasm'))
const SECRET = 'package-builds-test-secret-of-32-bytes!'

/** Every .js file under dist/<dir>. */
function jsFiles(dir: string): string[] {
  return readdirSync(join(dist, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(dist, dir, f))
}

/** The specifiers of a file's static imports. */
const importsOf = (text: string): string[] => [...text.matchAll(/^import\s[^'"]*?['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '')

/** Runs an ES module script in a fresh Node process and parses the one line it prints. */
function node(script: string, args: string[] = []): unknown {
  const out = execFileSync(process.execPath, [...args, '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 })
  return JSON.parse(out.trim())
}

/** Signs and verifies with `m` (a module namespace): what a build must still do. */
const signAndVerify = `
  await m.init();
  const s = new m.Signer([${JSON.stringify(SECRET)}]);
  const { id, value } = s.newSignedId();
  const ok = s.verify(value)?.id === id && s.check(value.slice(0, -2) + 'AA') === 'signature';
  const round = m.decodeValue(m.encodeValue({ n: 1n, d: new Date(0), b: new Uint8Array([1, 2]) }));
  const codec = round.n === 1n && round.d.getTime() === 0 && round.b[1] === 2;
`

describe.skipIf(process.env.SIMPLESESSIONS_WASM === 'debug')('platform builds', () => {
  // Node only: ioredis needs Node's TCP sockets, Express and Fastify run on node:http.
  const nodeOnly = ['./stores/redis', './adapters/express', './adapters/fastify']
  // Not for browsers: a browser drops Set-Cookie from every Response a script makes, so a Hono
  // app there could never send its session cookie (the runtime matrix shows it in Chromium).
  const notBrowser = ['./adapters/hono']

  it('the exports map: platform conditions first, workerd and edge-light before browser, types first in each, Node-only subpaths nowhere but Node, adapters/hono everywhere but browsers', () => {
    const order = ['workerd', 'edge-light', 'browser', 'import', 'require']
    for (const [subpath, conditions] of Object.entries(pkg.exports)) {
      if (subpath === './package.json') continue
      const c = conditions as Record<string, Record<string, string> | null>
      expect(Object.keys(c), subpath).toEqual(order)
      for (const [condition, files] of Object.entries(c)) {
        if (files === null) {
          expect(condition === 'browser' ? [...nodeOnly, ...notBrowser] : nodeOnly, `${subpath} ${condition} is null`).toContain(subpath)
          continue
        }
        expect(Object.keys(files), `${subpath} ${condition}`).toEqual(['types', 'default'])
        expect(files.types, `${subpath} ${condition}`).toMatch(condition === 'require' ? /\.d\.cts$/ : /\.d\.ts$/)
        // One declaration for every ES build: the same API everywhere.
        expect(files.types).toBe(condition === 'require' ? c.require?.types : c.import?.types)
      }
    }
  })

  for (const [build, specifier] of [
    ['workerd', /^(\.\.\/)+core\.wasm$/],
    ['edge-light', /^(\.\.\/)+core\.wasm\?module$/],
  ] as const) {
    it(`${build}: no compile call, no inlined wasm; the core is dist/core.wasm imported as ${String(specifier)}`, () => {
      const base64 = wasm.toString('base64')
      const files = jsFiles(build)
      expect(files.length).toBeGreaterThan(0)
      const wasmImports: string[] = []
      for (const f of files) {
        const text = readFileSync(f, 'utf8')
        const name = relative(dist, f)
        expect(text.match(/WebAssembly\s*\.\s*(?:Module|compile\w*|instantiate\w*|validate)\b/g), name).toBeNull()
        expect(text.includes(base64.slice(0, 64)) || text.includes(base64.slice(-64)), `${name}: the wasm's base64`).toBe(false)
        expect(text.match(/[A-Za-z0-9+/]{512,}/g), `${name}: a long base64 run`).toBeNull()
        for (const s of importsOf(text).filter((s) => s.includes('.wasm'))) {
          expect(s, name).toMatch(specifier)
          expect(readFileSync(join(f, '..', s.replace(/\?module$/, ''))).equals(wasm), `${name} imports dist/core.wasm`).toBe(true)
          wasmImports.push(name)
        }
      }
      expect(wasmImports).toHaveLength(1)
    })

    it(`${build}: works given the .wasm as a compiled module while compiling throws, as on the platform`, () => {
      // A loader hook serves the .wasm import as a module whose default export is the module
      // compiled before the build loads; then every WebAssembly entry point that compiles throws.
      const hooks = `
        export async function resolve(specifier, context, next) {
          if (/\\.wasm(\\?module)?$/.test(specifier)) return { url: new URL(specifier, context.parentURL).href, shortCircuit: true };
          return next(specifier, context);
        }
        export async function load(url, context, next) {
          if (/\\.wasm(\\?module)?$/.test(url)) return { format: 'module', source: 'export default globalThis.compiledCore', shortCircuit: true };
          return next(url, context);
        }`
      const script = `
        import { register } from 'node:module';
        import { readFileSync } from 'node:fs';
        register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
        globalThis.compiledCore = new WebAssembly.Module(readFileSync(${JSON.stringify(join(dist, 'core.wasm'))}));
        const refuse = () => { throw new WebAssembly.CompileError('Wasm code generation disallowed by embedder') };
        for (const k of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming', 'validate']) WebAssembly[k] = refuse;
        WebAssembly.Module = new Proxy(WebAssembly.Module, { construct: refuse });
        const m = await import(${JSON.stringify(pathToFileURL(join(dist, build, 'index.js')).href)});
        ${signAndVerify}
        let refused = false;
        try { new WebAssembly.Module(new Uint8Array(8)) } catch { refused = true }
        console.log(JSON.stringify({ ok, codec, refused, ready: m.init() === m.init() }));
      `
      expect(node(script)).toEqual({ ok: true, codec: true, refused: true, ready: true })
    })
  }

  // Node reads, compiles and links each file of an import graph on its own, ~0.5 ms each of the
  // cold start (docs/cold-start.md): the root entry imports one chunk, shared with the other subpaths.
  for (const build of ['', 'workerd', 'edge-light', 'browser']) {
    it(`${build || 'Node'}: the root entry's import graph is the entry and one chunk`, () => {
      const files = new Set<string>()
      const visit = (file: string): void => {
        if (files.has(file)) return
        files.add(file)
        for (const s of importsOf(readFileSync(file, 'utf8')).filter((s) => s.startsWith('.') && s.endsWith('.js'))) visit(join(file, '..', s))
      }
      visit(join(dist, build, 'index.js'))
      expect([...files].map((f) => relative(join(dist, build), f).replace(/-\w+\.js$/, '.js')).sort()).toEqual(['chunks/root.js', 'index.js'])
    })
  }

  it('every module of every build is ASCII (Node decodes any other file through a slower path: build/build.mjs)', () => {
    for (const f of jsFiles('')) expect(readFileSync(f, 'utf8').match(/[^\0-\x7f]/g), relative(dist, f)).toBeNull()
  })

  it('browser: compiles asynchronously; before init() resolves a use throws SessionError CONFIG, after it works; init() is idempotent', () => {
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(join(dist, 'browser/index.js')).href)});
      let early = null;
      try { new m.Signer([${JSON.stringify(SECRET)}]) } catch (e) { early = { code: e.code, isSessionError: m.isSessionError(e), message: e.message } }
      const same = m.init() === m.init();
      ${signAndVerify}
      console.log(JSON.stringify({ early, same, ok, codec }));
    `
    const out = node(script) as { early: { code: string; isSessionError: boolean; message: string } | null; same: boolean; ok: boolean; codec: boolean }
    expect(out.early).toEqual({ code: 'CONFIG', isSessionError: true, message: expect.stringContaining('init()') })
    expect(out).toMatchObject({ same: true, ok: true, codec: true })
  })

  it('Node: ready at import; init() resolves at once and is the same promise every time', () => {
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)});
      const first = new m.Signer([${JSON.stringify(SECRET)}]);
      const before = first.verify(first.newSignedId().value) !== undefined;
      const same = m.init() === m.init();
      ${signAndVerify}
      console.log(JSON.stringify({ before, same, ok, codec }));
    `
    expect(node(script)).toEqual({ before: true, same: true, ok: true, codec: true })
  })
})
