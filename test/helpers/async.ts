import { expect } from 'vitest'
import { isSessionError } from '../../src/errors'

/** What `p` rejects with; throws when it resolves instead. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

/** Fails unless `p` rejects with a SessionError of `code`. */
export async function expectRejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown
  try {
    await p
  } catch (e) {
    caught = e
  }
  expect(isSessionError(caught), `expected SessionError ${code}, got ${String(caught)}`).toBe(true)
  expect((caught as { code: string }).code).toBe(code)
}
