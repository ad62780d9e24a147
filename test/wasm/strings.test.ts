// src/wasm/generated/strings.ts (written by build/strings.mjs): the string of n UTF-16 code units
// of WASM memory, one spelled-out fromCharCode call per length up to 32, pieces beyond.

import { describe, expect, it } from 'vitest'
import { core } from '../../src/wasm/index'
import { units } from '../../src/wasm/generated/strings'
import { u16 } from '../../src/wasm/memory'

describe('units', () => {
  it('is String.fromCharCode of the units, for every length from 0 to 200 and any units', () => {
    const at = (core.exports as unknown as { codecUnits(): number }).codecUnits() >> 1
    const codes = Array.from({ length: 200 }, (_, i) => [0x41 + (i % 26), 0xe9, 0x20ac, 0xd83d, 0xde00, 0][i % 6]!)
    u16.set(codes, at)
    for (let n = 0; n <= 200; n++) expect(units(at, n), `n = ${n}`).toBe(String.fromCharCode(...codes.slice(0, n)))
    expect(units(at + 3, 40)).toBe(String.fromCharCode(...codes.slice(3, 43)))
  })
})
