// The vitest configuration that Stryker runs (stryker.config.mjs): the suites of vitest.config.ts
// on the release wasm only, so each mutant runs once. A mutant changes the TypeScript, which both
// projects run alike; the debug project is there to catch differences in the wasm build, and
// `npm test` keeps running it.

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import base from '../../vitest.config'

const release = (base.test?.projects ?? []).filter((p) => typeof p === 'object' && 'test' in p && p.test?.name === 'release')
if (release.length !== 1) throw new Error("vitest.config.ts no longer has one project named 'release'")

// The Next.js suite builds and serves an app in a child process (its code is not the mutated
// module's, so it kills nothing), and Turbopack refuses the sandbox's linked node_modules. The
// API reference's check runs no library code (it reads the sources as text, which in the sandbox
// are the instrumented ones), so it can kill no mutant either.
const sandboxed = release.map((p) => (typeof p === 'object' && 'test' in p ? { ...p, test: { ...p.test, exclude: ['test/adapters/next/**', 'test/docs.test.ts', 'node_modules/**'] } } : p))

export default defineConfig({
  ...base,
  // This file is not at the root, and vitest takes the config file's folder as the root.
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { ...base.test, projects: sandboxed },
})
