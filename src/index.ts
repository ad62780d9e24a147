// Public barrel: the Manager/Session API, the one error class, the typed accessors, and the
// building blocks (signing, IDs, codec) for those who need them directly.
// Stores and adapters have their own subpaths: simplesessions/stores/memory,
// simplesessions/stores/redis, simplesessions/adapters/<node|fetch|express|fastify|hono|next>.
import type { Session, SessionData } from './session.js'

export { Manager } from './manager.js'
export type { ManagerOptions, DestroySessionsOptions, CookieOptions, CookieHooks, GetCookie, SetCookie, CanSetCookie, OnRead, InvalidCookieEvent } from './manager.js'
export { Session } from './session.js'
export type { SessionData, InvalidCookieReason } from './session.js'
export { SessionError, ErrorCodes, isSessionError } from './errors.js'
export type { ErrorCode } from './errors.js'
export { string, int, int64, uint64, float64, bytes, bool } from './accessors.js'
export { Signer } from './signing.js'
export type { Secret, SignerOptions, Verified } from './signing.js'
export { init } from './init.js'
export { generateId, isValidId, DEFAULT_ID_LENGTH } from './id.js'
export { encodeValue, decodeValue, encodeFields, decodeFields } from './codec.js'
export type { Value, CodecLimits } from './codec.js'
export type { CookieAttributes } from './cookie.js'
export type { Store, SessionMeta, SessionRecord, CommitBatch, FieldValues, RegenerateResult, OwnedSession, DestroyFilter } from './stores/types.js'

/**
 * The types of the session that the framework adapters hand each request (`req.session`,
 * `request.session`, `c.var.session`). Empty by default: values of any codec type, and a session
 * always there (the Manager's default `autoCreate: true`). Augment it once in your app to name
 * your values, and to say that the Manager has `autoCreate: false` (then the session is `null`
 * until `startSession()`):
 *
 * @example
 * import type { AdapterSession } from 'simplesessions'
 *
 * declare module 'simplesessions' {
 *   interface AdapterTypes {
 *     data: { userId: string; visits: number }
 *     autoCreate: false
 *   }
 * }
 *
 * // req.session, request.session and c.var.session are now of this type:
 * declare const session: AdapterSession // Session<{ userId: string; visits: number }> | null
 * const visits: number | undefined = await session?.get('visits')
 */
export interface AdapterTypes {}

/**
 * The session data type the adapters use: AdapterTypes['data'], else any values.
 *
 * @example
 * import type { AdapterData, Session } from 'simplesessions'
 *
 * // A helper that takes what an adapter hands a request (req.session, c.var.session).
 * async function userOf(sess: Session<AdapterData>) {
 *   return sess.get('userId')
 * }
 */
export type AdapterData = AdapterTypes extends {
  /** The data type of an augmented AdapterTypes. */
  data: infer D extends SessionData
}
  ? D
  : SessionData

/**
 * What an adapter exposes per request: the Session, or null when AdapterTypes says autoCreate is off.
 *
 * @example
 * import type { AdapterSession } from 'simplesessions'
 *
 * // With autoCreate off, a request without a valid cookie has no session until startSession().
 * function required(session: AdapterSession) {
 *   if (session === null) throw new Error('not signed in')
 *   return session
 * }
 */
export type AdapterSession = Session<AdapterData> | (AdapterTypes extends {
  /** Set to false in an augmented AdapterTypes when the Manager has `autoCreate: false`. */
  autoCreate: false
} ? null : never)
