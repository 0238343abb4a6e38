/**
 * The decision cache is invisible: an engine with `decisionCache` returns exactly the decisions
 * of an engine without one, for random policy sets, random request streams with repeats and
 * reordered keys, and swaps in the middle of the stream.
 *
 * Runs: SYMBI_PROPERTY_RUNS / 10 (default 200).
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { policySet, request } from '../compiler/policy-arbitrary.js'

const RUNS = Math.max(20, Math.floor(Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 2000) / 10))
const LADDERS = { priority: ['low', 'medium', 'high'] }

/** The same request with every record's keys in reverse order. */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)]))
  return v
}

type Step = { kind: 'ask'; index: number; reorder: boolean } | { kind: 'swap' } | { kind: 'rollback' }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('ask' as const), index: fc.nat({ max: 4 }), reorder: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'swap' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rollback' as const }) },
)

describe('decision cache', () => {
  it(`never changes a decision (${RUNS} random streams)`, () => {
    fc.assert(
      fc.property(policySet, policySet, fc.array(request, { minLength: 5, maxLength: 5 }), fc.array(step, { minLength: 5, maxLength: 30 }), (first, second, pool, steps) => {
        const cached = createEngine({ ladders: LADDERS, decisionCache: { max: 3 } })
        const plain = createEngine({ ladders: LADDERS })
        const sets = [first, second].map((s) => s.map((source, i) => ({ name: `g${i}.policy`, source })))
        for (const e of [cached, plain]) expect(e.load(sets[0] as never).ok).toBe(true)
        let next = 1
        for (const s of steps) {
          if (s.kind === 'swap') {
            const src = sets[next % 2] as never
            next++
            expect(cached.load(src).version).toBe(plain.load(src).version)
          } else if (s.kind === 'rollback') {
            expect(cached.rollback()).toEqual(plain.rollback())
          } else {
            const base = pool[s.index] as AuthzRequest
            const req = (s.reorder ? reordered(base) : base) as AuthzRequest
            const a = cached.evaluate(req)
            const b = plain.evaluate(req)
            if (!isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))) {
              throw new Error(`cached ${JSON.stringify(a)}\nplain  ${JSON.stringify(b)}\nrequest ${JSON.stringify(req)}`)
            }
          }
        }
      }),
      { numRuns: RUNS },
    )
  }, 120_000)
})

describe('decision cache keys', () => {
  it('a record with a symbol key is not served the decision of the same record without it', () => {
    const e = createEngine({ decisionCache: true })
    expect(e.load([{ name: 'p.policy', source: 'policy p { allow: read if user == { a: 1 } }' }]).ok).toBe(true)
    const plain: AuthzRequest = { principal: { id: 'a' }, action: 'read', context: { user: { a: 1 } } }
    const withSymbol: AuthzRequest = { principal: { id: 'a' }, action: 'read', context: { user: Object.assign({ a: 1 }, { [Symbol('x')]: 1 }) } }
    expect(e.evaluate(plain).effect).toBe('allow')
    // Reading a record with a symbol key as a value is EVAL118 (SEMANTICS.md §5).
    expect(e.evaluate(withSymbol)).toMatchObject({ effect: 'deny', errors: [expect.objectContaining({ code: 'EVAL118' })] })
  })
})
