// Codec rows: encode+decode round trips of a whole session (encodeFields + decodeFields), each
// side in the same process, each checked before any timing.
//
// 1. The 8-field session below (one bigint among JSON values) against JSON (lastSeen as a
//    number) and msgpackr, plain and with records.
// 2. The same session with a Date and bytes added (10 fields: a bigint, a Date, a Uint8Array)
//    against the libraries people use to keep such types: superjson, devalue,
//    v8.serialize/deserialize; JSON keeps none of them and is there for reference, on
//    the values converted outside the timed loop to what JSON carries (the bigint as a number,
//    the Date as its ISO string, the bytes as base64). Before timing, each library's round trip
//    must give back every field as itself: a bigint as a bigint, the Date as a Date of the same
//    millisecond, the bytes as a Uint8Array of the same bytes (v8 gives a Buffer, which is one),
//    and the rest deep-equal. All three keep all three types at the versions in
//    package-lock.json (superjson and devalue as tagged JSON: the bytes as an array of numbers
//    and as base64); a version that stops keeping one fails the check and the rows are skipped.
//    Targets: issue 12 quotes an earlier measurement on this session, ours 3.7x superjson and
//    devalue, 2.6x v8.serialize, 1.4x cbor-x and 1.1x JSON, and asks to keep those leads; the
//    thresholds sit a little under them, for a run's noise: >= 3x superjson and devalue, >= 2x
//    v8, >= 1x JSON. cbor-x is not compared: its optional native part (cbor-extract) names
//    per-platform packages that the registry this project installs from does not serve, which
//    leaves package-lock.json out of step with package.json for `npm ci`; its one measured run
//    here had it level with ours (0.97-0.99x).
//
// build/bench.mjs passes the codec module (src/codec.ts) in; the rows are skipped, with a reason,
// when it lacks encodeFields/decodeFields or fails its round-trip self-check.

import { isDeepStrictEqual } from 'node:util'
import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8'
import { Packr, pack, unpack, isNativeAccelerationEnabled } from 'msgpackr'
import SuperJSON from 'superjson'
import { parse as devalueParse, stringify as devalueStringify } from 'devalue'
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

/** The 8-field session plus a Date (with milliseconds, which a seconds-based encoding would lose) and 32 bytes. */
export const typedSession = {
  ...session,
  createdAt: new Date(1732600000123),
  deviceKey: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff),
}

/** The typed session in the types JSON has: what an app that uses JSON would store instead. */
const asJson = {
  ...typedSession,
  lastSeen: Number(typedSession.lastSeen),
  createdAt: typedSession.createdAt.toISOString(),
  deviceKey: Buffer.from(typedSession.deviceKey).toString('base64'),
}

const show = (v: unknown): string => String(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)))

/**
 * The fields of `back` that do not come back as themselves from `sent`: bigint as bigint, Date as
 * a Date of the same time, bytes as a Uint8Array (a subclass such as Buffer is one) of the same
 * bytes, anything else deep-equal; and any field missing or added.
 */
export function typesLost(sent: Record<string, unknown>, back: unknown): string[] {
  if (typeof back !== 'object' || back === null) return ['(not an object)']
  const got = back as Record<string, unknown>
  const lost: string[] = []
  for (const [k, v] of Object.entries(sent)) {
    const b = got[k]
    const same =
      typeof v === 'bigint' ? typeof b === 'bigint' && b === v
      : v instanceof Date ? b instanceof Date && b.getTime() === v.getTime()
      : v instanceof Uint8Array ? b instanceof Uint8Array && Buffer.compare(b, v) === 0
      : isDeepStrictEqual(b, v)
    if (!same) lost.push(`${k} (${show(v)} came back as ${b instanceof Uint8Array ? b.constructor.name : typeof b} ${show(b)})`)
  }
  for (const k of Object.keys(got)) if (!(k in sent)) lost.push(`${k} (added)`)
  return lost
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
  assert(isDeepStrictEqual({ ...ourBack }, session), `our codec round trip: ${show(ourBack)}`)
  assert(isDeepStrictEqual(JSON.parse(JSON.stringify(jsonSession)), jsonSession), 'JSON round trip')
  const packed = pack(session)
  assert(isDeepStrictEqual(unpack(packed), session), `msgpackr round trip: ${String(unpack(packed))}`)
  assert(isDeepStrictEqual(records.unpack(records.pack(session)), session), 'msgpackr records round trip')

  // The typed session: every library keeps every field as itself, or the rows are not measured.
  const typed: Record<string, unknown> = typedSession
  const typedSizes: Record<string, number> = {}
  const check = (name: string, size: number, back: unknown): void => {
    const lost = typesLost(typed, back)
    assert(lost.length === 0, `${name} round trip of the 10-field session lost: ${lost.join('; ')}`)
    typedSizes[name] = size
  }
  const ourTyped = encode(typed)
  check('ours', ourTyped.length, decode(ourTyped))
  const sj = SuperJSON.stringify(typed)
  check('superjson', sj.length, SuperJSON.parse(sj))
  const dv = devalueStringify(typed)
  check('devalue', dv.length, devalueParse(dv))
  const v8b = v8Serialize(typed)
  check('v8.serialize', v8b.length, v8Deserialize(v8b))
  const js = JSON.stringify(asJson)
  assert(isDeepStrictEqual(JSON.parse(js), asJson), 'JSON round trip of the 10-field session in JSON types')
  // The reference row is honest only if JSON really loses what the others keep.
  const jsonLost = typesLost(typed, JSON.parse(JSON.stringify({ ...typed, lastSeen: Number(typedSession.lastSeen) })))
  assert(jsonLost.length === 3, `JSON loses lastSeen, createdAt and deviceKey: ${jsonLost.join('; ')}`)

  const note =
    `codec sizes (bytes): ours ${ourBytes.length}, JSON ${JSON.stringify(jsonSession).length}, ` +
    `msgpackr ${packed.length}, msgpackr records ${records.pack(session).length} (after the structure is known); ` +
    `msgpackr native acceleration: ${isNativeAccelerationEnabled ? 'on' : 'off'}\n` +
    `10-field session (bigint, Date, bytes) sizes (bytes; superjson, devalue and JSON are strings, in UTF-16 code units): ` +
    `${Object.entries(typedSizes).map(([k, n]) => `${k} ${n}`).join(', ')}, JSON in JSON types ${js.length}`

  const TYPED = 'codec round trip, 10 fields with a bigint, a Date and bytes'
  const TYPED_JSON = 'codec round trip, 10 fields; JSON, for reference, keeps none of bigint, Date, bytes'
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
      {
        name: 'ours encodeFields+decodeFields, 10 fields', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const b = encode(typed); sink.n += b.length; sink.last = decode(b) } },
      },
      {
        name: 'superjson stringify+parse', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const s = SuperJSON.stringify(typed); sink.n += s.length; sink.last = SuperJSON.parse(s) } },
      },
      {
        name: 'devalue stringify+parse', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const s = devalueStringify(typed); sink.n += s.length; sink.last = devalueParse(s) } },
      },
      {
        name: 'v8.serialize+v8.deserialize', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const b = v8Serialize(typed); sink.n += b.length; sink.last = v8Deserialize(b) } },
      },
      {
        name: 'JSON.stringify+JSON.parse, 10 fields in JSON types', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const s = JSON.stringify(asJson); sink.n += s.length; sink.last = JSON.parse(s) } },
      },
    ],
    rows: [
      { measure: 'codec encode+decode, 8-field session', ours: 'ours encodeFields+decodeFields', theirs: 'JSON.stringify+JSON.parse', target: 2 },
      { measure: 'codec encode+decode, 8-field session', ours: 'ours encodeFields+decodeFields', theirs: 'msgpackr pack+unpack', target: 2 },
      { measure: 'codec encode+decode, 8-field session', ours: 'ours encodeFields+decodeFields', theirs: 'msgpackr Packr({structures:[]}) records' },
      { measure: TYPED, ours: 'ours encodeFields+decodeFields, 10 fields', theirs: 'superjson stringify+parse', target: 3 },
      { measure: TYPED, ours: 'ours encodeFields+decodeFields, 10 fields', theirs: 'devalue stringify+parse', target: 3 },
      { measure: TYPED, ours: 'ours encodeFields+decodeFields, 10 fields', theirs: 'v8.serialize+v8.deserialize', target: 2 },
      { measure: TYPED_JSON, ours: 'ours encodeFields+decodeFields, 10 fields', theirs: 'JSON.stringify+JSON.parse, 10 fields in JSON types', target: 1 },
    ],
    context: [],
  }
}
