// Session IDs: `length` base64url characters, 6 uniform bits each, all entropy from the host's
// crypto.getRandomValues. The default 32 characters carry 192 bits, far beyond the 64 bits OWASP
// asks for (https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html).
//
// This module holds the one rule for ID lengths (checkIdLength), which the Manager, the Signer
// and generateId all apply: an integer up to MAX_ID_LENGTH, and for the session IDs a Manager
// issues at least MIN_ID_LENGTH.

import { core } from './wasm/index.js'
import { ID_MAX } from './wasm/abi.js'
import { configError } from './errors.js'

/**
 * Length of generated IDs unless one is given: 32 characters, 192 bits.
 *
 * @example
 * import { DEFAULT_ID_LENGTH, generateId } from 'simplesessions'
 *
 * generateId().length === DEFAULT_ID_LENGTH // true
 */
export const DEFAULT_ID_LENGTH = 32
/**
 * Shortest session ID a Manager issues: 16 characters, 96 bits. At that size an attacker who
 * tries a billion IDs against a million live sessions hits one with odds below 1 in 10^13;
 * OWASP's floor is 64 bits.
 */
export const MIN_ID_LENGTH = 16
/** Longest ID anywhere: the core's ID buffer (ID_MAX in assembly/abi.ts), and far below a cookie's 4096 bytes. */
export const MAX_ID_LENGTH = ID_MAX

/**
 * The ID-length rule: `length` must be an integer from `min` to MAX_ID_LENGTH, else SessionError
 * CONFIG "option <option> is invalid". `min` is MIN_ID_LENGTH for the IDs a Manager issues; the
 * building blocks (generateId, the Signer) accept from 1, as they also serve custom IDs and
 * lengths chosen by their caller.
 */
export function checkIdLength(option: string, length: unknown, min = 1): number {
  if (typeof length !== 'number' || !Number.isInteger(length) || length < min || length > MAX_ID_LENGTH) {
    throw configError(option, length, `an integer from ${min}${min === MIN_ID_LENGTH ? ' (96 bits)' : ''} to ${MAX_ID_LENGTH}`)
  }
  return length
}

/**
 * A new random session ID: `length` base64url characters (1 to 255, else CONFIG), from the
 * host's crypto.getRandomValues.
 *
 * @example
 * import { generateId } from 'simplesessions'
 *
 * const id = generateId() // 32 characters, 192 bits
 * const short = generateId(16)
 */
export function generateId(length: number = DEFAULT_ID_LENGTH): string {
  return core.newId(checkIdLength('idLength', length))
}

/**
 * True when `id` is exactly `length` base64url characters.
 *
 * @example
 * import { generateId, isValidId } from 'simplesessions'
 *
 * isValidId(generateId()) // true
 * isValidId('not an id') // false
 */
export function isValidId(id: unknown, length: number = DEFAULT_ID_LENGTH): boolean {
  return typeof id === 'string' && id.length === length && core.validateId(id, length)
}
