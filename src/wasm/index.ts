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
//
// No warm-up at import. The core used to run 300 verifies at import, so that the engine would
// optimize the hot code before the first request. Measured in fresh Node 20 processes
// (docs/cold-start.md, a loaded machine), that cost every import ~2 ms of wall time and ~8 ms of
// CPU (the optimizing compiles it set off run on other threads), and saved ~5-6 ms of CPU over
// the first 1,000 verifies: it moved work into the cold start, which serverless and edge
// functions pay on every new instance, rather than removing it. Without it the engine optimizes
// the core on the process's own first requests, and a cold start pays only for what it uses.

import { loadModule } from './load.js'
import { Core } from './core.js'
import { notCompiled } from './memory.js'

/**
 * The key slot the signers' allocator never hands out: code that drives the core directly (the
 * tests of raw key slots) can key it without overwriting a Signer's keys.
 */
export const RESERVED_SLOT = 0

/** A core that throws on any use: what `core` is until an asynchronously compiled module is ready. */
const notReady = new Proxy({} as Core, {
  get() {
    throw notCompiled()
  },
})

export let core: Core = notReady

/** Instantiates the core, and nothing more: no warm-up (see the module comment). */
function start(module: WebAssembly.Module): void {
  const c = new Core(module)
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
