// The vitest configuration of the stores' mutation run (stryker.stores.config.mjs): the release
// project, limited to the suites written for the stores — the store contract's conformance suite
// as each store runs it, the stores' own tests, the Redis fault and load tests — and the Manager
// suites, which reach the stores through the public API. The adapter suites reach the memory
// store too, through real framework servers; left in, a store mutant that survives would run each
// of them, and a full run would take hours instead of the ~40 minutes asked for it. A store
// mistake that only an adapter suite would notice is therefore a survivor here, on purpose: the
// store's own tests should notice it.

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import base from '../../vitest.config'

const release = (base.test?.projects ?? []).filter((p) => typeof p === 'object' && 'test' in p && p.test?.name === 'release')
if (release.length !== 1) throw new Error("vitest.config.ts no longer has one project named 'release'")

const include = ['test/stores/**/*.test.ts', 'test/redis/**/*.test.ts', 'test/manager/**/*.test.ts']
const stores = release.map((p) => (typeof p === 'object' && 'test' in p ? { ...p, test: { ...p.test, include } } : p))

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { ...base.test, projects: stores },
})
