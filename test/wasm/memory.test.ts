// src/wasm/memory.ts owns the views of the core's memory: every one over the current buffer,
// re-created together once memory grows (which detaches the old buffer), and what uses them
// (hashing, signing, the codec) still right afterwards.

import { describe, expect, it } from 'vitest'
import { core } from '../../src/wasm/index'
import * as views from '../../src/wasm/memory'
import { decodeValue, encodeValue } from '../../src/codec'

const all = () => [views.u8, views.u16, views.i32, views.f64, views.i64, views.u64]
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('memory views', () => {
  it('are views of the core memory, and io8 is its IO buffer', () => {
    views.bytes() // the views are brought up to date by their users, before each use
    const buffer = core.exports.memory.buffer
    for (const v of all()) expect(v.buffer === buffer).toBe(true)
    expect(views.u8.byteLength).toBe(buffer.byteLength)
    expect(views.ioBytes().byteOffset).toBe(core.io)
    expect(views.ioBytes().byteLength).toBe(core.ioSize)
    expect(core.mem()).toBe(views.bytes())
  })

  it('are re-created, all of them, when memory grows', () => {
    const encoded = encodeValue({ s: 'x'.repeat(100), n: [1, 2, 3] })
    const before = views.bytes()
    core.exports.memory.grow(1)
    expect(before.byteLength).toBe(0) // detached by the grow
    const after = views.bytes()
    expect(after === before).toBe(false)
    expect(after.byteLength).toBe(core.exports.memory.buffer.byteLength)
    for (const v of all()) expect(v.buffer === core.exports.memory.buffer).toBe(true)
    expect(views.ioBytes().byteLength).toBe(core.ioSize)
    // Still works end to end after the grow.
    expect(hex(core.sha256(new TextEncoder().encode('abc')).subarray(0, 4))).toBe('ba7816bf')
    expect(hex(encodeValue({ s: 'x'.repeat(100), n: [1, 2, 3] }))).toBe(hex(encoded))
    expect(decodeValue(encoded)).toEqual({ n: [1, 2, 3], s: 'x'.repeat(100) })
  })
})
