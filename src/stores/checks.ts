// The argument checks every store makes at its boundary (the contract in ./types.ts, "Results"):
// a caller that breaks the contract gets a TypeError, a bad option a SessionError 'CONFIG'. One
// place for them, so the stores cannot drift apart in what they accept or in how they say no.
// A check of a store's own (Redis: field names must be UTF-8 encodable) stays in its module.

import { configError } from '../errors.js'
import type { CommitBatch, SessionMeta } from './types.js'

/** The longest delay setTimeout and setInterval take (2^31 - 1 ms); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647

export function isBytes(v: unknown): v is Uint8Array {
  // The second test admits a Uint8Array from another realm (vm, iframe), never an Int8Array.
  return v instanceof Uint8Array || (ArrayBuffer.isView(v) && (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Uint8Array')
}

export function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`session id must be a non-empty string, got ${typeof id}`)
}

export function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`field name must be a string, got ${typeof name}`)
}

export function checkValue(name: string, value: unknown): asserts value is Uint8Array {
  if (!isBytes(value)) throw new TypeError(`store value of field ${JSON.stringify(name)} must be a Uint8Array, got ${typeof value}`)
}

/** An integer time in ms since the epoch; `infinite`: Infinity too (an expiry). */
export function checkTime(what: string, ms: unknown, infinite: boolean): asserts ms is number {
  if (!(Number.isSafeInteger(ms) || (infinite && ms === Infinity))) {
    throw new TypeError(`${what} must be integer milliseconds since the epoch${infinite ? ' or Infinity' : ''}, got ${String(ms)}`)
  }
}

/** The metadata beyond the two times (./types.ts, "Owners"); `nullable`: a batch may remove the owner with null. */
export function checkMeta(owner: unknown, handle: unknown, persist: unknown, nullable: boolean): void {
  if (owner !== undefined && !(typeof owner === 'string' && owner !== '') && !(nullable && owner === null)) throw new TypeError(`owner must be a non-empty string${nullable ? ' or null' : ''}, got ${typeof owner}`)
  if (handle !== undefined && !(typeof handle === 'string' && handle !== '')) throw new TypeError(`handle must be a non-empty string, got ${typeof handle}`)
  if (persist !== undefined && typeof persist !== 'boolean') throw new TypeError(`persist must be a boolean, got ${typeof persist}`)
}

/** The metadata of a create: both times, the extras, and a handle for every owned session. */
export function checkCreateMeta(meta: SessionMeta): void {
  checkTime('createdAt', meta?.createdAt, false)
  checkTime('expiresAt', meta.expiresAt, true)
  checkMeta(meta.owner, meta.handle, meta.persist, false)
  if (meta.owner !== undefined && meta.handle === undefined) throw new TypeError('a session with an owner needs a handle')
}

/** A commit or regenerate batch's expiry and metadata; its names and values are each store's to check as it reads them. */
export function checkBatchMeta(batch: CommitBatch): void {
  checkTime('expiresAt', batch?.expiresAt, true)
  checkMeta(batch.owner, batch.handle, batch.persist, true)
}

/** The options argument of a store's constructor. */
export function checkOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw configError('options', options, 'an object')
}

/** A timer option in integer ms, up to MAX_TIMER_MS; 0 turns the timer off (`zero` says what that means). */
export function timerOption(option: string, value: unknown, fallback: number, zero: string): number {
  const ms = value ?? fallback
  if (!Number.isSafeInteger(ms) || (ms as number) < 0 || (ms as number) > MAX_TIMER_MS) {
    throw configError(option, ms, `integer milliseconds from 1 to ${MAX_TIMER_MS}, or 0 ${zero}`)
  }
  return ms as number
}
