// What the MemoryStore suites share: stores closed after each test, a manual clock, and the byte
// accounting as src/stores/memory/index.ts states it (SESSION_OVERHEAD + the key's bytes + the
// packed value's length), written out again from the format so that a change to it shows here.

import { afterEach, expect, vi } from 'vitest'
import { SessionError } from '../../../src/errors'
import { MemoryStore, SESSION_OVERHEAD, type MemoryStoreOptions } from '../../../src/stores/memory/index'
import type { SessionMeta } from '../../../src/stores/types'
import { toHex } from '../../helpers/bytes'
import { manualClock, type TestClock } from '../conformance'

export const HOUR = 3_600_000
export const MiB = 1024 * 1024

/** Every store a test makes is closed after it (useStores). */
const open: MemoryStore[] = []
export function make(options: MemoryStoreOptions = {}): MemoryStore {
  const s = new MemoryStore({ sweepInterval: 0, ...options })
  open.push(s)
  return s
}

/** Closes every store made after each test (and puts real timers back). */
export function useStores(): void {
  afterEach(() => {
    for (const s of open.splice(0)) s.close()
    vi.useRealTimers()
  })
}

/** A store on a manual clock, and a meta an hour long on it. */
export function clocked(options: MemoryStoreOptions = {}): { store: MemoryStore; clock: TestClock; meta: (ttl?: number) => SessionMeta } {
  const clock = manualClock()
  const store = make({ now: clock.now, ...options })
  return { store, clock, meta: (ttl = HOUR) => ({ createdAt: clock.now(), expiresAt: clock.now() + ttl }) }
}

export const one = (name: string, value: Uint8Array) => new Map([[name, value]])

/** Bytes of an unsigned varint. */
export const uvarintLen = (x: number): number => (x < 128 ? 1 : 1 + uvarintLen(Math.floor(x / 128)))
/** Bytes of a packed time: 6 bits (and the sign) in the first byte, 7 in each next. */
export const timeLen = (t: number): number => (t === Infinity || Math.abs(t) < 64 ? 1 : 1 + uvarintLen(Math.floor(Math.abs(t) / 64)))
/** Key bytes of a base64url ID: 3 per 4 characters, then 0, 1, 2 or 4 for the tail. */
export const keyLen = (id: string): number => 3 * Math.floor(id.length / 4) + [0, 1, 2, 4][id.length % 4]!
/** Packed bytes of a field of an interned name (one of a store's first 64) and an n-byte value. */
export const fieldLen = (n: number): number => 1 + uvarintLen(n) + n
/** Counted bytes of a session of base64url `id`, times `meta`, and interned-name fields of these value lengths. */
export const sessionBytes = (id: string, meta: SessionMeta, ...values: number[]): number =>
  SESSION_OVERHEAD + keyLen(id) + timeLen(meta.expiresAt) + timeLen(meta.createdAt) + values.reduce((sum, n) => sum + fieldLen(n), 0)
/** The value length that makes a field of an interned name take `bytes` packed bytes. */
export const valueFor = (bytes: number): number => {
  for (let n = bytes - 2; n >= 0; n--) if (fieldLen(n) === bytes) return n
  throw new Error(`no value makes a field of ${bytes} bytes`)
}
export const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : toHex(b))

export function expectConfig(options: unknown, message: RegExp): void {
  let caught: unknown
  try {
    new MemoryStore(options as MemoryStoreOptions).close()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(SessionError)
  expect((caught as SessionError).code).toBe('CONFIG')
  expect((caught as SessionError).message).toMatch(message)
}
