// Every ```ts block of README.md and of the migration guides (docs/migrating-from-*.md)
// type-checks as written, strictly, against the built package resolved by its name, the way a
// user's project sees it: a temporary project whose node_modules/simplesessions links to this
// repository (package.json exports -> dist/*.d.ts, made by `npm test` before vitest). A block is
// a module of its own; one program checks them all.
//   Resolution is `node16`, the usual setting of a Node TypeScript project and the strictest about
// a package's declarations (test/package-types.test.ts checks the others); the blocks are ES
// modules (the temporary project is `"type": "module"`). ioredis is imported as `{ Redis }`,
// which is constructable under every resolution.
//   A canary block with marked mistakes in its use of the package must fail with exactly those
// errors: the check then cannot pass because the package's types silently became `any` (an
// unresolved import, a broken exports map). The package's own declarations are checked in the
// same program, for the same reason.
//   Nothing here depends on the wasm, so only the release project runs it.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
/** The documents whose ts blocks are checked, by path from the repository root. */
const DOCUMENTS = ['README.md', 'docs/migrating-from-express-session.md', 'docs/migrating-from-iron-session.md']

interface Block {
  /** The document's line of the block's first code line (1-based). */
  line: number
  code: string
}

/** A block and the document it is in. */
interface DocBlock extends Block {
  file: string
}

/** The ```ts (or ```typescript) blocks of a Markdown text. */
function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  for (const m of markdown.matchAll(/^```(?:ts|typescript)(?:[ \t][^\n]*)?\n([\s\S]*?)^```[ \t]*$/gm)) {
    blocks.push({ line: markdown.slice(0, m.index).split('\n').length + 1, code: m[1] ?? '' })
  }
  return blocks
}

// Each line marked `// error TSnnnn` must get that error, and no line anything else.
const canary = `import { Manager } from 'simplesessions'
import { MemoryStore } from 'simplesessions/stores/memory'
import { getCookie, setCookie } from 'simplesessions/adapters/node'

const manager = new Manager({ store: new MemoryStore(), secrets: [process.env.SESSION_SECRET!], getCookie, setCookie })
const sess = await manager.acquire() // error TS2554
sess.int(await sess.get('visits')) satisfies string // error TS1360
getCookie('session', new Request('http://localhost/')) // error TS2345
`

interface Found {
  /** Document line (or canary line), 1-based. */
  line: number
  code: number
  message: string
}

describe.skipIf(process.env.SIMPLESESSIONS_WASM === 'debug')('README', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simplesessions-readme-'))
    mkdirSync(join(dir, 'node_modules'))
    writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n')
    symlinkSync(root, join(dir, 'node_modules/simplesessions'), 'dir')
    // What the blocks import besides the package: the optional peers, Node's types (@types
    // also holds Express's), and iron-session (the iron-session guide opens its old cookies).
    mkdirSync(join(dir, 'node_modules/@hono'))
    for (const name of ['ioredis', '@types', 'express', 'fastify', 'hono', '@hono/node-server', 'iron-session']) {
      symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Type-checks the blocks in one program: the errors of each block, and of the package's declarations. */
  function check(blocks: readonly Block[]): { perBlock: Found[][]; declarationFiles: number; declarations: string[] } {
    const files = blocks.map((_, i) => join(dir, `block-${i}.ts`))
    blocks.forEach((b, i) => writeFileSync(files[i] ?? '', b.code))
    const program = ts.createProgram(files, {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      moduleDetection: ts.ModuleDetectionKind.Force,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      noEmit: true,
    })
    const text = (d: ts.Diagnostic): string => ts.flattenDiagnosticMessageText(d.messageText, '\n')
    const perBlock = files.map((f, i) => {
      const sf = program.getSourceFile(f)
      if (!sf) throw new Error(`block ${i} was not part of the program`)
      return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => ({
        line: (blocks[i]?.line ?? 0) + sf.getLineAndCharacterOfPosition(d.start ?? 0).line,
        code: d.code,
        message: text(d),
      }))
    })
    const dist = relative(root, join(root, 'dist')) + sep
    const ours = program.getSourceFiles().filter((sf) => relative(root, sf.fileName).startsWith(dist))
    const declarations = ours.flatMap((sf) => program.getSemanticDiagnostics(sf).map((d) => `${relative(root, sf.fileName)}: ${text(d)}`))
    return {
      perBlock,
      declarationFiles: ours.length,
      declarations: [...program.getGlobalDiagnostics().map(text), ...program.getOptionsDiagnostics().map(text), ...declarations],
    }
  }

  it('every ts block type-checks against the built package, and the canary fails where it is marked', () => {
    const blocks: DocBlock[] = DOCUMENTS.flatMap((file) => {
      const found = tsBlocks(readFileSync(join(root, file), 'utf8'))
      expect(found.length, `${file} has ts blocks`).toBeGreaterThan(0)
      return found.map((b) => ({ ...b, file }))
    })
    const { perBlock, declarationFiles, declarations } = check([...blocks, { line: 1, code: canary }])
    const canaryFound = perBlock.pop() ?? []
    expect(declarationFiles, "the package's declarations were read from dist").toBeGreaterThan(0)
    expect(declarations, "the package's declarations").toEqual([])
    expect(perBlock.flatMap((found, i) => found.map((f) => `${blocks[i]?.file}:${f.line} TS${f.code} ${f.message}`))).toEqual([])
    const marked = canary
      .split('\n')
      .flatMap((l, i) => [...l.matchAll(/\/\/ error TS(\d+)/g)].map((m) => ({ line: i + 1, code: Number(m[1]) })))
    expect(marked.length).toBeGreaterThan(0)
    expect(canaryFound.map(({ line, code }) => ({ line, code }))).toEqual(marked)
  })

  it('finds ts and typescript blocks, with the README line of their first code line', () => {
    const md = 'text\n```ts\nconst a = 1\n```\n\n```sh\nnpm test\n```\n```typescript title\nconst b = 2\nconst c = 3\n```\n'
    expect(tsBlocks(md)).toEqual([
      { line: 3, code: 'const a = 1\n' },
      { line: 10, code: 'const b = 2\nconst c = 3\n' },
    ])
  })
})
