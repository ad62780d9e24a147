// The API reference (`npm run docs`, typedoc.config.mjs) builds without a warning, and its
// examples type-check:
//   - TypeDoc converts and validates the package as the docs build does (its configuration file,
//     its plugin): no unresolved {@link}, no type named by the API that no entry point exports, no
//     export or member without a doc comment, no export without an @example. A fixture with one
//     mistake of each kind must raise exactly those warnings, so the check cannot pass because a
//     rule or the plugin silently stopped applying.
//   - Every @example is a module of its own, type-checked strictly against the sources, with the
//     package's import specifiers mapped to its entry points (the same types as the published
//     declarations, which test/package-types.test.ts checks; no build needed). A canary example
//     with a marked mistake must fail with exactly that error, so the check cannot pass because
//     the package's types silently became `any`.
// Nothing here depends on the wasm, so only the release project runs it.

import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Application, Logger, LogLevel, ReflectionKind, TSConfigReader, TypeDocReader, type ProjectReflection, type TypeDocOptions } from 'typedoc'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const rootUrl = new URL('..', import.meta.url)
const root = fileURLToPath(rootUrl)
const { default: config } = (await import(new URL('typedoc.config.mjs', rootUrl).href)) as { default: Partial<TypeDocOptions> }
const { entryPoints } = (await import(new URL('build/typedoc-plugin.mjs', rootUrl).href)) as {
  /** Source file of each public entry point -> its import specifier. */
  entryPoints(): Map<string, string>
}
const fixture = join(root, 'test/fixtures/docs')

/** A logger that keeps what TypeDoc says. */
class Kept extends Logger {
  messages: string[] = []
  override log(message: string, level: LogLevel): void {
    super.log(message, level)
    if (level >= LogLevel.Warn) this.messages.push(message)
  }
}

/**
 * Converts and validates as `npm run docs` does: with its configuration file, or with its options
 * and `overrides` (a tsconfig other than the file's is read only when the file is not).
 */
async function convert(overrides?: Partial<TypeDocOptions>): Promise<{ project: ProjectReflection | undefined; messages: string[] }> {
  // Never TypeDoc's default readers, which would also read vitest's argv.
  const app = overrides
    ? await Application.bootstrapWithPlugins({ ...config, plugin: [join(root, 'build/typedoc-plugin.mjs')], logLevel: 'Warn', ...overrides }, [new TSConfigReader()])
    : await Application.bootstrapWithPlugins({ options: join(root, 'typedoc.config.mjs'), logLevel: 'Warn' }, [new TypeDocReader(), new TSConfigReader()])
  const logger = new Kept()
  app.logger = logger
  const project = await app.convert()
  if (project) app.validate(project)
  return { project, messages: logger.messages }
}

interface Example {
  /** Where it is: `module.export` or the reflection's full name. */
  where: string
  code: string
}

/** The code of every @example in the project: its fenced block, or all of it when it has none. */
function examplesOf(project: ProjectReflection): Example[] {
  const out: Example[] = []
  // Signatures are reflections of their own: a function's comment is on its signature.
  for (const refl of Object.values(project.reflections)) {
    for (const tag of refl.comment?.getTags('@example') ?? []) {
      const text = tag.content.map((p) => p.text).join('')
      const fenced = /```[^\n]*\n([\s\S]*?)```/.exec(text)
      out.push({ where: refl.getFullName(), code: fenced ? (fenced[1] ?? '') : text })
    }
  }
  return out
}

/**
 * The type errors of the examples, each a module in test/ that exists in memory only, so that
 * their other imports (node:http, express, ioredis, next/headers) resolve as the tests' do.
 */
function typeErrors(examples: Example[]): string[] {
  const paths: Record<string, string[]> = {}
  for (const [file, specifier] of entryPoints()) paths[specifier] = [file]
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
    paths,
  }
  const files = new Map(examples.map((e, i) => [join(root, 'test', `.example-${i}.ts`), `${e.code}\nexport {}\n`]))
  const host = ts.createCompilerHost(options)
  const { fileExists, readFile, getSourceFile } = host
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f)
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f)
  host.getSourceFile = (f, lang, ...rest) => {
    const text = files.get(f)
    return text === undefined ? getSourceFile.call(host, f, lang, ...rest) : ts.createSourceFile(f, text, lang)
  }
  const program = ts.createProgram([...files.keys()], options, host)
  const names = [...files.keys()]
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const i = d.file ? names.indexOf(d.file.fileName) : -1
    const where = i >= 0 ? `@example of ${examples[i]?.where}` : (d.file?.fileName ?? 'options')
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0
    return `${where}, line ${line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

describe.skipIf(process.env.SIMPLESESSIONS_WASM === 'debug')('API reference', () => {
  let project: ProjectReflection | undefined

  it('builds from every public entry point without a warning', async () => {
    const result = await convert()
    project = result.project
    expect(result.messages).toEqual([])
    const modules = project?.children?.map((m) => m.name).sort()
    expect(modules).toEqual([...entryPoints().values()].sort())
  })

  it('has examples that type-check against the API', () => {
    expect(project, 'the conversion above failed').toBeDefined()
    const examples = examplesOf(project!)
    const exported = project!.getChildrenByKind(ReflectionKind.Module).flatMap((m) => m.children ?? [])
    expect(examples.length).toBeGreaterThanOrEqual(exported.filter((c) => !c.kindOf(ReflectionKind.Reference)).length)
    expect(examples.filter((e) => e.code.trim() === '')).toEqual([])
    // An example that augments the package's types (AdapterTypes) is checked alone: in one
    // program with the others, its augmentation would change their types.
    const augmenting = examples.filter((e) => /^\s*declare module\b/m.test(e.code))
    const canary = { where: 'canary', code: `import { Manager } from 'simplesessions'\nnew Manager({})\n` }
    const errors = [typeErrors([...examples.filter((e) => !augmenting.includes(e)), canary]), ...augmenting.map((e) => typeErrors([e]))].flat()
    const [canaryErrors, others] = [errors.filter((e) => e.startsWith('@example of canary,')), errors.filter((e) => !e.startsWith('@example of canary,'))]
    expect(others).toEqual([])
    expect(canaryErrors).toHaveLength(1)
    expect(canaryErrors[0]).toMatch(/^@example of canary, line 2: TS2345 .*'secrets' is missing/s)
  })

  it('fails on an export without an @example, a doc comment, an exported type or a valid link', async () => {
    const { messages } = await convert({
      entryPoints: [join(fixture, 'index.ts')],
      tsconfig: join(fixture, 'tsconfig.json'),
      intentionallyNotExported: [],
    })
    const plain = messages.map((m) => m.replace(/, defined in [^,]*/, ''))
    expect(plain.sort()).toEqual(
      [
        'Failed to resolve link to "nowhere" in comment for broken',
        'Hidden, is referenced by leaks but not included in the documentation',
        'noExample has no @example',
        'undocumented (Variable), does not have any documentation',
        'undocumented has no @example',
      ].sort(),
    )
  })
})
