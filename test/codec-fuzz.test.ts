// Fuzzing the decoder with untrusted bytes: well over 10^5 random, truncated and mutated inputs.
// Every input must end in a value or a SessionError (CODEC, or TOO_LARGE over maxBytes) — never
// another exception, never a hang — and agree with the reference decoder (codec-reference.ts):
// accepted by both with equal values (which re-encode to the very same bytes when the input is
// format v2; a v1 input re-encodes to v2), or refused by both.
// WASM memory must not grow while it runs.

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeFields, decodeValue, encodeFields, encodeValue, type Value } from '../src/codec'
import { SessionError } from '../src/errors'
import { core } from '../src/wasm/index'
import { Rng, canonical, difference, fieldsArb, refDecode, refEncode, valueArb } from './codec-reference'

const SEED = Number(process.env.CODEC_FUZZ_SEED ?? 0x5e55)
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * Valid encodings to cut and mutate: random values and sessions (in format v2, and some in v1 with
 * their keys as JS lists them), and a few hand-picked ones.
 */
function corpus(): Uint8Array[] {
  const values = fc.sample(valueArb, { numRuns: 400, seed: SEED })
  const sessions = fc.sample(fieldsArb, { numRuns: 100, seed: SEED + 1 })
  const out = [...values.map((v) => encodeValue(v)), ...sessions.map((f) => encodeFields(f))]
  out.push(...values.slice(0, 100).map((v) => refEncode(v, 32, 1)), ...sessions.slice(0, 25).map((f) => refEncode(f, 32, 1)))
  out.push(
    encodeFields({ id: 12345, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'editor'], active: true, balance: 1234.56, lastSeen: 1732700000000n, csrf: 'abcdefghijklmnopqrstuvwxyz012345' }),
    encodeValue({ deep: [[[[[[[[[[1]]]]]]]]]], ['k'.repeat(40)]: 'long key', s: 'é'.repeat(70), b: new Uint8Array(80) }),
    encodeValue(Array.from({ length: 300 }, (_, i) => ({ [`k${i % 40}`]: i }))),
  )
  return out.map((b) => b.slice())
}

/** One input: random bytes, a truncated encoding, a mutated one, or random tokens of the format. */
function input(rng: Rng, corpus: Uint8Array[]): Uint8Array {
  const pick = (): Uint8Array => corpus[rng.int(corpus.length)]!
  switch (rng.int(5)) {
    case 0: {
      const b = new Uint8Array(rng.int(48))
      for (let i = 0; i < b.length; i++) b[i] = rng.chance(0.5) ? rng.int(16) : rng.int(256)
      if (b.length > 0 && rng.chance(0.9)) b[0] = 1 + rng.int(2)
      return b
    }
    case 1: {
      const b = pick()
      return b.slice(0, rng.int(b.length + 1))
    }
    case 2:
    case 3: {
      const bytes = Array.from(pick())
      for (let k = 1 + rng.int(4); k > 0; k--) {
        const at = rng.int(bytes.length + 1)
        switch (rng.int(6)) {
          case 0:
            bytes[at] = rng.int(256)
            break
          case 1:
            bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(8))
            break
          case 2:
            bytes.splice(at, 0, rng.int(256))
            break
          case 3:
            bytes.splice(at, 1 + rng.int(3))
            break
          case 4:
            bytes[at] = rng.chance(0.5) ? 0x80 | rng.int(128) : rng.int(12) // varint continuation, or a tag
            break
          default: {
            const from = rng.int(bytes.length + 1)
            bytes.splice(at, 0, ...bytes.slice(from, from + 1 + rng.int(8)))
          }
        }
      }
      return new Uint8Array(bytes.map((x) => x & 255))
    }
    default: {
      // Tokens of the format: tags followed by small varints and bytes, nested at random.
      const bytes = [1 + rng.int(2)]
      for (let k = rng.int(24); k > 0; k--) {
        bytes.push(rng.int(13))
        if (rng.chance(0.7)) bytes.push(rng.int(6))
        if (rng.chance(0.3)) bytes.push(0x61 + rng.int(3))
      }
      return new Uint8Array(bytes)
    }
  }
}

type Outcome = { ok: true; value: Value } | { ok: false; error: unknown }

function run(f: () => Value): Outcome {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error }
  }
}

describe('codec fuzz', () => {
  it('decodes 120 000 random, truncated and mutated inputs: typed errors only, same verdict as the reference', () => {
    const memory = core.exports.memory
    const seeds = corpus()
    // Warm up to the largest size this run uses, so any later growth is a leak.
    for (const b of seeds) decodeValue(b)
    const pagesBefore = memory.buffer.byteLength

    const rng = new Rng(SEED)
    const total = 120_000
    let accepted = 0
    let slowest = 0
    for (let i = 0; i < total; i++) {
      const bytes = input(rng, seeds)
      const fields = i % 3 === 0
      const limits = i % 7 === 0 ? { maxDepth: 1 + rng.int(6), maxBytes: 16 + rng.int(64) } : undefined
      const started = performance.now()
      const ours = run(() => (fields ? decodeFields(bytes, limits) : decodeValue(bytes, limits)))
      slowest = Math.max(slowest, performance.now() - started)
      const tooLarge = limits !== undefined && bytes.length > limits.maxBytes
      const ref: Outcome = tooLarge
        ? { ok: false, error: 'over maxBytes' }
        : run(() => refDecode(bytes, { fields, maxDepth: limits?.maxDepth ?? 32 }))
      if (!ours.ok) {
        const err = ours.error
        if (!(err instanceof SessionError)) throw new Error(`input ${hex(bytes)}: ${String(err)}`, { cause: err })
        expect(err.code, hex(bytes)).toBe(tooLarge ? 'TOO_LARGE' : 'CODEC')
        if (ref.ok) expect.fail(`input ${hex(bytes)}: refused (${err.message}) but the reference accepts it`)
        continue
      }
      accepted++
      if (!ref.ok) expect.fail(`input ${hex(bytes)}: accepted but the reference refuses it (${String(ref.error)})`)
      const d = difference(ours.value, ref.value)
      if (d !== undefined) expect.fail(`input ${hex(bytes)}: ${d}`)
      // Canonical: whatever v2 input is accepted re-encodes to exactly the input; v1 to its v2 form.
      const again = fields ? encodeFields(ours.value as Record<string, Value>) : encodeValue(ours.value)
      expect(hex(again), 'canonical').toBe(bytes[0] === 2 ? hex(bytes) : hex(refEncode(ours.value)))
    }
    // Enough of the inputs are valid for the comparison of values to mean something.
    expect(accepted).toBeGreaterThan(total / 50)
    expect(slowest).toBeLessThan(1000) // no input comes anywhere near a hang
    expect(memory.buffer.byteLength).toBe(pagesBefore)
  })

  it('mutations found by fast-check: still typed errors, and the codec stays right afterwards', () => {
    const probe = canonical({ alpha: 1, beta: 'two', gamma: [3n, null], delta: { epsilon: true } })
    const probeBytes = encodeValue(probe)
    fc.assert(
      fc.property(valueArb, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat(), (v, edits, cut) => {
        const bytes = encodeValue(v).slice()
        for (const [at, b] of edits) bytes[at % bytes.length] = b
        const input = bytes.subarray(0, bytes.length - (cut % 3))
        const ours = run(() => decodeValue(input))
        if (!ours.ok) {
          expect(ours.error).toBeInstanceOf(SessionError)
          expect((ours.error as SessionError).code).toBe('CODEC')
          expect(() => refDecode(input)).toThrow()
        } else {
          expect(difference(ours.value, refDecode(input))).toBeUndefined()
        }
        // Whatever happened, the key cache and the buffers are still right.
        expect(difference(decodeValue(probeBytes), probe)).toBeUndefined()
      }),
      { numRuns: 2000, seed: SEED },
    )
  })

  it('large inputs and outputs grow WASM memory once, then never again', () => {
    const memory = core.exports.memory
    // Keys out of order: encode sorts them, in scratch space past the output.
    const big = { s: 'x'.repeat(400_000), b: new Uint8Array(300_000), list: Array.from({ length: 20_000 }, (_, i) => i * 0.5) }
    const bytes = encodeFields(big)
    decodeFields(bytes)
    const after = memory.buffer.byteLength
    for (let i = 0; i < 20; i++) {
      const again = encodeFields(big)
      expect(again.length).toBe(bytes.length)
      expect(difference({ ...decodeFields(again) }, canonical(big))).toBeUndefined()
      // Truncated large inputs too: refused without growing anything.
      expect(() => decodeFields(bytes.subarray(0, bytes.length - 1 - i * 1000))).toThrow(SessionError)
    }
    expect(memory.buffer.byteLength).toBe(after)
  })
})
