// Public barrel: the Manager/Session API, the one error class, the typed helpers, and the
// building blocks (signing, IDs, codec) for those who need them directly.
// Stores and adapters have their own subpaths: simplesessions/stores/memory,
// simplesessions/adapters/node, simplesessions/adapters/fetch.
export { Manager } from './manager.js'
export type { ManagerOptions, CookieOptions, CookieHooks, GetCookie, SetCookie, CanSetCookie, OnRead, InvalidCookieEvent } from './manager.js'
export { Session } from './session.js'
export type { SessionData, InvalidCookieReason } from './session.js'
export { SessionError, ErrorCodes, isSessionError } from './errors.js'
export type { ErrorCode } from './errors.js'
export { string, int, int64, uint64, float64, bytes, bool } from './helpers.js'
export { Signer } from './signing.js'
export type { Secret, SignerOptions, Verified } from './signing.js'
export { init } from './init.js'
export { generateId, isValidId, DEFAULT_ID_LENGTH } from './id.js'
export { encodeValue, decodeValue, encodeFields, decodeFields } from './codec.js'
export type { Value, CodecLimits } from './codec.js'
export type { CookieAttributes } from './cookie.js'
export type { Store, SessionMeta, SessionRecord, CommitBatch, FieldValues, RegenerateResult } from './stores/types.js'
