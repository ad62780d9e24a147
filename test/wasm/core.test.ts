import { describe, expect, it } from 'vitest'
import { core } from '../../src/wasm/index'
import { WasmAbort, abortImport, atobDecode, decodeBase64 } from '../../src/wasm/core'
import { wasmBase64 } from '../../src/wasm/generated/release'
import { patternBytes } from '../helpers/bytes'

describe('wasm loader', () => {
  it('runs the build this project selected (debug: assertions and names; release: neither)', () => {
    const debug = process.env.SIMPLESESSIONS_WASM === 'debug'
    const imports = WebAssembly.Module.imports(core.module).map((i) => `${i.module}.${i.name}`)
    expect(imports).toEqual(debug ? ['env.abort'] : [])
    expect(WebAssembly.Module.customSections(core.module, 'name').length > 0).toBe(debug)
  })

  it('turns a failed assertion of the debug build into a WasmAbort with its message', () => {
    if (process.env.SIMPLESESSIONS_WASM !== 'debug') {
      // Release is built with noAssert: the same misuse is not checked there, by design.
      expect(WebAssembly.Module.imports(core.module)).toEqual([])
      return
    }
    expect(() => core.exports.sha256Update(-1)).toThrow(/^sha256Update: length outside IO at assembly\/index\.ts:\d+:\d+$/)
  })

  it('decodes the message and location of an abort', () => {
    // AssemblyScript strings: UTF-16 code units, byte length in the u32 just before the pointer.
    const memory = new WebAssembly.Memory({ initial: 1 })
    const put = (ptr: number, s: string) => {
      new Uint32Array(memory.buffer, ptr - 4, 1)[0] = s.length * 2
      for (let i = 0; i < s.length; i++) new Uint16Array(memory.buffer, ptr, s.length)[i] = s.charCodeAt(i)
    }
    put(16, 'length out of range')
    put(128, 'assembly/codec/decode.ts')
    const abort = abortImport(() => memory)
    expect(() => abort(16, 128, 12, 7)).toThrow(new WasmAbort('length out of range at assembly/codec/decode.ts:12:7'))
  })

  it('decodes base64 the same way with the native decoder and with atob, for every length and the core itself', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = patternBytes(n, n)
      const b64 = Buffer.from(bytes).toString('base64')
      expect(new Uint8Array(decodeBase64(b64)), `${n} bytes`).toEqual(new Uint8Array(bytes))
      expect(atobDecode(b64), `${n} bytes`).toEqual(new Uint8Array(bytes))
    }
    const core = new Uint8Array(Buffer.from(wasmBase64, 'base64'))
    expect(new Uint8Array(decodeBase64(wasmBase64))).toEqual(core)
    expect(atobDecode(wasmBase64)).toEqual(core)
  })
})
