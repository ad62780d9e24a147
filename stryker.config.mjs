// @ts-check
// Mutation testing with StrykerJS: `npm run test:mutation` (docs/mutation-testing.md).
// Incremental: the results of the last run are kept in test/mutation/stryker-incremental.json,
// committed, so a run re-tests only the mutants whose code or covering tests changed since.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // The release project only: each mutant runs once.
  vitest: { configFile: 'test/mutation/vitest.config.ts' },
  // The stores have a configuration of their own: stryker.stores.config.mjs.
  mutate: ['src/session.ts', 'src/cookie.ts', 'src/signing.ts', 'src/codec.ts'],
  // Each mutant runs only the tests that reached its code in the initial run.
  coverageAnalysis: 'perTest',
  // A mutant in code that runs when a module loads (or in a test file's describe or beforeAll
  // scope) has no covering test, so Stryker would run the whole suite for each: over 200 of them
  // took two thirds of a run's time. They are left out of the score (docs/mutation-testing.md).
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  // The run fails under 90%, the score agreed for every mutated file.
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // vitest strips types without checking them, so there are no type checks to disable (and the
  // TypeScript parser cannot read the AssemblyScript decorators in assembly/).
  disableTypeChecks: false,
}

export default config
