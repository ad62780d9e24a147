// The sealed cookie store: the whole session in the cookie, encrypted and authenticated with
// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), keys derived with HKDF-SHA256 (RFC 5869) from
// the Manager's secrets. Nothing is kept on the server, so it runs where nothing survives between
// requests (Cloudflare Workers, Vercel Edge, a browser's service worker), and every call is
// synchronous: no Web Crypto promise per request. It is the second kind of store of
// src/stores/types.ts ("a sealed store"); what it cannot promise is written down there and in the
// README.
//
// @example
//   const manager = new Manager({ store: new CookieStore(), secrets: [process.env.SESSION_SECRET] })
//
// ## Keys
//
// For each secret (newest first): PRK = HKDF-Extract(salt "simplesessions sealed cookie", secret),
// then two HKDF-Expand outputs with distinct labels: the 32-byte AEAD key ("v1 encryption key")
// and a 4-byte key id ("v1 key id"). The Signer keys its HMAC with the secret itself; this store
// never uses the secret as a key, only keys derived under its own labels, so encryption and
// signing never share a key (RFC 5869 §3.2 on `info` as the separation of contexts). The newest
// key seals; open picks the keys whose id the value names (so it tries the right one first and
// usually only it); a value opened by an older one is re-sealed with the newest by the Session on
// the next response. The key id is derived, not the secret's position, so adding a secret in front
// does not turn old values into wrong-key failures.
//
// ## Format (version 1)
//
//   base64url(version 0x01 | key id (4) | nonce (24) | ciphertext | tag (16))
//
// base64url without padding, decoded canonically (the unused low bits of the last character
// must be zero), as everywhere in this library, so one sealed value has one spelling. The
// version and key id are the AEAD's associated data: they cannot be changed without the tag
// failing. The nonce is 24 random bytes from crypto.getRandomValues for every seal (192 bits: no
// repeat under one key to worry about, draft §2.1), so sealing the same record twice gives two
// unrelated values. The plaintext is the codec's encoding (src/codec.ts) of
//
//   [[metaVersion 2, createdAt, expiresAt, id, persist, ...], { field name: the field's codec bytes }]
//
// The metadata section is versioned and grows at its end: a later version appends entries and
// raises its number; this version reads the entries it knows from any version >= 1 and ignores
// the rest (they are then lost when it re-seals), so a rolling deploy does not log anyone out.
// Version 2 appended `persist` (session.rememberMe): true, false, or null when never set; a
// version 1 value has none. No owner is sealed: a sealed store has no owner index.
//
// ## Limits and failures
//
// A cookie's name + value may be 4096 bytes (RFC 6265bis §5.6; src/cookie.ts): a value longer
// than that, or shorter than the smallest sealed value, is refused before it is decoded or copied
// into WASM memory. A record whose sealed cookie would pass the limit is SessionError
// 'TOO_LARGE' at commit, with the size (the Session checks, it knows the cookie's name): nothing
// is dropped in silence, and nothing is split over several cookies (chunking would multiply the
// bytes every request carries; a session that big belongs in a server-side store).
// Sealed overhead: 45 bytes of frame plus the codec's framing, as base64url (4/3): an empty
// session is ~100 characters; about 3000 bytes of field values fit.
// Tampered, truncated, wrong-version and wrong-key values open to 'malformed' or 'signature'
// (never an exception); the Manager then starts a fresh session and tells onInvalidCookie why.
// Expiry is the Session's to judge, from the sealed createdAt and expiresAt, so a captured cookie
// stops opening a session on time however long the client keeps it (CVE-2024-31999, in
// @fastify/secure-session: a sealed cookie kept working after its session was deleted, since
// nothing in it expired: https://nvd.nist.gov/vuln/detail/CVE-2024-31999).

import { SessionError } from '../errors.js'
import { decodeValue, encodeValue, type Value } from '../codec.js'
import { MAX_COOKIE_BYTES } from '../cookie.js'
import { AEAD_TAG_SIZE, XCHACHA_NONCE_SIZE } from '../wasm/abi.js'
import { xchachaOpen, xchachaSealRandom } from '../wasm/aead.js'
import { hkdfExpand, hkdfExtract } from '../wasm/hkdf.js'
import type { OpenedRecord, SealedRecord, SealedStore, Sealer, SessionMeta } from './types.js'

/**
 * The format's version byte: the first byte of every sealed cookie value, so a later format can
 * still read the cookies of this one.
 *
 * @example
 * import { SEALED_VERSION, fromBase64url } from 'simplesessions/stores/cookie'
 *
 * declare const cookieValue: string
 * const sealedByThisFormat = fromBase64url(cookieValue)?.[0] === SEALED_VERSION
 */
export const SEALED_VERSION = 1
/**
 * The metadata section's version (see the module comment)…
 *
 * @example
 * import { META_VERSION } from 'simplesessions/stores/cookie'
 *
 * console.log(`sealed cookies carry metadata version ${META_VERSION}`)
 */
export const META_VERSION = 2
/** …and the oldest this one reads. */
const MIN_META_VERSION = 1

const KEY_ID_SIZE = 4
const HEADER_SIZE = 1 + KEY_ID_SIZE
const NONCE_AT = HEADER_SIZE
const CIPHERTEXT_AT = HEADER_SIZE + XCHACHA_NONCE_SIZE
/** The shortest sealed value, as base64url characters: frame and tag around an empty plaintext. */
const MIN_CHARS = Math.ceil(((CIPHERTEXT_AT + AEAD_TAG_SIZE) * 4) / 3)

const utf8 = new TextEncoder()
const SALT = utf8.encode('simplesessions sealed cookie')
const ENCRYPTION_LABEL = utf8.encode('v1 encryption key')
const KEY_ID_LABEL = utf8.encode('v1 key id')

// ---- base64url (RFC 4648 §5), no padding, canonical ------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0))
/** ASCII code → its 6 bits, -1 for a character outside the alphabet. */
const SEXTETS = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) SEXTETS[CODES[i]!] = i
const fromCharCode = String.fromCharCode

const sextet = (s: string, i: number): number => {
  const c = s.charCodeAt(i)
  return c < 128 ? SEXTETS[c]! : -1
}

/**
 * base64url of `b`, without padding.
 *
 * @example
 * import { toBase64url } from 'simplesessions/stores/cookie'
 *
 * toBase64url(Uint8Array.of(0xfb, 0xff)) // '-_8'
 */
export function toBase64url(b: Uint8Array): string {
  const n = b.length
  const out = new Uint8Array(Math.ceil((n * 4) / 3))
  let j = 0
  let i = 0
  // Stryker disable next-line ArithmeticOperator: equivalent, bytes past the end read as undefined (0 in the shifts) and writes past the end of out are dropped, so extra groups spell the tail as the branches below do
  for (; i + 3 <= n; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!
    out[j++] = CODES[v >> 18]!
    out[j++] = CODES[(v >> 12) & 63]!
    out[j++] = CODES[(v >> 6) & 63]!
    out[j++] = CODES[v & 63]!
  }
  if (n - i === 1) {
    out[j++] = CODES[b[i]! >> 2]!
    // Stryker disable next-line UpdateOperator: equivalent, j is not read after the last character
    out[j++] = CODES[(b[i]! & 3) << 4]!
  } else if (
    // Stryker disable next-line ConditionalExpression: equivalent, n - i is 0 or 2 here, and with 0 j is out.length: the writes fall past the end of out and are dropped
    n - i === 2
  ) {
    const v = (b[i]! << 8) | b[i + 1]!
    out[j++] = CODES[v >> 10]!
    out[j++] = CODES[(v >> 4) & 63]!
    // Stryker disable next-line UpdateOperator: equivalent, j is not read after the last character
    out[j++] = CODES[(v & 15) << 2]!
  }
  // apply() over a typed array: one call, no intermediate array (values stay under 4 KiB).
  return fromCharCode.apply(null, out as unknown as number[])
}

/**
 * The bytes of a canonical base64url string, or undefined: a character outside the alphabet,
 * padding, a length of 4k + 1, or non-zero unused bits in the last character (which would give a
 * second spelling of the same bytes).
 *
 * @example
 * import { fromBase64url } from 'simplesessions/stores/cookie'
 *
 * fromBase64url('-_8') // Uint8Array [251, 255]
 * fromBase64url('-_9') // undefined: the last character's unused bits are not zero
 */
export function fromBase64url(s: string): Uint8Array | undefined {
  const n = s.length
  const rest = n & 3
  if (rest === 1) return undefined
  const out = new Uint8Array((n >> 2) * 3 + (rest === 0 ? 0 : rest - 1))
  let j = 0
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const a = sextet(s, i)
    const b = sextet(s, i + 1)
    const c = sextet(s, i + 2)
    const d = sextet(s, i + 3)
    if ((a | b | c | d) < 0) return undefined
    const v = (a << 18) | (b << 12) | (c << 6) | d
    out[j++] = v >> 16
    out[j++] = (v >> 8) & 255
    out[j++] = v & 255
  }
  if (rest === 2) {
    const a = sextet(s, i)
    const b = sextet(s, i + 1)
    if ((a | b) < 0 || (b & 15) !== 0) return undefined
    out[j] = (a << 2) | (b >> 4)
  } else if (rest === 3) {
    const a = sextet(s, i)
    const b = sextet(s, i + 1)
    const c = sextet(s, i + 2)
    if ((a | b | c) < 0 || (c & 3) !== 0) return undefined
    const v = (a << 10) | (b << 4) | (c >> 2)
    out[j++] = v >> 8
    out[j] = v & 255
  }
  return out
}

// ---- the record inside ------------------------------------------------------------------------

function plaintextOf(r: SealedRecord): Uint8Array {
  const fields = Object.create(null) as Record<string, Value>
  for (const [k, v] of r.fields) fields[k] = v
  return encodeValue([[META_VERSION, r.meta.createdAt, r.meta.expiresAt, r.id, r.meta.persist ?? null], fields])
}

/** A sealed time: a safe integer, or Infinity (Number.isSafeInteger is false for every non-number). */
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) || v === Infinity

/** The record of an opened plaintext, or undefined when it is not one (only a bug or a leaked key makes such a value). */
function recordOf(plaintext: Uint8Array, key: number): OpenedRecord | undefined {
  let v: Value
  try {
    v = decodeValue(plaintext)
  }
  // Stryker disable next-line BlockStatement: equivalent, v is then still undefined, which the next check refuses
  catch {
    return undefined
  }
  if (!Array.isArray(v) || v.length !== 2) return undefined
  const [meta, fields] = v
  if (
    !Array.isArray(meta) ||
    // Stryker disable next-line ConditionalExpression: equivalent, a shorter list leaves id undefined, which the id check below refuses
    meta.length < 4
  )
    return undefined
  const [version, createdAt, expiresAt, id, persist] = meta
  // Number.isSafeInteger is false for every non-number.
  if (!Number.isSafeInteger(version) || (version as number) < MIN_META_VERSION) return undefined
  if (!isTime(createdAt) || !isTime(expiresAt) || typeof id !== 'string' || id === '') return undefined
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || fields instanceof Uint8Array || fields instanceof Date) return undefined
  const map = new Map<string, Uint8Array>()
  for (const k of Object.keys(fields)) {
    const b = fields[k]
    if (!(b instanceof Uint8Array)) return undefined
    map.set(k, b)
  }
  const m: SessionMeta = { createdAt, expiresAt }
  if (typeof persist === 'boolean') m.persist = persist
  return { id, meta: m, fields: map, key }
}

// ---- keys ---------------------------------------------------------------------------------------

function bytesOf(secret: string | Uint8Array): Uint8Array {
  return typeof secret === 'string' ? utf8.encode(secret) : secret
}

const readKeyId = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0

/** One Manager's keys: what CookieStore.keys returns. */
class CookieSealer implements Sealer {
  readonly #keys: Uint8Array[]
  readonly #ids: number[]
  /** version | key id of the newest key: the AAD of every seal. */
  readonly #header: Uint8Array

  constructor(secrets: readonly (string | Uint8Array)[]) {
    this.#keys = []
    this.#ids = []
    for (const s of secrets) {
      const prk = hkdfExtract(SALT, bytesOf(s))
      this.#keys.push(hkdfExpand(prk, ENCRYPTION_LABEL, 32))
      const id = hkdfExpand(prk, KEY_ID_LABEL, KEY_ID_SIZE)
      this.#ids.push(readKeyId(id, 0))
      prk.fill(0)
    }
    if (this.#keys.length === 0) throw new SessionError('CONFIG', 'option secrets is invalid: [] (a non-empty list, newest first)')
    this.#header = new Uint8Array(HEADER_SIZE)
    this.#header[0] = SEALED_VERSION
    new DataView(this.#header.buffer).setUint32(1, this.#ids[0]!)
  }

  seal(record: SealedRecord): string {
    const key = this.#keys[0]
    if (key === undefined) throw new SessionError('CONFIG', 'this cookie store’s keys were closed with their Manager')
    const sealed = xchachaSealRandom(key, this.#header, plaintextOf(record))
    const out = new Uint8Array(HEADER_SIZE + sealed.length)
    out.set(this.#header)
    out.set(sealed, HEADER_SIZE)
    return toBase64url(out)
  }

  open(value: string): OpenedRecord | 'malformed' | 'signature' {
    // Sizes first: nothing longer than a cookie can be is decoded, let alone copied into WASM.
    if (typeof value !== 'string' || value.length < MIN_CHARS || value.length > MAX_COOKIE_BYTES) return 'malformed'
    const b = fromBase64url(value)
    if (b === undefined || b[0] !== SEALED_VERSION) return 'malformed'
    const kid = readKeyId(b, 1)
    const aad = b.subarray(0, HEADER_SIZE)
    const nonce = b.subarray(NONCE_AT, CIPHERTEXT_AT)
    const sealed = b.subarray(CIPHERTEXT_AT)
    for (let i = 0; i !== this.#ids.length; i++) {
      // Only keys with the named id (two secrets share an id with probability 2^-32).
      if (this.#ids[i] !== kid) continue
      const plaintext = xchachaOpen(this.#keys[i]!, nonce, aad, sealed)
      if (plaintext === undefined) continue
      return recordOf(plaintext, i) ?? 'malformed'
    }
    return 'signature'
  }

  close(): void {
    for (const k of this.#keys) k.fill(0)
    this.#keys.length = 0
    this.#ids.length = 0
  }
}

function unsupported(what: string): SessionError {
  return new SessionError(
    'UNSUPPORTED',
    `the cookie store cannot ${what}: it keeps nothing on the server (each client holds its own session, sealed in its cookie); use a server-side store (memory, Redis) for that`,
  )
}

/**
 * The sealed cookie store: each session lives in its client's cookie, encrypted and
 * authenticated (XChaCha20-Poly1305), nothing on the server. Takes no options: its keys come
 * from the Manager's secrets and its cookie from the Manager's cookie options. A session must
 * fit in one cookie (TOO_LARGE otherwise), and cannot be revoked by ID from the server
 * (UNSUPPORTED): it ends by session.destroy() on its client, at its sealed expiry, or when the
 * secrets change.
 *
 * @example
 * import { Manager } from 'simplesessions'
 * import { CookieStore } from 'simplesessions/stores/cookie'
 * import { getCookie, setCookie } from 'simplesessions/adapters/fetch'
 *
 * const manager = new Manager({ store: new CookieStore(), secrets: [process.env.SESSION_SECRET!], getCookie, setCookie })
 */
export class CookieStore implements SealedStore {
  /** Marks a sealed store: the Manager keeps the session in its cookie. */
  readonly kind = 'sealed' as const

  /** The keys of one Manager, derived from its secrets (HKDF-SHA256); called by the Manager. */
  keys(secrets: readonly (string | Uint8Array)[]): Sealer {
    return new CookieSealer(secrets)
  }

  /** Not possible for a sealed store: rejects with SessionError 'UNSUPPORTED'. */
  load(_id: string): Promise<never> {
    return Promise.reject(unsupported('look up a session by its ID'))
  }

  /**
   * Not possible for a sealed store: rejects with SessionError 'UNSUPPORTED'. A session ends on
   * its client with session.destroy() (a removal cookie), or at the expiry sealed in it; to end
   * every session at once, replace the secrets (a cookie no secret opens starts fresh).
   */
  destroy(_id: string): Promise<never> {
    return Promise.reject(unsupported('revoke a session by its ID'))
  }
}
