/**
 * The type tests (every `api-types.test.ts` under test/) are checked by `tsc -p tsconfig.typetest.json`
 * inside `npm test`; vitest alone does not type-check, so on dbb8d23 a wrong `expectTypeOf`
 * passed. This shows the checker with that configuration rejects a wrong expectation and
 * accepts the right one.
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

/** Runs the compiler with tsconfig.typetest.json's settings on one fixture. */
function check(name: 'wrong' | 'right'): { status: number | null; out: string } {
  const config = join(ROOT, `test/package/fixtures/type-tests/tsconfig.${name}.json`)
  const r = spawnSync(process.execPath, [TSC, '-p', config], { encoding: 'utf8', timeout: 120_000 })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

describe('type tests can fail', () => {
  it('a wrong expectTypeOf is a compile error', () => {
    const r = check('wrong')
    expect(r.status).not.toBe(0)
    expect(r.out).toMatch(/wrong\.ts\(5,/)
    expect(r.out).toMatch(/wrong\.ts\(6,/)
  })

  it('the same checks, correct, compile', () => {
    const r = check('right')
    expect(r.out).toBe('')
    expect(r.status).toBe(0)
  })

  it('npm test runs the type tests', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> }
    expect(pkg.scripts['test']).toContain('tsc -p tsconfig.typetest.json')
  })
})
