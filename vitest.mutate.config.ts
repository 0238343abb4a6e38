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
    // `isolate: false` (test files share loaded modules; Stryker switches mutants at run time, so
    // that is sound) runs the mutants about twice as fast. Node 20.20.2's V8 then aborted
    // intermittently ("Fatal error … unreachable code" in
    // Deoptimizer::DoComputeBuiltinContinuation, 3 of 4 runs of this suite on 2026-12-04): a lazy
    // deoptimisation inside an array builtin (map/forEach/every …) that TurboFan inlined. Without
    // that inlining the suite passed 5 of 5 runs. Stryker runs this suite in worker threads, which
    // share their process's V8 flags, so the flag is set in stryker.config.mjs
    // (`testRunnerNodeArgs`); run it directly as
    // `node --no-turbo-inline-array-builtins node_modules/.bin/vitest run -c vitest.mutate.config.ts`.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
