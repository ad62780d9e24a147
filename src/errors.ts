// The one error class of the library. Codes are defined here once; callers branch on `code`,
// never on message text.

export const ErrorCodes = {
  /** No valid session cookie and autoCreate is off. */
  INVALID_SESSION: 'INVALID_SESSION',
  /** A typed helper was given a missing (undefined) value. */
  NIL: 'NIL',
  /** A typed helper was given a value of another type. */
  TYPE: 'TYPE',
  /** The store failed (connection, timeout, server error); `cause` holds the original. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** An option is invalid; thrown at construction. */
  CONFIG: 'CONFIG',
  /** Bytes that are not a valid encoding, or a value that cannot be encoded. */
  CODEC: 'CODEC',
  /** A value, cookie or session over a configured limit. */
  TOO_LARGE: 'TOO_LARGE',
  /** A session ID that does not have the required length or alphabet. */
  INVALID_ID: 'INVALID_ID',
  /**
   * The response can no longer carry the cookie a commit or regenerate must send (its headers
   * went out); raised before any store write, so nothing was changed.
   */
  HEADERS_SENT: 'HEADERS_SENT',
  /**
   * The store cannot do this by its nature: a sealed cookie store keeps nothing on the server, so
   * it cannot look up or revoke a session by its ID.
   */
  UNSUPPORTED: 'UNSUPPORTED',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

// One process can still hold two copies of the library (two installed versions, or a bundle that
// inlined one), each with its own class. Every SessionError carries a brand from the global symbol
// registry on its prototype, so that a store of one copy still reports TOO_LARGE, not
// STORE_UNAVAILABLE, to a Manager of the other. instanceof checks the brand too (hasInstance):
// callers follow "one error class" with `err instanceof SessionError`, and vitest's
// toBeInstanceOf and rejects.toThrow(SessionError) go through it, so it must agree with
// isSessionError. Subclasses keep the ordinary prototype check.
const brand = Symbol.for('simplesessions.SessionError')

export class SessionError extends Error {
  override name = 'SessionError'
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }

  static {
    Object.defineProperty(this.prototype, brand, { value: true })
  }

  static override [Symbol.hasInstance](v: unknown): boolean {
    if (this !== SessionError) return Function.prototype[Symbol.hasInstance].call(this, v)
    return typeof v === 'object' && v !== null && (v as { [brand]?: unknown })[brand] === true
  }
}

/** True when `err` is a SessionError (of any copy of this library), and of `code` when one is given. */
export function isSessionError(err: unknown, code?: ErrorCode): err is SessionError {
  return err instanceof SessionError && (code === undefined || err.code === code)
}

/** The one message shape for a rejected option: `option maxAge is invalid: -1`. */
export function configError(option: string, value: unknown, why?: string): SessionError {
  let shown: string
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    shown = typeof value
  }
  return new SessionError('CONFIG', `option ${option} is invalid: ${shown}${why ? ` (${why})` : ''}`)
}
