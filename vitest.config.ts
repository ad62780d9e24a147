import { defineConfig, type Plugin } from 'vitest/config'
import { fileURLToPath } from 'node:url'

const debugWasm = fileURLToPath(new URL('./src/wasm/generated/debug.ts', import.meta.url))

/** Points the loader's inlined release bytes at the debug build. */
const useDebugWasm: Plugin = {
  name: 'use-debug-wasm',
  enforce: 'pre',
  resolveId(source) {
    return /\/generated\/release(\.ts|\.js)?$/.test(source) ? debugWasm : null
  },
}

// Every suite runs twice: on the release wasm (what users get) and on the debug wasm (assertions
// on, unoptimized), so a bug that optimization or noAssert hides shows up in one of them.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'release', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        plugins: [useDebugWasm],
        test: { name: 'debug', include: ['test/**/*.test.ts'], env: { SIMPLESESSIONS_WASM: 'debug' } },
      },
    ],
  },
})
