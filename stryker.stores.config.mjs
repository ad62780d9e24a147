// @ts-check
// Mutation testing of the stores: `npm run test:mutation:stores` (docs/mutation-testing.md).
// A configuration of its own, beside stryker.config.mjs, because the stores are judged by their
// own suites (test/mutation/vitest.stores.config.ts) and keep their own incremental state, so a
// change to the Session re-runs no store mutant and the reverse.
import base from './stryker.config.mjs'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  ...base,
  vitest: { configFile: 'test/mutation/vitest.stores.config.ts' },
  mutate: [
    'src/stores/memory/index.ts',
    'src/stores/memory/record.ts',
    'src/stores/memory/keys.ts',
    'src/stores/checks.ts',
    'src/stores/redis.ts',
    'src/stores/cookie.ts',
  ],
  incrementalFile: 'test/mutation/stores-incremental.json',
  htmlReporter: { fileName: 'reports/mutation/stores.html' },
  jsonReporter: { fileName: 'reports/mutation/stores.json' },
  tempDirName: '.stryker-tmp-stores',
  // A floor under the score of the stores' first run (78.3%), so CI catches a fall; raised to the
  // 90% of the core as the survivors are killed or shown equivalent (docs/mutation-testing.md).
  thresholds: { high: 95, low: 90, break: 75 },
}

export default config
