// Mutation testing of the engine core: `npm run mutate`. See docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: ['stdlib/**/*.ts', 'compiler/**/*.ts', '!**/*.d.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Static mutants (module-level tables and defaults) rerun the whole suite each; `npm run
  // mutate -- --ignoreStatic false` includes them (see docs/mutation-testing.md).
  ignoreStatic: true,
  reporters: ['progress-append-only', 'clear-text', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  // Works around a V8 abort in Node 20 with `isolate: false` (vitest.mutate.config.ts).
  testRunnerNodeArgs: ['--no-turbo-inline-array-builtins'],
  concurrency: 2,
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  // dist/ is copied: test/codegen/compile-js.test.ts runs a generated module in a child Node
  // against the built runtime (it checks packaging; the mutated code is the source it compiles).
  ignorePatterns: ['reports', 'bench/results', '.ci'],
}
