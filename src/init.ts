// The one public name of the core's loading (./wasm/index.ts), in a module of its own so that the
// published declarations of the package never name WebAssembly types: a Node project compiled
// without the DOM library has no `WebAssembly` namespace.

import { ready } from './wasm/index.js'

/**
 * Resolves when the WebAssembly core is ready. Only the browser build compiles it asynchronously
 * and needs this before the first use (until then the library throws a SessionError with code
 * CONFIG); on Node, Deno, Bun, workerd and Vercel Edge the core is ready at import and this
 * resolves at once. Idempotent: every call returns the same promise.
 *
 * @example
 * import { generateId, init } from 'simplesessions'
 *
 * await init() // the browser build compiles the core here; elsewhere it is ready already
 * const id = generateId()
 */
export function init(): Promise<void> {
  return ready
}
