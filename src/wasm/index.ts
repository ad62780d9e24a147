// The process-wide core instance, compiled synchronously from the inlined release bytes.
// The tests alias ./generated/release to ./generated/debug to run everything on the debug build.

import { wasmBase64 } from './generated/release'
import { Core, decodeBase64 } from './core'

export const core: Core = new Core(new WebAssembly.Module(decodeBase64(wasmBase64) as BufferSource))

/** The key slot the signers' allocator never hands out: the warm-up below uses it. */
export const RESERVED_SLOT = 0

// Warm-up: run the hot exports enough for the engine to tier them up before the first request.
{
  const slot = RESERVED_SLOT
  core.setKey(slot, new Uint8Array(32))
  const value = `1.${'A'.repeat(32)}.${core.signId(slot, 'A'.repeat(32))}`
  for (let i = 0; i < 300; i++) core.verify(value, slot, 1, 32, 32, true)
  core.clearKey(slot)
}
