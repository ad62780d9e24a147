// The ABI constants have one definition, assembly/abi.ts; JS's copy is generated from it at build
// time (src/wasm/generated/abi.ts, by build/abi.mjs). These tests fail when the two disagree: a
// generated file edited by hand or left stale, a reader that misreads the source, or a module
// compiled from other values (the debug build exports every constant as a global to check).

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as generated from '../../src/wasm/generated/abi'
import * as abi from '../../src/wasm/abi'
import { wasmBase64 as debugB64 } from '../../src/wasm/generated/debug'
import { decodeBase64 } from '../../src/wasm/core'
import { core } from '../../src/wasm/index'

interface Constant {
  name: string
  value: number
  doc: string
}
const root = new URL('../../', import.meta.url)
const { readAbi, abiModule } = (await import(new URL('build/abi.mjs', root).href)) as {
  readAbi(source: string): Constant[]
  abiModule(constants: Constant[]): string
}
const source = readFileSync(new URL('assembly/abi.ts', root), 'utf8')
const constants = readAbi(source)

describe('ABI constants: one definition (assembly/abi.ts), a generated copy for JS', () => {
  it('the generated module is exactly what the reader makes of assembly/abi.ts now', () => {
    expect(readFileSync(new URL('src/wasm/generated/abi.ts', root), 'utf8')).toBe(abiModule(constants))
    expect(Object.fromEntries(constants.map((c) => [c.name, c.value]))).toEqual({ ...generated })
    expect(constants.length).toBeGreaterThan(40)
  })

  it('src/wasm/abi.ts passes every generated constant on, and defines none of its own', () => {
    const numbers = Object.fromEntries(Object.entries(abi).filter(([, v]) => typeof v === 'number'))
    expect(numbers).toEqual({ ...generated })
  })

  it('the module was compiled with the same values: every constant is a global of the debug build', () => {
    const module = new WebAssembly.Module(decodeBase64(debugB64) as BufferSource)
    const instance = new WebAssembly.Instance(module, { env: { abort: () => {} } })
    const globals = WebAssembly.Module.exports(module).filter((x) => x.kind === 'global').map((x) => x.name)
    expect(globals.sort()).toEqual(constants.map((c) => c.name).sort())
    const js = generated as Record<string, number>
    for (const { name } of constants) expect((instance.exports[name] as WebAssembly.Global).value, name).toBe(js[name])
  })

  it('the release build carries no such globals (bytes every user would load for a test)', () => {
    if (process.env.SIMPLESESSIONS_WASM === 'debug') return
    expect(WebAssembly.Module.exports(core.module).filter((x) => x.kind === 'global')).toEqual([])
  })

  it('the reader evaluates expressions of names above, keeps one-line docs, and refuses what it cannot read', () => {
    const ok = readAbi('// x\n/** A doc. */\nexport const A: i32 = 32;\nexport const B: i32 = 255 * A;\nexport const C: i32 = -(1 << 4) | 0x3;\n')
    expect(ok).toEqual([
      { name: 'A', value: 32, doc: 'A doc.' },
      { name: 'B', value: 8160, doc: '' },
      { name: 'C', value: -13, doc: '' },
    ])
    for (const bad of [
      'const A: i32 = 1;',
      'export const A: i64 = 1;',
      'export const A: i32 = 1',
      'export const A: i32 = B;',
      'export const A: i32 = 1;\nexport const A: i32 = 2;',
      "export const A: i32 = load<i32>(0);",
      'export const A: i32 = 0x100000000;',
      '/**\n * two lines\n */',
    ]) {
      expect(() => readAbi(bad), bad).toThrow(/^assembly\/abi\.ts:\d+: /)
    }
  })
})
