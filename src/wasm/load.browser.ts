// Where the core's compiled module comes from in browsers: the inlined release bytes, compiled
// asynchronously (Chromium refuses synchronous compilation of large modules on the main thread,
// and it would block rendering); `init()` awaits it.
//   https://developer.mozilla.org/en-US/docs/WebAssembly/Reference/JavaScript_interface/compile_static

import { wasmBase64 } from './generated/release.js'
import { decodeBase64 } from './core.js'

export function loadModule(): WebAssembly.Module | Promise<WebAssembly.Module> {
  return WebAssembly.compile(decodeBase64(wasmBase64) as BufferSource)
}
