// Sealed-cookie rows: the 8-field session of codec.bench.ts, object → cookie string → object,
// through the cookie store (each field through the codec, as the Session stores it, then sealed:
// XChaCha20-Poly1305 and base64url; then opened and every field decoded), against iron-session's
// sealData + unsealData of the same data (the bigint as a number, which iron-session's JSON
// needs; it seals with Web Crypto's AES-256-CBC and HMAC-SHA256, asynchronously). Same process,
// same secret.

import { isDeepStrictEqual } from 'node:util'
import { sealData, unsealData } from 'iron-session'
import { decodeValue, encodeValue, type Value } from '../src/codec'
import { CookieStore } from '../src/stores/cookie'
import type { OpenedRecord } from '../src/stores/types'
import { session } from './codec.bench'
import { assert, sink, type Suite } from './harness'

/** Operations per timed call (see harness.ts). */
const B = 20

export async function sealedSuite(secret: string): Promise<Suite> {
  const sealer = new CookieStore().keys([secret])
  const id = 'q3xV7f0Zb2LrT9kWm4NcHs8YdJ1aEuP6'
  const meta = { createdAt: Date.now(), expiresAt: Date.now() + 86_400_000 }
  const data = session as unknown as Record<string, Value>

  const seal = (): string => {
    const fields = new Map<string, Uint8Array>()
    for (const k in data) fields.set(k, encodeValue(data[k]!))
    return sealer.seal({ id, meta, fields })
  }
  const open = (value: string): Record<string, Value> => {
    const r = sealer.open(value) as OpenedRecord
    const out = Object.create(null) as Record<string, Value>
    for (const [k, b] of r.fields) out[k] = decodeValue(b)
    return out
  }
  const ironData = { ...session, lastSeen: Number(session.lastSeen) }
  const ironOptions = { password: secret, ttl: 86_400 }

  // Self-checks, outside the timed loops: both sides round-trip the session.
  const ours = seal()
  assert(isDeepStrictEqual({ ...open(ours) }, session), 'our sealed round trip')
  const theirs = await sealData(ironData, ironOptions)
  assert(isDeepStrictEqual(await unsealData(theirs, ironOptions), ironData), 'iron-session round trip')

  return {
    contenders: [
      { name: 'ours seal+open, 8-field session', batch: B, fn: () => { for (let i = 0; i < B; i++) { const v = seal(); sink.n += v.length; sink.last = open(v) } } },
      { name: 'ours seal, 8-field session', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += seal().length } },
      { name: 'ours open, 8-field session', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.last = open(ours) } },
      {
        name: 'iron-session sealData+unsealData',
        batch: B,
        fn: async () => {
          for (let i = 0; i < B; i++) {
            const v = await sealData(ironData, ironOptions)
            sink.n += v.length
            sink.last = await unsealData(v, ironOptions)
          }
        },
      },
      { name: 'iron-session sealData', batch: B, fn: async () => { for (let i = 0; i < B; i++) sink.n += (await sealData(ironData, ironOptions)).length } },
      { name: 'iron-session unsealData', batch: B, fn: async () => { for (let i = 0; i < B; i++) sink.last = await unsealData(theirs, ironOptions) } },
    ],
    rows: [
      { measure: 'sealed cookie: object → cookie → object, 8 fields', ours: 'ours seal+open, 8-field session', theirs: 'iron-session sealData+unsealData', target: 50 },
      { measure: 'sealed cookie: object → cookie', ours: 'ours seal, 8-field session', theirs: 'iron-session sealData' },
      { measure: 'sealed cookie: cookie → object', ours: 'ours open, 8-field session', theirs: 'iron-session unsealData' },
    ],
    context: [],
    note: `sealed cookie sizes (characters): ours ${ours.length}, iron-session ${theirs.length}`,
  }
}
