import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// examples/ carries verbatim copies of the seed's policies so that tests never depend on files
// outside the repository. When the seed folder is beside the checkout (sessions and CI), the
// copies must still match it.
// The seed beside the checkout, wherever the checkout is: `../shared` of the repository, else the
// workplace's own copy (CI clones into another folder on the same machine).
const SEED = [new URL('../../../shared/examples/', import.meta.url), new URL('file:///work/shared/examples/')].find((u) => existsSync(u)) ?? new URL('../../../shared/examples/', import.meta.url)
const FILES = ['data_flow_control.policy', 'resource_governance.policy', 'secure_data_access.policy', 'worker_no_delegate.cedar']

describe('seed copies in examples/', () => {
  it.each(FILES)('%s is present', (name) => {
    expect(existsSync(new URL(`../../examples/${name}`, import.meta.url))).toBe(true)
  })
  // Sessions and CI have the seed beside the checkout; in CI its absence is a failure, not a skip.
  it.skipIf(!existsSync(SEED) && process.env['CI'] !== 'true')('match the seed folder beside the checkout', () => {
    for (const name of FILES) {
      expect(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')).toBe(readFileSync(new URL(name, SEED), 'utf8'))
    }
  })
})
