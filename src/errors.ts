// The one error class of the library. Codes are defined here once; callers branch on `code`,
// never on message text.

/**
 * Every code a SessionError can carry, by name.
 *
 * @example
 * import { ErrorCodes, SessionError } from 'simplesessions'
 *
 * try {
 *   // ...
 * } catch (err) {
 *   if (err instanceof SessionError && err.code === ErrorCodes.STORE_UNAVAILABLE) console.error(err.cause)
 * }
 */
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

/**
 * The code of a SessionError: one of ErrorCodes.
 *
 * @example
 * import type { ErrorCode } from 'simplesessions'
 *
 * const retryable: ErrorCode[] = ['STORE_UNAVAILABLE']
 */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

// One process can still hold two copies of the library (two installed versions, or a bundle that
// inlined one), each with its own class. Every SessionError carries a brand from the global symbol
// registry on its prototype, so that a store of one copy still reports TOO_LARGE, not
// STORE_UNAVAILABLE, to a Manager of the other. instanceof checks the brand too (hasInstance):
// callers follow "one error class" with `err instanceof SessionError`, and vitest's
// toBeInstanceOf and rejects.toThrow(SessionError) go through it, so it must agree with
// isSessionError. Subclasses keep the ordinary prototype check.
const brand = Symbol.for('simplesessions.SessionError')

/**
 * The one error class of the library: branch on its `code` (see ErrorCodes), never on its
 * message. `instanceof` holds for a SessionError of any copy of the library in the process.
 *
 * @example
 * import { SessionError, type Manager } from 'simplesessions'
 * import type { IncomingMessage, ServerResponse } from 'node:http'
 *
 * declare const manager: Manager
 * declare const req: IncomingMessage
 * declare const res: ServerResponse
 *
 * try {
 *   await manager.acquire(req, res)
 * } catch (err) {
 *   if (err instanceof SessionError && err.code === 'INVALID_SESSION') res.statusCode = 401
 *   else throw err
 * }
 */
export class SessionError extends Error {
  /** Always "SessionError". */
  override name = 'SessionError'
  /** What went wrong; the message says it in words. */
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }

  static {
    Object.defineProperty(this.prototype, brand, { value: true })
  }

  /** `instanceof SessionError`: true for a SessionError of any copy of this library (the brand above). */
  static override [Symbol.hasInstance](v: unknown): boolean {
    if (this !== SessionError) return Function.prototype[Symbol.hasInstance].call(this, v)
    return typeof v === 'object' && v !== null && (v as { [brand]?: unknown })[brand] === true
  }
}

/**
 * True when `err` is a SessionError (of any copy of this library), and of `code` when one is given.
 *
 * @example
 * import { isSessionError, type Session } from 'simplesessions'
 *
 * declare const sess: Session
 * try {
 *   await sess.commit()
 * } catch (err) {
 *   if (!isSessionError(err, 'HEADERS_SENT')) throw err
 * }
 */
export function isSessionError(err: unknown, code?: ErrorCode): err is SessionError {
  return err instanceof SessionError && (code === undefined || err.code === code)
}

/**
 * The one message shape for a rejected option: `option maxAge is invalid: -1`. A string is shown
 * quoted; a list by its length only (`[]`, `a list of 3`), never its items, which may be secrets.
 */
export function configError(option: string, value: unknown, why?: string): SessionError {
  let shown: string
  try {
    shown = Array.isArray(value) ? (value.length === 0 ? '[]' : `a list of ${value.length}`) : typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    shown = typeof value
  }
  return new SessionError('CONFIG', `option ${option} is invalid: ${shown}${why ? ` (${why})` : ''}`)
}
