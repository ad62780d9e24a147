// The process-wide core instance. Where its compiled module comes from depends on the runtime, so
// it is imported from `./load.js`, which the build replaces per export condition (build/build.mjs):
//   load.ts         Node, Deno, Bun: the inlined release bytes, compiled synchronously at import
//                   (no fs, no top-level await, so that require() of the package works too).
//   load.module.ts  workerd and edge-light: the .wasm file imported as a compiled module; the
//                   platforms refuse to compile bytes at run time, so these builds never do.
//   load.browser.ts browsers: the inlined bytes compiled asynchronously; `init()` awaits it.
// Every build has one core per module instance, made here, and exports the same `init()`
// (../init.ts), which resolves once the core is ready.
// The tests alias ./generated/release to ./generated/debug to run everything on the debug build.

import { loadModule } from './load.js'
import { Core } from './core.js'
import { notCompiled } from './memory.js'

/** The key slot the signers' allocator never hands out: the warm-up below uses it. */
export const RESERVED_SLOT = 0

/** A core that throws on any use: what `core` is until an asynchronously compiled module is ready. */
const notReady = new Proxy({} as Core, {
  get() {
    throw notCompiled()
  },
})

export let core: Core = notReady

/** Instantiates the core and runs the hot exports enough for the engine to tier them up before the first request. */
function start(module: WebAssembly.Module): void {
  const c = new Core(module)
  const slot = RESERVED_SLOT
  c.setKey(slot, new Uint8Array(32))
  const value = `1.${'A'.repeat(32)}.${c.signId(slot, 'A'.repeat(32))}`
  for (let i = 0; i < 300; i++) c.verify(value, slot, 1, 32, 32, true)
  c.clearKey(slot)
  core = c
  for (const f of waiting.splice(0)) f(c)
}

const waiting: ((c: Core) => void)[] = []

/** Runs `f` with the core now if it is ready, else as soon as it is (modules that keep views or constants of it). */
export function onCore(f: (c: Core) => void): void {
  if (core === notReady) waiting.push(f)
  else f(core)
}

const loaded = loadModule()
/** Resolves when `core` is ready: at once, except in the browser build (see ../init.ts). */
export const ready: Promise<void> = loaded instanceof Promise ? loaded.then(start) : Promise.resolve(start(loaded))
// A failed compilation is reported by init(); without this it would also be an unhandled rejection.
ready.catch(() => {})
