// The MemoryStore's keys (src/stores/memory/keys.ts): a base64url ID decoded to bytes, any other
// ID kept whole and tagged; no two IDs may share a key, and the counted bytes follow the key.

import { describe, expect, it } from 'vitest'
import { SESSION_OVERHEAD } from '../../../src/stores/memory/index'
import { keyBytes, keyOf } from '../../../src/stores/memory/keys'
import { toHex } from '../../helpers/bytes'
import { clocked, hex, keyLen, one, useStores } from './fixture'

useStores()

describe('keyOf', () => {
  it('decodes a base64url ID, 4 characters to 3 bytes, and tags each tail length apart', () => {
    const codes = (s: string) => [...s].map((c) => c.charCodeAt(0))
    expect(codes(keyOf('AAEC'))).toEqual([0, 1, 2])
    expect(codes(keyOf('_-_-'))).toEqual([0xff, 0xef, 0xfe])
    expect(codes(keyOf('AAECB'))).toEqual([0, 1, 2, 1]) // one character: its 6 bits
    expect(codes(keyOf('AAECBC'))).toEqual([0, 1, 2, 1, 2])
    expect(codes(keyOf('AAECBCD'))).toEqual([0, 1, 2, 1, 2, 3, 0xff]) // three: and a 0xFF
    expect(codes(keyOf('AAAAAAAA'))).toEqual([0, 0, 0, 0, 0, 0]) // 'A' is 0: all-zero groups decode too
    expect(codes(keyOf('AAAAA'))).toEqual([0, 0, 0, 0])
    for (let n = 1; n <= 40; n++) expect(keyOf('x'.repeat(n)).length, `${n} characters`).toBe(keyLen('x'.repeat(n)))
  })

  it('decodes 32-character IDs (the Manager\'s) to their 24 bytes, and keeps any with another character whole', () => {
    const codes = (s: string) => [...s].map((c) => c.charCodeAt(0))
    for (let i = 0; i < 200; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(24))
      const id = Buffer.from(bytes).toString('base64url')
      expect(codes(keyOf(id)), id).toEqual([...bytes])
    }
    expect(codes(keyOf('_'.repeat(32)))).toEqual(new Array(24).fill(0xff))
    expect(codes(keyOf('A'.repeat(32)))).toEqual(new Array(24).fill(0)) // 'A' is 0: all-zero groups decode too
    for (const at of [0, 1, 2, 3, 17, 28, 29, 30, 31]) {
      const id = 'A'.repeat(at) + '.' + 'A'.repeat(31 - at)
      expect(keyOf(id), `at ${at}`).toBe(id + '\u0100')
    }
  })

  it('keeps any other ID whole, followed by \u0100, and counts it at two bytes a character', () => {
    for (const id of ['a:b', 'AAAA=', 'é', '\u0100', 'AAA\u0000', '\u0080', 'AAA\u0080', 'AAAAA\u0080']) {
      expect(keyOf(id)).toBe(id + '\u0100')
      expect(keyBytes(keyOf(id))).toBe(2 * (id.length + 1))
    }
    expect(keyBytes(keyOf('AAECBCD'))).toBe(7)
  })

  it('gives the same key for the same ID, asked again or after another', () => {
    const a = keyOf('Zm9vYmFy')
    expect(keyOf('Zm9vYmFy')).toBe(a)
    keyOf('YmF6')
    expect(keyOf('Zm9vYmFy')).toBe(a)
  })
})

describe('MemoryStore keys', () => {
  it('counts an ID that is not base64url whole, at two bytes a character plus one', async () => {
    const { store, meta } = clocked()
    const m = meta()
    await store.create('s:not/base64url.id', m)
    expect(store.bytes).toBe(SESSION_OVERHEAD + 2 * ('s:not/base64url.id'.length + 1) + 12)
    await store.destroy('s:not/base64url.id')
    expect(store.bytes).toBe(0)
  })


  it('keeps IDs of every length and alphabet apart, including those whose decoded bytes look alike', async () => {
    const { store, meta } = clocked()
    const ids = new Set<string>()
    // Every base64url tail (4k + 0..3 characters), all-zero sextets included: 'A' is 0 and '_' is 63.
    for (let n = 1; n <= 13; n++) for (const c of ['A', '_', '-', 'z']) ids.add(c.repeat(n))
    for (const id of ['AAAAAAA', 'AAAAAAAA', 'AAAAAAAAA', 'AAA_', 'AAA__', 'AAAA' + '\u00ff', 'AAAA\u0100', 'AAAA\u0100\u0100']) ids.add(id)
    // Not base64url: kept whole (with '\u0100' appended), which must not meet a decoded key either.
    for (const id of ['a:b', 'a.b', 'a b', 'é', '\u0100', '\u0100\u0100', '名前', '🙂', '=', 'AAAA=', 'AAA\u0000', '\u0000', ' ', 'a'.repeat(2000)]) ids.add(id)
    const list = [...ids]
    for (const [i, id] of list.entries()) expect(await store.create(id, meta(), one('i', Uint8Array.of(i & 255, i >> 8)))).toBe(true)
    expect(store.size).toBe(list.length)
    for (const [i, id] of list.entries()) expect(hex((await store.load(id))!.fields.get('i')), JSON.stringify(id)).toBe(toHex(Uint8Array.of(i & 255, i >> 8)))
    for (const id of list) await store.destroy(id)
    expect([store.size, store.bytes]).toEqual([0, 0])
  })

})
