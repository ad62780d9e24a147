// Public barrel: the Manager/Session API, the one error class, the typed helpers, and the
// building blocks (signing, IDs, codec) for those who need them directly.
// Stores and adapters have their own subpaths: simplesessions/stores/memory,
// simplesessions/adapters/node, simplesessions/adapters/fetch.
export { Manager } from './manager'
export type { ManagerOptions, CookieOptions, GetCookie, SetCookie, CanSetCookie, OnRead, InvalidCookieEvent } from './manager'
export { Session } from './session'
export type { SessionData, InvalidCookieReason } from './session'
export { SessionError, ErrorCodes, isSessionError } from './errors'
export type { ErrorCode } from './errors'
export { string, int, int64, uint64, float64, bytes, bool } from './helpers'
export { Signer } from './signing'
export type { Secret, SignerOptions, Verified } from './signing'
export { generateId, isValidId, DEFAULT_ID_LENGTH } from './id'
export { encodeValue, decodeValue, encodeFields, decodeFields } from './codec'
export type { Value, CodecLimits } from './codec'
export type { CookieAttributes } from './cookie'
export type { Store, SessionMeta, SessionRecord, CommitBatch, FieldValues, RegenerateResult } from './stores/types'
