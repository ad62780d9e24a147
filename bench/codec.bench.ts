// Codec rows: encode+decode of an 8-field session with our codec, JSON and msgpackr.
//
// build/bench.mjs passes the codec module (src/codec.ts) in; the rows are skipped, with a reason,
// when it lacks encodeFields/decodeFields or fails its round-trip self-check.

import { isDeepStrictEqual } from 'node:util'
import { Packr, pack, unpack, isNativeAccelerationEnabled } from 'msgpackr'
import { assert, sink, type Suite } from './harness'

type EncodeFields = (fields: Record<string, unknown>) => Uint8Array
type DecodeFields = (bytes: Uint8Array) => Record<string, unknown>

/** Operations per timed call (see harness.ts). */
const B = 20

export const session = {
  id: 12345,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles: ['admin', 'editor'],
  active: true,
  balance: 1234.56,
  lastSeen: 1732700000000n,
  csrf: 'q3xV7f0Zb2LrT9kWm4NcHs8YdJ1aEuP6', // 32 chars
}

/** The codec suite, or the reason it is skipped. */
export function codecSuite(codec: unknown): Suite | string {
  if (codec === undefined) return 'src/codec.ts does not exist'
  const { encodeFields, decodeFields } = codec as { encodeFields?: unknown; decodeFields?: unknown }
  if (typeof encodeFields !== 'function' || typeof decodeFields !== 'function') {
    return `src/codec.ts lacks ${[typeof encodeFields !== 'function' && 'encodeFields', typeof decodeFields !== 'function' && 'decodeFields'].filter(Boolean).join(' and ')}`
  }
  const encode = encodeFields as EncodeFields
  const decode = decodeFields as DecodeFields

  assert(session.csrf.length === 32, 'csrf is 32 chars')
  // JSON has no bigint: the same session with lastSeen as a number.
  const jsonSession = { ...session, lastSeen: Number(session.lastSeen) }
  const records = new Packr({ structures: [] })

  // Self-checks, outside the timed loops: every side round-trips the session.
  const ourBytes = encode(session)
  assert(ourBytes instanceof Uint8Array, 'encodeFields returns a Uint8Array')
  const ourBack = decode(ourBytes)
  assert(isDeepStrictEqual({ ...ourBack }, session), `our codec round trip: ${String(JSON.stringify(ourBack, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))}`)
  assert(isDeepStrictEqual(JSON.parse(JSON.stringify(jsonSession)), jsonSession), 'JSON round trip')
  const packed = pack(session)
  assert(isDeepStrictEqual(unpack(packed), session), `msgpackr round trip: ${String(unpack(packed))}`)
  assert(isDeepStrictEqual(records.unpack(records.pack(session)), session), 'msgpackr records round trip')

  const note =
    `codec sizes (bytes): ours ${ourBytes.length}, JSON ${JSON.stringify(jsonSession).length}, ` +
    `msgpackr ${packed.length}, msgpackr records ${records.pack(session).length} (after the structure is known); ` +
    `msgpackr native acceleration: ${isNativeAccelerationEnabled ? 'on' : 'off'}`

  return {
    note,
    contenders: [
      {
        name: 'ours encodeFields+decodeFields', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const b = encode(session); sink.n += b.length; sink.last = decode(b) } },
      },
      {
        name: 'JSON.stringify+JSON.parse', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const s = JSON.stringify(jsonSession); sink.n += s.length; sink.last = JSON.parse(s) } },
      },
      {
        name: 'msgpackr pack+unpack', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const b = pack(session); sink.n += b.length; sink.last = unpack(b) } },
      },
      {
        name: 'msgpackr Packr({structures:[]}) records', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const b = records.pack(session); sink.n += b.length; sink.last = records.unpack(b) } },
      },
    ],
    rows: [
      { measure: 'codec encode+decode, 8-field session', ours: 'ours encodeFields+decodeFields', theirs: 'JSON.stringify+JSON.parse', target: 2 },
      { measure: 'codec encode+decode, 8-field session', ours: 'ours encodeFields+decodeFields', theirs: 'msgpackr pack+unpack', target: 2 },
      { measure: 'codec encode+decode, 8-field session', ours: 'ours encodeFields+decodeFields', theirs: 'msgpackr Packr({structures:[]}) records' },
    ],
    context: [],
  }
}
