import { defineConfig } from 'vitest/config'

// The tests that exercise stdlib/ and compiler/ directly, for `npm run mutate`. Runtime, CLI
// and Docker suites reach the same code only through the engine and take minutes per run.
export default defineConfig({
  test: {
    include: [
      'test/stdlib/**/*.test.ts',
      'test/conformance/**/*.test.ts',
      'test/compiler/**/*.test.ts',
      'test/codegen/**/*.test.ts',
      'test/cedar/**/*.test.ts',
    ],
    // These start a TypeScript compiler or a child Node process per run; they check packaging
    // of generated modules, not what stdlib/ or compiler/ compute.
    exclude: ['test/codegen/declarations.test.ts', 'test/codegen/no-parser.test.ts', 'test/cedar/cli.test.ts', 'test/codegen/compile-cli.test.ts'],
    // Every surviving mutant reruns the property tests that cover it: fewer generated cases
    // keep a full run within hours on two cores (the example-based tests run in full).
    env: { SYMBI_PROPERTY_RUNS: process.env['SYMBI_PROPERTY_RUNS'] ?? '25' },
    // Stryker switches mutants at run time (one instrumented build), so test files can share
    // loaded modules: without isolation each run skips re-importing the engine per test file.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
