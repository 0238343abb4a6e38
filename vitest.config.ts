import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests and Docker integration tests are slower than unit tests.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
