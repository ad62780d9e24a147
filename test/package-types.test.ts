// The packed tarball, as a user installs it: what `npm pack` puts in it, what
// @arethetypeswrong/cli and publint say about it, and whether a small consumer installed from it
// type-checks under each TypeScript resolution a project uses (node16 and nodenext, from an ES
// module and from a CommonJS one; bundler), strictly, with `skipLibCheck: false` so that the
// package's own declarations are checked too.
//   The consumer has one deliberate mistake that every mode must report, and nothing else: if the
// package's types silently became `any` (an unresolved import, a broken exports map), the mistake
// would go unreported and the check would fail.
//   attw runs with its node16 profile (node16 CJS and ESM, bundler; node10, which ignores the
// exports map, is not a target: package.json `engines` asks for Node 20.19+).
//   https://github.com/arethetypeswrong/arethetypeswrong.github.io  https://publint.dev/rules
// Nothing here depends on the wasm, so only the release project runs it.

import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> }
const subpaths = Object.keys(pkg.exports).filter((p) => p !== './package.json')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

// Every subpath, a value of each kind through the fetch adapter, and one marked mistake. A
// CommonJS file gets the `require` condition (its imports become require() calls).
const consumer = `import { Manager, SessionError, init, isSessionError, type Value } from 'simplesessions'
import { MemoryStore } from 'simplesessions/stores/memory'
import { RedisStore } from 'simplesessions/stores/redis'
import { getCookie, setCookie } from 'simplesessions/adapters/fetch'
import * as nodeAdapter from 'simplesessions/adapters/node'

export async function handle(request: Request, redis: ConstructorParameters<typeof RedisStore>[0]): Promise<Response> {
  await init()
  const manager = new Manager({ store: new MemoryStore(), secrets: ['a secret of at least thirty-two bytes'], getCookie, setCookie })
  const headers = new Headers()
  const sess = await manager.acquire(request, headers)
  const visits: number = sess.int((await sess.get('visits')) ?? 0) + 1
  await sess.set('visits', visits)
  const all: Record<string, Value | undefined> = await sess.getAll()
  await sess.commit()
  const redisStore = new RedisStore(redis)
  const e: unknown = new SessionError('CONFIG', 'x')
  const label: string = isSessionError(e, 'CONFIG') ? e.code : typeof nodeAdapter.getCookie
  const wrong: string = visits // error TS2322
  return new Response(JSON.stringify({ all, label, wrong, redisStore: typeof redisStore }), { headers })
}
`

interface Mode {
  name: string
  file: string
  module: ts.ModuleKind
  moduleResolution: ts.ModuleResolutionKind
  /** The declaration files the package must be typed from. */
  declarations: RegExp
}

const modes: Mode[] = [
  { name: 'node16, ES module', file: 'esm-node16.mts', module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, declarations: /\.d\.ts$/ },
  { name: 'node16, CommonJS', file: 'cjs-node16.cts', module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, declarations: /\.d\.cts$/ },
  { name: 'nodenext, ES module', file: 'esm-nodenext.mts', module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, declarations: /\.d\.ts$/ },
  { name: 'nodenext, CommonJS', file: 'cjs-nodenext.cts', module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, declarations: /\.d\.cts$/ },
  { name: 'bundler', file: 'bundler.ts', module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, declarations: /\.d\.ts$/ },
]

describe.skipIf(process.env.SIMPLESESSIONS_WASM === 'debug')('the packed package', () => {
  let dir = ''
  let tarball = ''
  let files: string[] = []
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simplesessions-pack-'))
    const [packed] = JSON.parse(
      execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[]
    if (!packed) throw new Error('npm pack printed nothing')
    tarball = join(dir, packed.filename)
    files = packed.files.map((f) => f.path).sort()
    // A consumer project with the package installed from the tarball, and what its declarations
    // import besides: Node's types and the optional peer ioredis.
    const app = join(dir, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n')
    execFileSync(npm, ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', tarball], { cwd: app, stdio: 'ignore' })
    symlinkSync(join(root, 'node_modules/ioredis'), join(app, 'node_modules/ioredis'), 'dir')
    symlinkSync(join(root, 'node_modules/@types'), join(app, 'node_modules/@types'), 'dir')
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('holds the builds, their declarations, the wasm, README and LICENSE, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/core.wasm', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']))
    for (const build of ['workerd', 'edge-light', 'browser']) expect(files).toContain(`dist/${build}/index.js`)
    const unexpected = files.filter(
      (f) => !['LICENSE', 'README.md', 'package.json'].includes(f) && !/^dist\/(?:(?:workerd|edge-light|browser)\/)?[\w/.-]+\.(?:js|cjs|d\.ts|d\.cts|wasm)$/.test(f),
    )
    expect(unexpected).toEqual([])
    // The debug build, the demo and the wasm's base64 as a literal type are not for users.
    expect(files.filter((f) => /debug|demo/.test(f))).toEqual([])
    const generated = readFileSync(join(dir, 'app/node_modules/simplesessions/dist/wasm/generated/release.d.ts'), 'utf8')
    expect(generated).toMatch(/wasmBase64: string;/)
  })

  it('attw (node16 from CommonJS and from ESM, bundler): every entry point resolves to its own types, no problems', () => {
    const bin = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js')
    let out = ''
    let status = 0
    try {
      out = execFileSync(process.execPath, [bin, tarball, '--profile', 'node16', '--format', 'json'], { encoding: 'utf8' })
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '')
      status = (e as { status?: number }).status ?? 1
    }
    const { analysis } = JSON.parse(out) as {
      analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }>; problems: { kind: string; entrypoint?: string; resolutionKind?: string }[] }
    }
    expect(Object.keys(analysis.entrypoints).filter((e) => e !== './package.json')).toEqual(subpaths)
    for (const e of subpaths) expect(Object.keys(analysis.entrypoints[e]?.resolutions ?? {})).toEqual(expect.arrayContaining(['node16-cjs', 'node16-esm', 'bundler']))
    expect(analysis.problems.filter((p) => p.resolutionKind !== 'node10')).toEqual([])
    expect(status).toBe(0)
  })

  it('publint --strict finds nothing', async () => {
    const tar = readFileSync(tarball)
    const { messages, pkg: linted } = await publint({ pack: { tarball: tar.buffer.slice(tar.byteOffset, tar.byteOffset + tar.byteLength) }, strict: true, level: 'suggestion' })
    expect(messages.map((m) => `${m.type} ${m.code}: ${formatMessage(m, linted) ?? ''}`)).toEqual([])
  })

  describe.each(modes)('a consumer type-checks, $name', (mode) => {
    it("reports the consumer's one marked mistake and nothing else, typed from the right declarations", () => {
      const file = join(dir, 'app', mode.file)
      writeFileSync(file, consumer)
      const program = ts.createProgram([file], {
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        target: ts.ScriptTarget.ES2022,
        module: mode.module,
        moduleResolution: mode.moduleResolution,
        lib: ['lib.es2022.d.ts'],
        types: ['node'],
        noEmit: true,
      })
      const text = (d: ts.Diagnostic): string => {
        const where = d.file ? `${relative(dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ` : ''
        return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
      }
      const all = ts.getPreEmitDiagnostics(program)
      const marked = consumer.split('\n').flatMap((l, i) => [...l.matchAll(/\/\/ error TS(\d+)/g)].map((m) => `app/${mode.file}:${i + 1} TS${m[1]}`))
      expect(marked).toHaveLength(1)
      expect(all.map(text).map((t) => (marked.some((m) => t.startsWith(`${m} `)) ? t.split(' ').slice(0, 2).join(' ') : t))).toEqual(marked)
      const ours = program
        .getSourceFiles()
        .map((sf) => relative(join(dir, 'app/node_modules/simplesessions'), sf.fileName))
        .filter((f) => !f.startsWith('..') && !f.startsWith(sep))
      expect(ours.length).toBeGreaterThan(0)
      expect(ours.filter((f) => !mode.declarations.test(f))).toEqual([])
    })
  })
})
