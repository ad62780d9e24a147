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
  // The core's bar: the stores' first run scored 78.3%, 97.4% after the survivors were killed or
  // marked equivalent (docs/mutation-testing.md, which also says which markers are too broad).
}

export default config
