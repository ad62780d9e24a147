// The runtime matrix (npm run test:runtimes): packs the built package, installs the tarball into a
// fresh consumer project, and runs one behaviour suite (suite.mjs), unchanged, on every runtime
// the package supports, each importing the package the way its users do (hosts/); `hono`, which
// the suite's Hono app needs, is installed beside it as a user's app has it. The runtimes
// themselves come from this folder's own package.json and lockfile, so a plain `npm install` of
// the library never downloads them.
//
// A runtime that cannot start, or whose export condition the package lacks, is a failure, never
// a skip: the matrix exists to say where the package works. The workerd and edge runs are made
// even when their condition is missing, so the failure shows what a user gets without it.
//
// Writes report.json beside this file: one result a runtime (and one for the README's Runtimes
// table, which must say what this run found); .ci/run counts them.
//   node test/runtimes/run.mjs                  run, check the README table
//   node test/runtimes/run.mjs --write-readme   run, then rewrite the README table from the results
//   node test/runtimes/run.mjs --only=bun,deno  run some runtimes (the README is not checked then)

import * as esbuild from 'esbuild'
import { spawn, execFileSync } from 'node:child_process'
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeExports, hasCondition, resolveExport } from './exports.mjs'
import { readmeTable, replaceTable, tableOf } from './readme.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../..')
const modules = join(here, 'node_modules')
const args = process.argv.slice(2)
const writeReadme = args.includes('--write-readme')
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',')
/** Longest a runtime may take, start-up included: a hung runtime is a failure, not a hung CI. */
const RUNTIME_TIMEOUT_MS = 120_000
const SUBPATHS = { core: '.', fetchAdapter: './adapters/fetch', memory: './stores/memory', cookie: './stores/cookie', honoAdapter: './adapters/hono' }
/** Installed into the consumer project beside the package, at this folder's locked version: the suite's Hono app. */
const APP_DEPENDENCIES = ['hono']

/** The first of `paths` (under this folder's node_modules) that is an executable file. */
function binary(...paths) {
  for (const p of paths) {
    try {
      accessSync(join(modules, p), constants.X_OK)
      return join(modules, p)
    } catch {}
  }
  throw new Error(`no executable at node_modules/{${paths.join(', ')}}: run npm ci in test/runtimes`)
}

function installedVersion(name) {
  return JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version
}

/** Runs a command to its end or the timeout: { code, stdout, stderr }. */
function exec(cmd, argv, { cwd, env, timeout = RUNTIME_TIMEOUT_MS } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeout} ms)`
      child.kill('SIGKILL')
    }, timeout)
    child.on('error', (err) => {
      clearTimeout(timer)
      done({ code: -1, stdout, stderr: `${stderr}${err.message}` })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })
}

const tail = (s, n = 1500) => (s.length > n ? `…${s.slice(-n)}` : s).trim()

/** The suite's result from a host's output (its RESULT line), or a failure saying why there is none. */
function parseResult({ code, stdout, stderr }) {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '))
  if (!line) return { ok: false, error: `no result (exit ${code}): ${tail(stderr || stdout)}` }
  return JSON.parse(line.slice(7))
}

async function freePort() {
  const server = createServer()
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  await new Promise((r) => server.close(r))
  return port
}

/**
 * esbuild plugin: `.wasm` imports (plain, as wrangler takes them, or with Vercel's `?module`
 * suffix) are not bundled as bytes. `external` keeps them as imports of a file copied beside the
 * bundle (workerd's wasm modules); `binding` turns each into a global that the host fills with a
 * compiled WebAssembly.Module, as Vercel's edge sandbox does. `found` collects them.
 */
function wasmPlugin(mode, outdir, found) {
  return {
    name: `wasm-${mode}`,
    setup(build) {
      build.onResolve({ filter: /\.wasm(\?module)?$/ }, (a) => {
        const file = resolve(a.resolveDir, a.path.replace(/\?module$/, ''))
        const name = basename(file)
        if (!found.some((f) => f.file === file)) found.push({ file, name, binding: `__wasm_${name.replace(/\W/g, '_')}` })
        if (mode === 'external') {
          cpSync(file, join(outdir, name))
          return { path: `./${name}`, external: true }
        }
        return { path: file, namespace: 'wasm-binding' }
      })
      build.onLoad({ filter: /.*/, namespace: 'wasm-binding' }, (a) => {
        const { binding } = found.find((f) => f.file === a.path)
        return { contents: `export default globalThis[${JSON.stringify(binding)}]`, loader: 'js' }
      })
    },
  }
}

/** Keeps `./suite.mjs` an import of the unchanged file beside the bundle. */
const suiteExternal = {
  name: 'suite-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/suite\.mjs$/ }, () => ({ path: './suite.mjs', external: true }))
  },
}

/** A failure for a runtime whose export condition the package lacks, with what its build did instead. */
function missingCondition(condition, result) {
  const what = result.ok ? 'the build it resolved to instead passed' : `the build it got instead: ${firstError(result)}`
  return {
    ok: false,
    checks: result.checks ?? [],
    error: `the package's exports have no "${condition}" condition (${what})`,
    missing: condition,
  }
}

/** The first line of the first error in a result. */
function firstError(result) {
  const failed = result.checks?.find((c) => !c.ok)
  return String(failed?.error ?? result.error ?? 'no error').split('\n')[0]
}

// ---- the runtimes ------------------------------------------------------------------------------

const nodeMajor = process.versions.node.split('.')[0]
const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/** Each runtime: how its row reads in the README, its version, and how to run the suite on it. */
const runtimes = [
  {
    id: 'node-esm',
    name: `Node.js ${nodeMajor} (ESM)`,
    version: () => process.versions.node,
    tableVersion: () => `${nodeMajor}.x`,
    imports: "`import { Manager } from 'simplesessions'`",
    notes: `Node ${engines.node} (package.json engines)`,
    run: (c) => exec(process.execPath, ['esm.mjs'], { cwd: c.consumer }).then(parseResult),
  },
  {
    id: 'node-cjs',
    name: `Node.js ${nodeMajor} (CommonJS)`,
    version: () => process.versions.node,
    tableVersion: () => `${nodeMajor}.x`,
    imports: "`require('simplesessions')`",
    notes: `the CommonJS entries require() the ES module build, one instance with import: Node ${engines.node}`,
    run: (c) => exec(process.execPath, ['cjs.cjs'], { cwd: c.consumer }).then(parseResult),
  },
  {
    id: 'node24',
    name: 'Node.js 24',
    version: () => installedVersion('node'),
    imports: "`import { Manager } from 'simplesessions'`",
    notes: '',
    run: (c) => exec(binary('node/bin/node'), ['esm.mjs'], { cwd: c.consumer }).then(parseResult),
  },
  {
    id: 'bun',
    name: 'Bun',
    version: () => installedVersion('bun'),
    imports: "`import { Manager } from 'simplesessions'`",
    notes: '',
    run: (c) => exec(binary('@oven/bun-linux-x64/bin/bun', 'bun/bin/bun.exe'), ['esm.mjs'], { cwd: c.consumer }).then(parseResult),
  },
  {
    id: 'deno',
    name: 'Deno',
    version: () => installedVersion('deno'),
    imports: "`import { Manager } from 'simplesessions'` (package.json and node_modules)",
    notes: '',
    run: (c) =>
      exec(binary('@deno/linux-x64-glibc/deno', 'deno/bin/deno'), ['run', '--allow-read', '--allow-env', 'esm.mjs'], {
        cwd: c.consumer,
        env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(c.tmp, 'deno-dir') },
      }).then(parseResult),
  },
  {
    id: 'workerd',
    name: 'Cloudflare workerd',
    version: () => installedVersion('workerd'),
    imports: 'bundled as wrangler does (`workerd` condition, `.wasm` as a module), imported lazily inside a request',
    notes: 'compiling WebAssembly from bytes is allowed only at start-up, never inside a request',
    condition: 'workerd',
    run: runWorkerd,
  },
  {
    id: 'edge-light',
    name: 'Vercel Edge (@edge-runtime/vm)',
    version: () => installedVersion('@edge-runtime/vm'),
    imports: 'bundled with the `edge-light` condition, the `.wasm` given as a `WebAssembly.Module` (`?module`)',
    notes: 'WebAssembly code generation off, as on the platform',
    condition: 'edge-light',
    run: runEdge,
  },
  {
    id: 'chromium',
    name: 'Chromium (headless)',
    version: () => chromiumVersion,
    tableVersion: () => chromiumVersion.split('.')[0] ?? chromiumVersion,
    imports: 'an import map or a bundler (`browser` condition); `await init()` where exported',
    notes: '',
    run: runChromium,
  },
]

let chromiumVersion = 'not started'

async function runWorkerd(c) {
  const out = join(c.consumer, 'workerd-out')
  mkdirSync(out)
  const wasm = []
  // wrangler's conditions (https://developers.cloudflare.com/workers/wrangler/bundling/).
  await esbuild.build({
    entryPoints: [join(c.consumer, 'workerd.mjs')],
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    chunkNames: '[name]-[hash]',
    plugins: [suiteExternal, wasmPlugin('external', out, wasm)],
    logLevel: 'silent',
  })
  cpSync(join(c.consumer, 'suite.mjs'), join(out, 'suite.mjs'))
  const port = await freePort()
  const files = readdirSync(out).filter((f) => /\.m?js$/.test(f))
  const modulesList = [
    `(name = "workerd.js", esModule = embed "workerd.js")`,
    ...files.filter((f) => f !== 'workerd.js').map((f) => `(name = ${JSON.stringify(f)}, esModule = embed ${JSON.stringify(f)})`),
    ...wasm.map((w) => `(name = ${JSON.stringify(w.name)}, wasm = embed ${JSON.stringify(w.name)})`),
  ]
  writeFileSync(
    join(out, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .matrix)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const matrix :Workerd.Worker = (
  modules = [
    ${modulesList.join(',\n    ')}
  ],
  compatibilityDate = "2025-06-01",
);
`,
  )
  const child = spawn(binary('@cloudflare/workerd-linux-64/bin/workerd', 'workerd/bin/workerd'), ['serve', 'config.capnp'], {
    cwd: out,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout.on('data', (d) => (log += d))
  child.stderr.on('data', (d) => (log += d))
  let exited = false
  child.on('close', () => (exited = true))
  const get = async (p) => (await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(RUNTIME_TIMEOUT_MS) })).text()
  try {
    // Ready when /ping answers (a health check, not a sleep).
    const deadline = Date.now() + 30_000
    for (;;) {
      if (exited) return { ok: false, error: `workerd exited: ${tail(log)}` }
      try {
        await get('/ping')
        break
      } catch {
        if (Date.now() > deadline) return { ok: false, error: `workerd did not answer within 30 s: ${tail(log)}` }
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    return JSON.parse(await get('/suite'))
  } finally {
    child.kill('SIGKILL')
  }
}

async function runEdge(c) {
  const out = join(c.consumer, 'edge-out')
  mkdirSync(out)
  const wasm = []
  // The conditions of Vercel's edge bundling (Next.js: edge-light, worker, browser).
  await esbuild.build({
    entryPoints: [join(c.consumer, 'edge.mjs')],
    outfile: join(out, 'bundle.js'),
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    conditions: ['edge-light', 'worker', 'browser'],
    plugins: [wasmPlugin('binding', out, wasm)],
    logLevel: 'silent',
  })
  writeFileSync(join(out, 'bindings.json'), JSON.stringify(wasm.map(({ file, binding }) => ({ file, binding }))))
  return parseResult(await exec(process.execPath, [join(here, 'hosts/edge-driver.mjs'), out], { cwd: here }))
}

async function runChromium(c) {
  // The import map resolves each subpath as a browser bundler would; a subpath the exports map
  // sets to null under `browser` is one the package does not offer there: it is left out of the
  // map (an import of it fails, as a bundler's would) and the page is told which ones these are.
  const conditions = ['browser', 'import', 'default']
  const imports = {}
  const notOffered = []
  for (const [, subpath] of Object.entries(SUBPATHS)) {
    const specifier = subpath === '.' ? 'simplesessions' : `simplesessions/${subpath.slice(2)}`
    if (c.pkg.exports[subpath]?.browser === null) {
      notOffered.push(specifier)
      continue
    }
    imports[specifier] = `/node_modules/simplesessions/${resolveExport(c.pkg, subpath, conditions).replace(/^\.\//, '')}`
  }
  for (const name of APP_DEPENDENCIES) {
    const pkg = JSON.parse(readFileSync(join(c.consumer, 'node_modules', name, 'package.json'), 'utf8'))
    imports[name] = `/node_modules/${name}/${resolveExport(pkg, '.', conditions).replace(/^\.\//, '')}`
  }
  writeFileSync(
    join(c.consumer, 'chromium.html'),
    readFileSync(join(c.consumer, 'chromium.html'), 'utf8')
      .replace('"IMPORTS"', JSON.stringify(imports))
      .replace('"NOT_OFFERED"', JSON.stringify(notOffered)),
  )
  const result = parseResult(await exec(process.execPath, [join(here, 'hosts/chromium-driver.mjs'), c.consumer], { cwd: here }))
  if (result.version) chromiumVersion = result.version
  return result
}

// ---- the run -----------------------------------------------------------------------------------

/** Packs the built package and installs the tarball into a new consumer project with the hosts. */
function prepare() {
  if (!existsSync(join(root, 'dist'))) throw new Error('dist/ is missing: build first (node build/build.mjs)')
  const tmp = mkdtempSync(join(tmpdir(), 'simplesessions-runtimes-'))
  const consumer = join(tmp, 'consumer')
  mkdirSync(consumer)
  const quiet = { stdio: ['ignore', 'pipe', 'inherit'] }
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root, ...quiet }).toString())
  const tarball = join(tmp, packed[0].filename)
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2))
  // The app's own dependencies at the versions this folder's lockfile holds (from npm's cache,
  // where npm ci put them), so the hosts resolve them as a user's app does.
  const appDependencies = APP_DEPENDENCIES.map((name) => `${name}@${installedVersion(name)}`)
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--loglevel=error', tarball, ...appDependencies], { cwd: consumer, ...quiet })
  cpSync(join(here, 'suite.mjs'), join(consumer, 'suite.mjs'))
  for (const f of readdirSync(join(here, 'hosts'))) if (!f.endsWith('-driver.mjs')) cpSync(join(here, 'hosts', f), join(consumer, f))
  const pkg = JSON.parse(readFileSync(join(consumer, 'node_modules/simplesessions/package.json'), 'utf8'))
  return { tmp, consumer, pkg, tarball: packed[0].filename }
}

const started = performance.now()
const c = prepare()
console.log(`runtime matrix: ${c.tarball} installed in a consumer project; exports: ${describeExports(c.pkg.exports)}`)

const results = []
for (const rt of runtimes) {
  if (only && !only.includes(rt.id)) continue
  const t0 = performance.now()
  let result
  try {
    result = await rt.run(c)
  } catch (err) {
    result = { ok: false, error: `could not start: ${String(err?.stack ?? err)}` }
  }
  if (rt.condition && !hasCondition(c.pkg.exports, rt.condition)) result = missingCondition(rt.condition, result)
  let version
  try {
    version = rt.version()
  } catch (err) {
    version = 'not installed'
  }
  const entry = {
    id: rt.id,
    name: rt.name,
    version,
    ok: result.ok === true,
    error: result.ok ? undefined : result.error ?? firstError(result),
    missing: result.missing,
    firstVerifyMs: result.ok && typeof result.firstVerifyMs === 'number' ? Math.round(result.firstVerifyMs * 10) / 10 : undefined,
    notes: result.notes ?? [],
    checks: result.checks ?? [],
    seconds: Math.round(performance.now() - t0) / 1000,
  }
  results.push(entry)
  const time = entry.firstVerifyMs === undefined ? '' : `, import -> first verify ${entry.firstVerifyMs} ms`
  console.log(`${entry.ok ? 'PASS' : 'FAIL'} ${rt.name} ${version} (${entry.seconds} s${time})`)
  for (const check of entry.checks.filter((x) => !x.ok)) console.log(`     ${check.name}: ${check.error}`)
  if (!entry.ok && entry.error) console.log(`     ${entry.error}`)
}

// The README's Runtimes table must say what this run found.
const rows = runtimes
  .map((rt) => ({ rt, r: results.find((x) => x.id === rt.id) }))
  .filter(({ r }) => r)
  .map(({ rt, r }) => ({ ...rt, result: r, tableVersion: rt.tableVersion ? rt.tableVersion() : r.version }))
const readmeFile = join(root, 'README.md')
const readme = readFileSync(readmeFile, 'utf8')
const table = tableOf(rows)
if (!only) {
  let readmeResult
  if (writeReadme) {
    writeFileSync(readmeFile, replaceTable(readme, table))
    readmeResult = { id: 'readme', name: 'README Runtimes table', ok: true, notes: ['rewritten from this run'] }
  } else {
    const current = readmeTable(readme)
    // Debian's Chromium is whatever the machine's package is: a newer major there is not a
    // change of this library, so its version cell is not compared (the log and report.json
    // say which one ran).
    const loose = (t) => t?.replace(/^(\| Chromium \(headless\) \| )[^|]*\|/m, '$1* |')
    const ok = current !== undefined && loose(current) === loose(table)
    readmeResult = {
      id: 'readme',
      name: 'README Runtimes table',
      ok,
      error: ok ? undefined : current === undefined ? 'README.md has no Runtimes table between its markers' : `README.md's Runtimes table differs from this run (npm run test:runtimes -- --write-readme rewrites it):\n${table}`,
    }
  }
  results.push(readmeResult)
  console.log(`${readmeResult.ok ? 'PASS' : 'FAIL'} ${readmeResult.name}${readmeResult.error ? `: ${readmeResult.error}` : ''}`)
}

const passed = results.filter((r) => r.ok).length
const failed = results.length - passed
const seconds = Math.round(performance.now() - started) / 1000
writeFileSync(join(here, 'report.json'), JSON.stringify({ tarball: c.tarball, seconds, passed, failed, results }, null, 2) + '\n')
rmSync(c.tmp, { recursive: true, force: true })
console.log(`runtimes: ${passed} passed, ${failed} failed (${seconds} s)`)
process.exitCode = failed === 0 ? 0 : 1
