import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests and Docker integration tests are slower than unit tests.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Node 20.20.2's V8 aborted test workers now and then ("Fatal error … unreachable code" in
    // Deoptimizer::DoComputeBuiltinContinuation: a lazy deoptimisation inside an inlined array
    // builtin), once in a full run and in 3 of 4 runs of the mutate suite; without that inlining
    // it has not happened (docs/mutation-testing.md). The flag changes how V8 compiles, not what
    // any code computes.
    execArgv: ['--no-turbo-inline-array-builtins'],
  },
})
