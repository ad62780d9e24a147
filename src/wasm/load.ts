// Where the core's compiled module comes from on Node, Deno and Bun (the default build): the
// release bytes inlined as base64, compiled synchronously at import. See ./index.ts for the
// other builds.

import { wasmBase64 } from './generated/release.js'
import { decodeBase64 } from './core.js'

export function loadModule(): WebAssembly.Module | Promise<WebAssembly.Module> {
  return new WebAssembly.Module(decodeBase64(wasmBase64) as BufferSource)
}
