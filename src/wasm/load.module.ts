// Where the core's compiled module comes from on workerd (Cloudflare Workers) and edge-light
// (Vercel Edge): the .wasm file, imported as a module that the platform compiled before the code
// ran. workerd refuses to compile WebAssembly from bytes inside a request ("Wasm code generation
// disallowed by embedder") and Vercel Edge refuses it always, so this build holds neither the
// bytes nor a compile call: instantiating a compiled module is allowed on both.
//   https://developers.cloudflare.com/workers/runtime-apis/webassembly/javascript/
//   https://vercel.com/docs/functions/runtimes/wasm
// The specifier is rewritten by build/build.mjs: `../core.wasm` for workerd (wrangler's
// CompiledWasm rule), `../core.wasm?module` for edge-light (the suffix Vercel's and Next.js's
// bundlers compile to a WebAssembly.Module).

import wasm from './generated/core.wasm'

export function loadModule(): WebAssembly.Module | Promise<WebAssembly.Module> {
  return wasm
}
