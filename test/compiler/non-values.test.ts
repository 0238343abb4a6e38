/**
 * Issue 9 item 2 (SEMANTICS.md §5): reading an attribute whose value is not a policy value —
 * undefined, NaN, ±Infinity, a function, a bigint, a symbol, a Date, a class instance — is an
 * error in every evaluator, so a deny that reads it fires (fails closed). On the old code
 * `deny: read if user.banned == true` with `user = { banned: undefined }` was an allow.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, interpret } from '../../compiler/index.js'
import type { PolicySet } from '../../compiler/pipeline.js'
import { createEngine } from '../../index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { importModule } from '../codegen/helpers.js'

class Row {
  constructor(readonly banned: boolean) {}
}

/** Non-values as embedder code produces them. */
const NON_VALUES: readonly [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['a function', () => () => true],
  ['a bigint', () => 1n],
  ['a symbol', () => Symbol('x')],
  ['a Date', () => new Date(0)],
  ['a Map', () => new Map([['banned', true]])],
  ['a class instance', () => new Row(true)],
  ['an array holding undefined', () => [true, undefined]],
  ['an array holding NaN', () => [NaN]],
  ['a record holding a function', () => ({ x: () => 1 })],
]

const POLICIES: readonly [string, string][] = [
  ['equality', 'policy p {\n allow: read\n deny: read if user.banned == true\n}'],
  ['inequality', 'policy p {\n allow: read\n deny: read if user.banned != false\n}'],
  ['membership', 'policy p {\n allow: read\n deny: read if true in user.banned\n}'],
  ['builtin', 'policy p {\n allow: read\n deny: read if user.banned.contains(true)\n}'],
  ['ordering', 'policy p {\n allow: read\n deny: read if user.banned > 0\n}'],
  ['negated', 'policy p {\n allow: read\n deny: read if !(user.banned == false)\n}'],
  ['indexed block', `policy p {\n allow: read\n${Array.from({ length: 6 }, (_, i) => ` deny: read if user.banned == ${i} && user.x == 1`).join('\n')}\n}`],
]

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

function request(banned: unknown): AuthzRequest {
  return { principal: { id: 'alice' }, action: 'read', context: { user: { banned, x: 1 } as never } }
}

function decideAll(set: PolicySet, req: AuthzRequest): Record<string, Decision> {
  return {
    interpreter: interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }),
    compiled: createEvaluator(set, 1).evaluate(req),
  }
}

describe('non-values are read as errors (SEMANTICS.md §5)', () => {
  for (const [policyName, source] of POLICIES) {
    const set = compile(source)
    for (const [valueName, make] of NON_VALUES) {
      it(`${policyName}: a deny reading ${valueName} denies with EVAL118 in the interpreter and the compiled evaluator`, () => {
        const ds = decideAll(set, request(make()))
        for (const [who, d] of Object.entries(ds)) {
          expect(d.effect, who).toBe('deny')
          expect(d.errors.map((e) => e.code), who).toContain('EVAL118')
        }
        expect(ds['compiled']).toEqual(ds['interpreter'])
      })
    }
  }

  it('the engine and explain deny too, and explain names the error', () => {
    const engine = createEngine()
    expect(engine.load([{ name: 'p.policy', source: POLICIES[0]?.[1] as string }]).ok).toBe(true)
    for (const [name, make] of NON_VALUES) {
      expect(engine.evaluate(request(make())).effect, name).toBe('deny')
      const explained = engine.evaluate(request(make()), { explain: true })
      expect(explained.effect, name).toBe('deny')
      expect(explained.trace?.some((s) => s.outcome === 'error'), name).toBe(true)
    }
  })

  it('a compiled module denies too', async () => {
    const sources = [{ name: 'p.policy', source: POLICIES[0]?.[1] as string }]
    const engine = createEngine()
    expect(engine.load(sources).ok).toBe(true)
    const { module } = await importModule(engine, sources)
    for (const [name, make] of NON_VALUES) expect(module.evaluate(request(make())).effect, name).toBe('deny')
  })

  it('plain values still decide as before; -0 reads as 0; an unread non-value sibling is no error', () => {
    const set = compile('policy p {\n allow: read if user.n == 0\n deny: read if user.banned == true\n}')
    const base = { principal: { id: 'alice' }, action: 'read' }
    const ok = (user: unknown): Decision => createEvaluator(set, 1).evaluate({ ...base, context: { user: user as never } })
    expect(ok({ banned: false, n: -0 }).effect).toBe('allow')
    expect(ok({ banned: false, n: 0, unread: undefined, also: () => 1 }).effect).toBe('allow')
    expect(ok({ banned: true, n: 0 }).effect).toBe('deny')
    // A Date as the base of a read is not a record: the deny errors and so denies.
    expect(ok(new Date(0)).effect).toBe('deny')
  })

  it('property: wherever a non-value sits on a path a deny reads, every evaluator denies', () => {
    const set = compile('policy p {\n allow: read\n deny: read if user.a.b == 1\n}')
    const evaluator = createEvaluator(set, 1)
    const nonValue = fc.constantFrom(...NON_VALUES.map(([, make]) => make))
    fc.assert(
      fc.property(nonValue, fc.constantFrom('user', 'a', 'b'), (make, where) => {
        const v = make()
        const user = where === 'user' ? v : where === 'a' ? { a: v } : { a: { b: v } }
        const req: AuthzRequest = { principal: { id: 'alice' }, action: 'read', context: { user: user as never } }
        const i = interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })
        const c = evaluator.evaluate(req)
        return i.effect === 'deny' && c.effect === 'deny' && JSON.stringify(i) === JSON.stringify(c)
      }),
      { numRuns: 300 },
    )
  })

  it('an undefined action argument is a malformed request, not a pattern that quietly fails to match', () => {
    const set = compile('policy p {\n allow: export\n deny: export(data) if data.contains_pii\n}')
    const d = createEvaluator(set, 1).evaluate({ principal: { id: 'a' }, action: { name: 'export', args: [undefined as never] } })
    expect(d.effect).toBe('deny')
    expect(d.effect === 'deny' && d.reason).toContain('action.args[0]')
    // eslint-disable-next-line no-sparse-arrays
    const holes = createEvaluator(set, 1).evaluate({ principal: { id: 'a' }, action: { name: 'export', args: [, { contains_pii: true }] as never } })
    expect(holes.effect).toBe('deny')
  })
})
