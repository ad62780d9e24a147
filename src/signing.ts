// Signed cookie values and key rotation over the WASM core.
//
// A value is "1.<id>.<mac>", mac = base64url(HMAC-SHA256(secret, "1.<id>")) — the format and its
// version are described in assembly/sign.ts. A Signer holds a list of secrets, newest first:
// the first signs, all verify, and `verify` says which one did so the caller can re-sign values
// made with an older key. Each secret's HMAC inner/outer states live in a key slot of the core,
// computed once here; slots are released by close() (or when the Signer is garbage collected).

import { core } from './wasm/index'
import { SIGN_MALFORMED } from './wasm/abi'
import { SessionError, configError } from './errors'
import { DEFAULT_ID_LENGTH, MAX_ID_LENGTH } from './id'

export type Secret = string | Uint8Array

export interface SignerOptions {
  /** Shortest secret accepted, in bytes (UTF-8 for strings). Default 32. */
  minSecretBytes?: number
  /** Length of IDs this signer issues. Default 32. */
  idLength?: number
  /** Accepted id lengths when verifying. Default: exactly idLength. */
  idMinLength?: number
  idMaxLength?: number
  /** Require base64url ids (default true); false accepts any cookie-octet except '.'. */
  strictAlphabet?: boolean
}

export interface Verified {
  /** The session ID carried by the value. */
  id: string
  /** Index into the secrets of the key that verified: 0 is the newest, > 0 means re-sign. */
  key: number
}

// The last slot is the loader's warm-up slot and is never handed out.
const used = new Uint8Array(core.maxSlots - 1)

function allocate(count: number): number {
  for (let first = 0; first + count <= used.length; first++) {
    let free = true
    for (let i = first; i < first + count && free; i++) free = used[i] === 0
    if (free) {
      used.fill(1, first, first + count)
      return first
    }
  }
  throw new SessionError('CONFIG', `option secrets is invalid: no room for ${count} more keys (all ${used.length} key slots in use; close() unused signers)`)
}

function release(first: number, count: number): void {
  for (let i = first; i < first + count; i++) core.clearKey(i)
  used.fill(0, first, first + count)
}

const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ first: number; count: number }>(({ first, count }) => release(first, count))
    : undefined

const utf8 = new TextEncoder()

export class Signer {
  readonly keyCount: number
  readonly idLength: number
  private readonly first: number
  private readonly idMin: number
  private readonly idMax: number
  private readonly strict: boolean
  private closed = false

  constructor(secrets: readonly Secret[], options: SignerOptions = {}) {
    const minBytes = options.minSecretBytes ?? 32
    // Never echo a secret: a string passed where the list belongs is shown by its type only.
    if (!Array.isArray(secrets) || secrets.length === 0) throw configError('secrets', Array.isArray(secrets) ? '[]' : typeof secrets, 'a non-empty list, newest first')
    const keys = secrets.map((s, i) => {
      const bytes = typeof s === 'string' ? utf8.encode(s) : s instanceof Uint8Array ? s : undefined
      if (!bytes) throw configError(`secrets[${i}]`, typeof s, 'a string or Uint8Array')
      if (bytes.length < minBytes) throw configError(`secrets[${i}]`, `${bytes.length} bytes`, `at least ${minBytes} bytes`)
      return bytes
    })
    const idLength = options.idLength ?? DEFAULT_ID_LENGTH
    const idMin = options.idMinLength ?? idLength
    const idMax = options.idMaxLength ?? idLength
    for (const [name, v] of [['idLength', idLength], ['idMinLength', idMin], ['idMaxLength', idMax]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > MAX_ID_LENGTH) throw configError(name, v)
    }
    if (idMin > idMax || idLength < idMin || idLength > idMax) throw configError('idMinLength', idMin, `must be <= idLength ${idLength} <= idMaxLength ${idMax}`)
    this.keyCount = keys.length
    this.idLength = idLength
    this.idMin = idMin
    this.idMax = idMax
    this.strict = options.strictAlphabet ?? true
    this.first = allocate(keys.length)
    keys.forEach((k, i) => core.setKey(this.first + i, k))
    finalizer?.register(this, { first: this.first, count: this.keyCount }, this)
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
    this.live()
    if (typeof value !== 'string') return undefined
    const k = core.verify(value, this.first, this.keyCount, this.idMin, this.idMax, this.strict)
    if (k < 0) return undefined
    return { id: value.slice(2, value.length - 44), key: k }
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
  newSignedId(): { id: string; value: string } {
    this.live()
    return core.newSignedId(this.first, this.idLength)
  }

  /** Releases this signer's key slots and wipes its keys from WASM memory. */
  close(): void {
    if (this.closed) return
    this.closed = true
    finalizer?.unregister(this)
    release(this.first, this.keyCount)
  }
}
