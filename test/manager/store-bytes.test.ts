// What a store receives from a Session: each value's bytes in a Uint8Array of its own. A custom
// store may keep `value.buffer` (or hand it to a worker, or transfer it), so no value may share
// its ArrayBuffer with another value, with the codec's memory, or with anything else. The built-in
// stores' side (they copy what they are given) is in test/stores/conformance.ts, "ownership of
// bytes", which both run.

import { afterEach, describe, expect, it } from 'vitest'
import type { CommitBatch, SessionMeta } from '../../src/stores/types'
import { SpyStore, closeManagers, fakeManager, fakeReq, fakeRes } from './harness'

afterEach(async () => {
  await closeManagers()
})

/** A store that keeps every Uint8Array it is handed by create and commit. */
class KeepingStore extends SpyStore {
  readonly received: { name: string; bytes: Uint8Array }[] = []

  override create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    for (const [name, bytes] of fields ?? []) this.received.push({ name, bytes })
    return super.create(id, meta, fields)
  }
  override commit(id: string, batch: CommitBatch): Promise<boolean> {
    for (const [name, bytes] of batch.set ?? []) this.received.push({ name, bytes })
    return super.commit(id, batch)
  }
}

describe('values handed to a store', () => {
  // Around the codec's copy-out thresholds (64 and 4096 bytes) and past them: values of these
  // many bytes, and values whose encoding is exactly this long.
  const SIZES = [1, 64, 65, 200, 4096, 4097]

  /** Bytes whose encoding (version, tag, length varint, the bytes) is exactly `size` bytes long. */
  function encodedAs(size: number, fill: number): Uint8Array {
    return new Uint8Array(size - (size - 3 <= 127 ? 3 : 4)).fill(fill)
  }

  it('each owns its whole ArrayBuffer, and writing to that buffer changes no other value', async () => {
    const store = new KeepingStore()
    const m = fakeManager({ store })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    for (const [i, size] of SIZES.entries()) await s.set(`raw${size}`, new Uint8Array(size).fill(i + 1))
    await s.set('n', 7)
    await s.commit()
    // A second request commits to the existing session (commit, not create).
    const s2 = await m.acquire(fakeReq({ session: res.set.at(-1)!.value }), fakeRes())
    for (const [i, size] of SIZES.entries()) if (size > 3) await s2.set(`enc${size}`, encodedAs(size, 0x40 + i))
    await s2.commit()

    const got = store.received
    const names = [...SIZES.map((n) => `raw${n}`), ...SIZES.filter((n) => n > 3).map((n) => `enc${n}`), 'n']
    expect(got.map((r) => r.name).sort()).toEqual(names.sort())
    for (const { name, bytes } of got) {
      if (name.startsWith('enc')) expect(bytes.length, name).toBe(Number(name.slice(3)))
      expect(bytes.constructor, name).toBe(Uint8Array)
      expect(bytes.byteOffset, name).toBe(0)
      expect(bytes.buffer.byteLength, name).toBe(bytes.length)
    }
    expect(new Set(got.map((r) => r.bytes.buffer)).size).toBe(got.length)

    // A store that keeps value.buffer may write to all of it: no other value may change.
    const before = got.map((r) => Buffer.from(r.bytes).toString('hex'))
    for (const [i, { bytes }] of got.entries()) {
      const whole = new Uint8Array(bytes.buffer)
      whole.fill(0xee)
      for (const [k, other] of got.entries()) {
        if (k !== i) expect(Buffer.from(other.bytes).toString('hex'), `${got[k]!.name} after writing to ${got[i]!.name}`).toBe(before[k])
      }
      whole.set(Buffer.from(before[i]!, 'hex'))
    }
  })
})
