// An independent, deliberately plain reference of the codec's formats v1 and v2, written from the
// format description in assembly/codec/format.ts (BigInt arithmetic, DataView, the WHATWG UTF-8 coder
// with fatal errors, keys ordered by comparing their UTF-8 bytes) and sharing no code with src/. The codec tests compare the real codec against it:
// same bytes out of encode, same accept/reject and same values out of decode. Also here: the
// typed JSON notation of the golden fixtures, a deep equality that checks types, and a seeded
// PRNG for the fuzz runs.

import fc from 'fast-check'
import type { Value } from '../src/codec'

export class RefError extends Error {}

const TAG = { null: 0, false: 1, true: 2, int: 3, float: 4, bigpos: 5, bigneg: 6, string: 7, bytes: 8, date: 9, array: 10, object: 11 }
const MAX_SAFE = 2 ** 53 - 1
const MAX_TIME = 8.64e15
const U64 = 2n ** 64n
const utf8Encoder = new TextEncoder()

// ---------------------------------------------------------------------------------------------
// Key order of format v2: shorter UTF-8 first, then bytewise.

/** Negative when key bytes `a` come before `b` in format v2, 0 when equal. */
export function compareKeyBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

export function compareKeys(a: string, b: string): number {
  return compareKeyBytes(utf8Encoder.encode(a), utf8Encoder.encode(b))
}

/**
 * `v` with every object rebuilt with its keys added in format v2 order: what decode(encode(v))
 * gives, since JS then lists the array-index keys first, as in any object.
 */
export function canonical(v: Value): Value {
  if (Array.isArray(v)) return v.map(canonical)
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof Date) return v
  const o: Record<string, Value> = Object.getPrototypeOf(v) === null ? Object.create(null) : {}
  for (const k of Object.keys(v).sort(compareKeys)) {
    Object.defineProperty(o, k, { value: canonical(v[k]!), writable: true, enumerable: true, configurable: true })
  }
  return o
}

// ---------------------------------------------------------------------------------------------
// Encode

class Out {
  bytes: number[] = []
  byte(b: number): void {
    this.bytes.push(b)
  }
  varint(v: bigint): void {
    if (v < 0n || v >= U64) throw new RefError(`varint out of range: ${v}`)
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    this.bytes.push(Number(v))
  }
  zigzag(v: bigint): void {
    this.varint(v >= 0n ? v * 2n : -v * 2n - 1n)
  }
  utf8(s: string): void {
    if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new RefError('lone surrogate')
    const b = new TextEncoder().encode(s)
    this.varint(BigInt(b.length))
    for (const x of b) this.bytes.push(x)
  }
}

function isPlainObject(v: object): boolean {
  const p: unknown = Object.getPrototypeOf(v)
  return p === Object.prototype || p === null
}

function encodeInto(out: Out, v: unknown, depth: number, maxDepth: number, version: number): void {
  if (v === null) return out.byte(TAG.null)
  if (v === false) return out.byte(TAG.false)
  if (v === true) return out.byte(TAG.true)
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new RefError('NaN')
    if (Number.isInteger(v) && Math.abs(v) <= MAX_SAFE && !Object.is(v, -0)) {
      out.byte(TAG.int)
      return out.zigzag(BigInt(v))
    }
    out.byte(TAG.float)
    const dv = new DataView(new ArrayBuffer(8))
    dv.setFloat64(0, v, true)
    for (let i = 0; i < 8; i++) out.byte(dv.getUint8(i))
    return
  }
  if (typeof v === 'bigint') {
    if (v >= 0n) {
      out.byte(TAG.bigpos)
      return out.varint(v)
    }
    out.byte(TAG.bigneg)
    return out.varint(-1n - v)
  }
  if (typeof v === 'string') {
    out.byte(TAG.string)
    return out.utf8(v)
  }
  if (v instanceof Uint8Array) {
    out.byte(TAG.bytes)
    out.varint(BigInt(v.length))
    for (const x of v) out.byte(x)
    return
  }
  if (v instanceof Date) {
    const t = v.getTime()
    if (Number.isNaN(t)) throw new RefError('Invalid Date')
    out.byte(TAG.date)
    return out.zigzag(BigInt(t))
  }
  if (Array.isArray(v)) {
    if (depth >= maxDepth) throw new RefError('too deep')
    out.byte(TAG.array)
    out.varint(BigInt(v.length))
    for (const x of v) encodeInto(out, x, depth + 1, maxDepth, version)
    return
  }
  if (typeof v === 'object' && isPlainObject(v)) {
    if (depth >= maxDepth) throw new RefError('too deep')
    const keys = Object.keys(v)
    if (version >= 2) keys.sort(compareKeys)
    out.byte(TAG.object)
    out.varint(BigInt(keys.length))
    for (const k of keys) {
      out.utf8(k)
      encodeInto(out, (v as Record<string, unknown>)[k], depth + 1, maxDepth, version)
    }
    return
  }
  throw new RefError(`unsupported: ${typeof v}`)
}

/** Format v2 (keys in order), or v1 (keys in the order Object.keys gives them). */
export function refEncode(v: unknown, maxDepth = 32, version: 1 | 2 = 2): Uint8Array {
  const out = new Out()
  out.byte(version)
  encodeInto(out, v, 0, maxDepth, version)
  return new Uint8Array(out.bytes)
}

// ---------------------------------------------------------------------------------------------
// Decode

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

class In {
  pos = 0
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new RefError('truncated')
    return this.b[this.pos++]!
  }
  varint(): bigint {
    let v = 0n
    for (let i = 0; ; i++) {
      if (i === 10) throw new RefError('varint longer than 10 bytes')
      const b = this.byte()
      v |= BigInt(b & 0x7f) << BigInt(7 * i)
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new RefError('varint not minimal')
        if (v >= U64) throw new RefError('varint >= 2^64')
        return v
      }
    }
  }
  zigzag(): bigint {
    const z = this.varint()
    return z % 2n === 0n ? z / 2n : -(z + 1n) / 2n
  }
  take(n: bigint): Uint8Array {
    if (n > BigInt(this.b.length - this.pos)) throw new RefError('truncated')
    const out = this.b.slice(this.pos, this.pos + Number(n))
    this.pos += Number(n)
    return out
  }
  utf8(bytes = this.take(this.varint())): string {
    try {
      return fatalUtf8.decode(bytes)
    } catch {
      throw new RefError('invalid UTF-8')
    }
  }
}

function decodeFrom(r: In, depth: number, maxDepth: number, nullProto: boolean, version: number): Value {
  const tag = r.byte()
  switch (tag) {
    case TAG.null:
      return null
    case TAG.false:
      return false
    case TAG.true:
      return true
    case TAG.int: {
      const v = r.zigzag()
      if (v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE)) throw new RefError('int out of range')
      return Number(v)
    }
    case TAG.float: {
      const b = r.take(8n)
      const f = new DataView(b.buffer).getFloat64(0, true)
      if (Number.isNaN(f)) throw new RefError('NaN')
      if (Number.isInteger(f) && Math.abs(f) <= MAX_SAFE && !Object.is(f, -0)) throw new RefError('float holds an int')
      return f
    }
    case TAG.bigpos:
      return r.varint()
    case TAG.bigneg:
      return -1n - r.varint()
    case TAG.string:
      return r.utf8()
    case TAG.bytes:
      return r.take(r.varint())
    case TAG.date: {
      const t = r.zigzag()
      if (t > BigInt(MAX_TIME) || t < -BigInt(MAX_TIME)) throw new RefError('date out of range')
      return new Date(Number(t))
    }
    case TAG.array: {
      if (depth >= maxDepth) throw new RefError('too deep')
      const n = r.varint()
      const a: Value[] = []
      for (let i = 0n; i < n; i++) a.push(decodeFrom(r, depth + 1, maxDepth, false, version))
      return a
    }
    case TAG.object: {
      if (depth >= maxDepth) throw new RefError('too deep')
      const n = r.varint()
      const o: Record<string, Value> = nullProto ? Object.create(null) : {}
      let previous: Uint8Array | undefined
      for (let i = 0n; i < n; i++) {
        const bytes = r.take(r.varint())
        if (version >= 2 && previous !== undefined && compareKeyBytes(previous, bytes) > 0) throw new RefError('keys out of order')
        previous = bytes
        const k = r.utf8(bytes)
        const v = decodeFrom(r, depth + 1, maxDepth, false, version)
        if (Object.hasOwn(o, k)) throw new RefError('duplicate key')
        Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true })
      }
      return o
    }
    default:
      throw new RefError(`unknown tag ${tag}`)
  }
}

export function refDecode(b: Uint8Array, opts: { maxDepth?: number; fields?: boolean } = {}): Value {
  const r = new In(b)
  const version = r.byte()
  if (version !== 1 && version !== 2) throw new RefError('version')
  if (opts.fields && b[1] !== TAG.object) throw new RefError('fields must be an object')
  const v = decodeFrom(r, 0, opts.maxDepth ?? 32, opts.fields === true, version)
  if (r.pos !== b.length) throw new RefError('trailing bytes')
  return v
}

/**
 * The parts of an encoded object (a whole blob whose value is an object): the bytes up to its
 * first entry (version, tag, count), each entry's bytes (key and value, to be reordered) and
 * each entry's key.
 */
export function refEntries(b: Uint8Array): { head: Uint8Array; entries: Uint8Array[]; keys: string[] } {
  const r = new In(b)
  r.byte()
  if (r.byte() !== TAG.object) throw new RefError('not an object')
  const n = Number(r.varint())
  const head = b.slice(0, r.pos)
  const entries: Uint8Array[] = []
  const keys: string[] = []
  for (let i = 0; i < n; i++) {
    const start = r.pos
    keys.push(r.utf8())
    decodeFrom(r, 1, 256, false, 1)
    entries.push(b.slice(start, r.pos))
  }
  if (r.pos !== b.length) throw new RefError('trailing bytes')
  return { head, entries, keys }
}

// ---------------------------------------------------------------------------------------------
// The typed JSON notation of the fixtures: null, true, false, ["int", n], ["float", "1.5"],
// ["bigint", "-12"], ["str", "…"], ["bytes", "hex"], ["date", ms], ["array", [...]],
// ["object", [[key, value], ...]].

export type Typed = null | boolean | [string, unknown]

export function fromTyped(t: Typed): Value {
  if (t === null || typeof t === 'boolean') return t
  const [kind, x] = t
  switch (kind) {
    case 'int':
      return x as number
    case 'float':
      return Number(x as string)
    case 'bigint':
      return BigInt(x as string)
    case 'str':
      return x as string
    case 'bytes':
      return new Uint8Array(Buffer.from(x as string, 'hex'))
    case 'date':
      return new Date(x as number)
    case 'array':
      return (x as Typed[]).map(fromTyped)
    case 'object': {
      const o: Record<string, Value> = {}
      for (const [k, v] of x as [string, Typed][]) {
        Object.defineProperty(o, k, { value: fromTyped(v), writable: true, enumerable: true, configurable: true })
      }
      return o
    }
    default:
      throw new Error(`unknown typed kind ${kind}`)
  }
}

export function toTyped(v: Value): Typed {
  if (v === null || typeof v === 'boolean') return v
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= MAX_SAFE && !Object.is(v, -0) ? ['int', v] : ['float', Object.is(v, -0) ? '-0' : String(v)]
  if (typeof v === 'bigint') return ['bigint', String(v)]
  if (typeof v === 'string') return ['str', v]
  if (v instanceof Uint8Array) return ['bytes', Buffer.from(v).toString('hex')]
  if (v instanceof Date) return ['date', v.getTime()]
  if (Array.isArray(v)) return ['array', v.map(toTyped)]
  return ['object', Object.keys(v).map((k) => [k, toTyped(v[k]!)])]
}

// ---------------------------------------------------------------------------------------------
// Equality that keeps types apart

/**
 * The first difference between `a` and `b` (types, key order, and object prototypes unless
 * `protos` is false), or undefined.
 */
export function difference(a: unknown, b: unknown, path = '$', protos = true): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`
  if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'string' || typeof a === 'boolean' || a === null || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`
  }
  if (typeof a !== 'object' || typeof b !== 'object') return `${path}: not a value (${typeof a})`
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return `${path}: Uint8Array vs other`
    if (a.length !== b.length) return `${path}: ${a.length} bytes vs ${b.length}`
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]: byte ${a[i]} vs ${b[i]}`
    return undefined
  }
  if (a instanceof Date || b instanceof Date) {
    if (!(a instanceof Date) || !(b instanceof Date)) return `${path}: Date vs other`
    return Object.is(a.getTime(), b.getTime()) ? undefined : `${path}: ${a.getTime()} vs ${b.getTime()}`
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: array vs other`
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`, protos)
      if (d) return d
    }
    return undefined
  }
  if (protos && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, protos)
    if (d) return d
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------

/** A small seeded PRNG (xorshift128+ reduced to 32 bits): fuzz runs repeat exactly for a seed. */
export class Rng {
  private a: number
  private b: number
  constructor(seed: number) {
    this.a = seed >>> 0 || 1
    this.b = (seed * 0x9e3779b1) >>> 0 || 2
  }
  next(): number {
    let x = this.a
    const y = this.b
    this.a = y
    x ^= x << 23
    x ^= x >>> 17
    x ^= y ^ (y >>> 26)
    this.b = x >>> 0
    return (this.b + y) >>> 0
  }
  int(n: number): number {
    return this.next() % n
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary values (fast-check), shared by the property and fuzz suites


/** Keys that have bitten JS decoders, next to random ones (and long ones the key cache skips). */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', '0', '1', '-1', 'id', 'name', 'é', '😀'),
  fc.string({ unit: 'grapheme-ascii', minLength: 30, maxLength: 80 }),
)

export const stringArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 140 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '日', '😀', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff'), maxLength: 100 }),
)

export const numberArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, 1.5, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, -(2 ** 53 - 1), Infinity, -Infinity, 5e-324, Number.MAX_VALUE),
)

export const bigintArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.constantFrom(0n, -1n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n - 1n, -(2n ** 64n)),
)

export const dateArb: fc.Arbitrary<Date> = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(new Date(8.64e15), new Date(-8.64e15), new Date(0), new Date(-1)),
)

export const scalarArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  numberArb,
  bigintArb,
  stringArb,
  fc.uint8Array({ maxLength: 100 }),
  dateArb,
)

/** Any value the codec supports: scalars, and arrays and plain objects of them. */
export const valueArb: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalarArb,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(keyArb, tie('value'), { maxKeys: 6, noNullPrototype: true }),
  ),
})).value

/** A session: a plain object of fields. */
export const fieldsArb: fc.Arbitrary<Record<string, Value>> = fc.dictionary(keyArb, valueArb, { maxKeys: 10, noNullPrototype: true })
