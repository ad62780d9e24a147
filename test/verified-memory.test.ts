// src/verified.ts keeps copies, never views: a cookie value is a slice of the request's Cookie
// header, and a V8 slice of 13 or more characters keeps the whole header alive. Measured as the
// heap a full cache holds after a collection, with each value cut from a header of its own.

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { VerifiedCookies } from '../src/verified'

/** The engine's garbage collector, so that heapUsed counts only what is reachable. */
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const ENTRIES = 2000
const HEADER = 64 * 1024

/** A signed-looking value ("1.<32-char id>.<43-char mac>") cut from a padded header of its own. */
function valueInHeader(i: number): { value: string; id: string } {
  const id = `id${String(i).padStart(30, '0')}`
  const mac = `m${String(i).padStart(42, '0')}`
  const header = `pad=${'x'.repeat(HEADER)}; sid=1.${id}.${mac}; tail=${i}`
  const start = header.indexOf('sid=') + 4
  const value = header.slice(start, start + 2 + id.length + 1 + mac.length)
  return { value, id: value.slice(2, 2 + id.length) }
}

describe('VerifiedCookies memory', () => {
  it(`${ENTRIES} entries made from ${HEADER / 1024} KiB headers keep none of the headers alive`, () => {
    gc()
    const before = process.memoryUsage().heapUsed
    const cache = new VerifiedCookies(ENTRIES)
    const probes: string[] = []
    for (let i = 0; i < ENTRIES; i++) {
      const { value, id } = valueInHeader(i)
      cache.add(value, { id, key: 0 })
      if (i % 500 === 0) probes.push(`${value}`)
    }
    gc()
    const held = process.memoryUsage().heapUsed - before
    // Views would keep ~128 MiB; the entries themselves are a few hundred KiB.
    expect(held).toBeLessThan(16 * 1024 * 1024)
    // And the entries still answer, with the ID they were made for.
    for (const value of probes) expect(cache.get(value)?.id).toBe(value.slice(2, 34))
    expect(cache.size).toBe(ENTRIES)
  })

  it('a hit answers the entry it made, not a new object each time', () => {
    const cache = new VerifiedCookies(10)
    const { value, id } = valueInHeader(1)
    cache.add(value, { id, key: 1 })
    const a = cache.get(value)
    expect(a).toEqual({ id, key: 1 })
    expect(cache.get(value)).toBe(a)
  })
})
