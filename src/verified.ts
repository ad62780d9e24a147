// Signed cookie values verified recently, so that a request carrying the same value as an earlier
// one costs a map lookup instead of an HMAC-SHA256 (two SHA-256 compressions in the core).
//
// The rule: an entry is made only for a value the Signer verified, and a value hits only when it
// is, character for character, the value that was verified (same ID, same MAC). Why that is safe
// (docs/decisions/verified-cookie-cache.md has the longer argument):
// - Lookup is by the session ID, a 192-bit secret; the MAC of the request is then compared with
//   the cached one in constant time (no early exit), so response timing cannot tell an attacker
//   how much of a guessed MAC was right. A value that fails is never cached.
// - The cache belongs to one Manager, whose secrets do not change: rotating or removing a secret
//   means a new Manager, with an empty cache, so a value of a removed secret verifies nowhere.
// - An entry remembers which secret verified it, so a cookie of an older secret is still re-signed.
// - The Session drops its ID's entry when it regenerates, is destroyed or is found gone; bounded
//   (FIFO, `verifiedCookies` entries, default 10 000; 0 turns the cache off).
// - An entry keeps copies of its ID and MAC, never the value's own characters: a cookie value is
//   cut from the request's Cookie header (up to Node's 16 KB), and in V8 a slice of 13 or more
//   characters is a view that keeps the whole string alive. With views, 10 000 entries made by
//   requests padded to 16 KB would hold ~160 MB (a test measures it).

import type { Verified } from './signing.js'

/** Length of the base64url HMAC-SHA256 at the end of a signed value, and its "." before it. */
const MAC = 43

interface Entry {
  /** The verified MAC characters. */
  mac: string
  /** What get answers: the ID (a copy) and the verifying key; one object for every hit. */
  verified: Verified
}

/**
 * A copy of `s` that keeps no other string alive: the concatenation is flattened into a string
 * of its own when sliced, and the slice is a view of that one only.
 */
const own = (s: string): string => (' ' + s).slice(1)

export class VerifiedCookies {
  readonly #max: number
  readonly #entries = new Map<string, Entry>()

  constructor(max: number) {
    this.#max = max
  }

  /** The verified ID and key of `value` if it was verified before, else undefined. */
  get(value: string): Verified | undefined {
    const n = value.length
    // "1.<id>.<mac>": anything else is not something this cache could hold.
    if (n < MAC + 4 || value.charCodeAt(n - MAC - 1) !== 46) return undefined
    const id = value.slice(2, n - MAC - 1)
    const e = this.#entries.get(id)
    if (e === undefined || value.charCodeAt(0) !== 49 || value.charCodeAt(1) !== 46) return undefined
    // Constant time in the MAC: every character is compared, whatever the first difference.
    const mac = e.mac
    let diff = 0
    for (let i = 0, at = n - MAC; i < MAC; i++, at++) diff |= mac.charCodeAt(i) ^ value.charCodeAt(at)
    return diff === 0 ? e.verified : undefined
  }

  /** Remembers a value the Signer verified as `v`. */
  add(value: string, v: Verified): void {
    if (this.#max === 0 || value.length !== v.id.length + MAC + 3) return
    const entries = this.#entries
    if (!entries.has(v.id) && entries.size >= this.#max) entries.delete(entries.keys().next().value as string)
    const id = own(v.id)
    entries.set(id, { mac: own(value.slice(value.length - MAC)), verified: { id, key: v.key } })
  }

  /** Drops the entry of `id` (regenerated, destroyed, or found gone). */
  forget(id: string): void {
    this.#entries.delete(id)
  }

  /** Drops every entry (the Manager closed: nothing verifies any more). */
  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}
