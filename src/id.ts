// Session IDs: `length` base64url characters, 6 uniform bits each, all entropy from the host's
// crypto.getRandomValues. The default 32 characters carry 192 bits, far beyond the 64 bits OWASP
// asks for (https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html).

import { core } from './wasm/index.js'
import { ID_MAX } from './wasm/abi.js'
import { SessionError } from './errors.js'

export const DEFAULT_ID_LENGTH = 32
export const MAX_ID_LENGTH = ID_MAX

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_ID_LENGTH) {
    throw new SessionError('CONFIG', `option idLength is invalid: ${length}`)
  }
}

/** A new random session ID. */
export function generateId(length: number = DEFAULT_ID_LENGTH): string {
  checkLength(length)
  return core.newId(length)
}

/** True when `id` is exactly `length` base64url characters. */
export function isValidId(id: unknown, length: number = DEFAULT_ID_LENGTH): boolean {
  return typeof id === 'string' && id.length === length && core.validateId(id, length)
}
