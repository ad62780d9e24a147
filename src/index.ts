// Public barrel. The Manager/Session API lands on top of these building blocks.
export { SessionError, ErrorCodes, isSessionError } from './errors'
export type { ErrorCode } from './errors'
export { Signer } from './signing'
export type { Secret, SignerOptions, Verified } from './signing'
export { generateId, isValidId, DEFAULT_ID_LENGTH } from './id'
