// Signed cookie values and key rotation over the WASM core.
//
// A value is "1.<id>.<mac>", mac = base64url(HMAC-SHA256(secret, "1.<id>")), HMAC by RFC 2104
// (https://www.rfc-editor.org/rfc/rfc2104); the format and its version: assembly/sign.ts. A Signer
// holds secrets newest first: the first signs, all verify, and check() says which one did, so
// the caller re-signs a value made with an older key. A MAC is compared in constant time.
//
// Key slots: each secret's HMAC inner and outer states are computed once into a slot of the core,
// a Signer's secrets in one contiguous run, so that one call tries them all. Managers are often
// made per request and dropped without close(), so a Signer must cost nothing it does not give
// back: Signers with the same secrets share one run (found by the keys' identities, HMAC(key, a
// fixed label): no secret is kept here); close(), or a FinalizationRegistry once the Signer is
// collected, ends a share, and the last one wipes the slots; the table grows from 256 to at most
// 65,536 slots (4 MiB), past which construction throws CONFIG. The reasons, and what this costs
// on the hot path: docs/decisions/signing-key-slots.md.

import { RESERVED_SLOT, core, onCore } from './wasm/index.js'
import { SIGN_MALFORMED } from './wasm/abi.js'
import { SessionError, configError } from './errors.js'
import { DEFAULT_ID_LENGTH, checkIdLength } from './id.js'

/**
 * A signing secret: a string (its UTF-8 bytes) or raw bytes, at least 32 bytes long.
 *
 * @example
 * import { randomBytes } from 'node:crypto'
 * import type { Secret } from 'simplesessions'
 *
 * const secrets: Secret[] = [process.env.SESSION_SECRET!, randomBytes(32)]
 */
export type Secret = string | Uint8Array

/**
 * Options of a {@link Signer}.
 *
 * @example
 * import { Signer, type SignerOptions } from 'simplesessions'
 *
 * const options: SignerOptions = { idLength: 24 }
 * const signer = new Signer([process.env.SESSION_SECRET!], options)
 */
export interface SignerOptions {
  /** Shortest secret accepted, in bytes (UTF-8 for strings). Default 32. */
  minSecretBytes?: number
  /** Length of IDs this signer issues. Default 32. */
  idLength?: number
  /** Accepted id lengths when verifying. Default: exactly idLength. */
  idMinLength?: number
  /** Longest id accepted when verifying. Default: idLength. */
  idMaxLength?: number
  /** Require base64url ids (default true); false accepts any cookie-octet except '.'. */
  strictAlphabet?: boolean
}

/**
 * A signed value that verified: its ID, and which secret verified it.
 *
 * @example
 * import { Signer, type Verified } from 'simplesessions'
 *
 * declare const cookieValue: string
 * const signer = new Signer([process.env.SESSION_SECRET!, process.env.OLD_SESSION_SECRET!])
 * const v: Verified | undefined = signer.verify(cookieValue)
 * // Never log v.id: a session ID is a bearer secret.
 * if (v && v.key > 0) console.log(`a cookie signed with secret ${v.key} (an older one): re-signing`)
 * const fresh = v && v.key > 0 ? signer.sign(v.id) : cookieValue
 */
export interface Verified {
  /** The session ID carried by the value. */
  id: string
  /** Index into the secrets of the key that verified: 0 is the newest, > 0 means re-sign. */
  key: number
}

/** One list of secrets in a contiguous run of key slots, shared by every Signer made with it. */
interface Run {
  readonly first: number
  readonly count: number
  /** The keys' identities, in order (see acquire). */
  readonly identity: string
  users: number
}

const runs = new Map<string, Run>()
/** 1 for a slot that is held; as long as the core's table. */
let used = new Uint8Array(0)
// The table's size is the core's, known once it is ready (at import, except in the browser build).
onCore((c) => {
  used = new Uint8Array(c.slotCapacity())
  used[RESERVED_SLOT] = 1
})
/** Every slot below this one is held. */
let lowestFree = 0

/** The first of `count` free contiguous slots, marked held; the table grows when none are free. */
function allocate(count: number): number {
  let free = 0
  for (let i = lowestFree; i < used.length; i++) {
    free = used[i] === 0 ? free + 1 : 0
    if (free === count) return hold(i + 1 - count, count)
  }
  // `free` is now the run of free slots at the end of the table: grow it past them.
  const first = used.length - free
  if (!core.reserveSlots(first + count)) {
    throw configError('secrets', `${count} more keys`, `the key table is full at ${core.maxSlots} slots, or memory cannot grow; close() signers that are no longer used`)
  }
  const grown = new Uint8Array(core.slotCapacity())
  grown.set(used)
  used = grown
  return hold(first, count)
}

function hold(first: number, count: number): number {
  used.fill(1, first, first + count)
  while (used[lowestFree] === 1) lowestFree++
  return first
}

const fromCharCode = String.fromCharCode

/** The run holding `keys` in this order: a new user of an existing one, or a new run. */
function acquire(keys: readonly Uint8Array[]): Run {
  let identity = ''
  for (const k of keys) identity += fromCharCode.apply(null, core.keyId(k) as unknown as number[])
  const shared = runs.get(identity)
  if (shared) {
    shared.users++
    return shared
  }
  const first = allocate(keys.length)
  keys.forEach((k, i) => core.setKey(first + i, k))
  const run: Run = { first, count: keys.length, identity, users: 1 }
  runs.set(identity, run)
  return run
}

/** Ends one user's share of `run`; the last one wipes its keys and frees its slots. */
function release(run: Run): void {
  if (--run.users > 0) return
  runs.delete(run.identity)
  const end = run.first + run.count
  for (let i = run.first; i < end; i++) core.clearKey(i)
  used.fill(0, run.first, end)
  lowestFree = Math.min(lowestFree, run.first)
}

const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Run>(release) : undefined

const utf8 = new TextEncoder()

/**
 * Signs session IDs into cookie values ("1.<id>.<mac>", HMAC-SHA256) and verifies them in
 * constant time, with key rotation: secrets newest first, the first signs, all verify. The
 * Manager uses one; it is exported for those who build on the signed format directly. Secrets
 * shorter than 32 bytes are CONFIG.
 *
 * @example
 * import { Signer } from 'simplesessions'
 *
 * const signer = new Signer([process.env.SESSION_SECRET!])
 * const { id, value } = signer.newSignedId()
 * signer.verify(value) // { id, key: 0 }
 * signer.check('1.forged.value') // 'malformed'
 * signer.close()
 */
export class Signer {
  /** How many secrets verify (the first of them signs). */
  readonly keyCount: number
  /** Length of the IDs this signer issues. */
  readonly idLength: number
  private readonly run: Run
  /** run.first, read on every call. */
  private readonly first: number
  private readonly idMin: number
  private readonly idMax: number
  private readonly strict: boolean
  private closed = false

  constructor(secrets: readonly Secret[], options: SignerOptions = {}) {
    const minBytes = options.minSecretBytes ?? 32
    // Never echo a secret: a string passed where the list belongs is shown by its type only.
    if (!Array.isArray(secrets) || secrets.length === 0) throw configError('secrets', Array.isArray(secrets) ? secrets : typeof secrets, 'a non-empty list, newest first')
    const keys = secrets.map((s, i) => {
      const bytes = typeof s === 'string' ? utf8.encode(s) : s instanceof Uint8Array ? s : undefined
      if (!bytes) throw configError(`secrets[${i}]`, typeof s, 'a string or Uint8Array')
      if (bytes.length < minBytes) throw configError(`secrets[${i}]`, `${bytes.length} bytes`, `at least ${minBytes} bytes`)
      return bytes
    })
    const idLength = options.idLength ?? DEFAULT_ID_LENGTH
    const idMin = options.idMinLength ?? idLength
    const idMax = options.idMaxLength ?? idLength
    checkIdLength('idLength', idLength)
    checkIdLength('idMinLength', idMin)
    checkIdLength('idMaxLength', idMax)
    if (idMin > idMax || idLength < idMin || idLength > idMax) throw configError('idMinLength', idMin, `must be <= idLength ${idLength} <= idMaxLength ${idMax}`)
    this.keyCount = keys.length
    this.idLength = idLength
    this.idMin = idMin
    this.idMax = idMax
    this.strict = options.strictAlphabet ?? true
    this.run = acquire(keys)
    this.first = this.run.first
    finalizer?.register(this, this.run, this)
  }

  private live(): void {
    if (this.closed) throw new SessionError('CONFIG', 'this Signer was closed')
  }

  /** The signed value of `id` ("1.<id>.<mac>"), made with the newest secret. */
  sign(id: string): string {
    this.live()
    const mac = typeof id === 'string' && id.length >= this.idMin && id.length <= this.idMax ? core.signId(this.first, id, this.strict) : undefined
    if (mac === undefined) throw new SessionError('INVALID_ID', `cannot sign id of length ${String(id?.length)}: not a valid session id`)
    return `1.${id}.${mac}`
  }

  /** The id and verifying key of a signed value, or undefined for anything not signed by a secret. */
  verify(value: string): Verified | undefined {
    const v = this.check(value)
    return typeof v === 'string' ? undefined : v
  }

  /** Like verify, but says why a value was rejected: 'malformed' or 'signature'. */
  check(value: string): Verified | 'malformed' | 'signature' {
    this.live()
    if (typeof value !== 'string') return 'malformed'
    const k = core.verify(value, this.first, this.keyCount, this.idMin, this.idMax, this.strict)
    if (k === SIGN_MALFORMED) return 'malformed'
    if (k < 0) return 'signature'
    return { id: value.slice(2, value.length - 44), key: k }
  }

  /** A fresh random ID and its signed value, made in one call into the core. */
  newSignedId(): {
    /** The new ID. */
    id: string
    /** Its signed cookie value. */
    value: string
  } {
    this.live()
    return core.newSignedId(this.first, this.idLength)
  }

  /**
   * Releases this signer's share of its key slots; the last signer with these secrets wipes the
   * keys from WASM memory. Later calls do nothing: a second release would take another signer's share.
   */
  close(): void {
    if (this.closed) return
    this.closed = true
    finalizer?.unregister(this)
    release(this.run)
  }
}
