/**
 * The compiled evaluator's own machinery — verb index, plan cache, equality-conjunct blocks,
 * shared frozen decisions — checked against the reference interpreter on hand-picked requests
 * that target each mechanism.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, interpret, type PolicySet } from '../../compiler/index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 't.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

const reference = (set: PolicySet, req: AuthzRequest): Decision => interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })
const P = { id: 'alice' }

describe('plan cache', () => {
  it('cannot be poisoned by an action name that looks like name + groups', () => {
    const set = compile('policy p { allow: any  deny: read  deny: stats }')
    const e = createEvaluator(set, 1)
    const tricky: AuthzRequest = { principal: P, action: 'read\u0000stats' }
    const real: AuthzRequest = { principal: P, action: { name: 'read', groups: ['stats'] } }
    // A NUL is no longer a legal action name character (SEMANTICS.md §7): refused outright.
    expect(e.evaluate(tricky)).toMatchObject({ effect: 'deny', reason: expect.stringContaining('invalid request: action.name') })
    const trickyColon: AuthzRequest = { principal: P, action: 'read:stats' }
    expect(e.evaluate(trickyColon).effect).toBe('allow')
    // Before the fix both requests shared the NUL-joined key `read\0stats` and this was allowed.
    expect(e.evaluate(real)).toEqual(reference(set, real))
    expect(e.evaluate(real).effect).toBe('deny')
    const groupsTrick: AuthzRequest = { principal: P, action: { name: 'write', groups: ['a:read'] } }
    const groupsReal: AuthzRequest = { principal: P, action: { name: 'write', groups: ['a', 'read'] } }
    expect(e.evaluate(groupsTrick).effect).toBe('allow')
    expect(e.evaluate(groupsReal).effect).toBe('deny')
  })

  it('decides requests with huge names and group lists (planned, not cached) like the interpreter', () => {
    const set = compile('policy p { allow: any  deny: g77  deny: read if user.x == 1 }')
    const e = createEvaluator(set, 1)
    const groups = Array.from({ length: 50_000 }, (_, i) => `g${i}`)
    const reqs: AuthzRequest[] = [
      { principal: P, action: { name: 'write', groups } },
      { principal: P, action: { name: 'write', groups: groups.slice(100) } },
      { principal: P, action: `x${'y'.repeat(255)}` },
      { principal: P, action: `x${'y'.repeat(255)}` },
      // Past 256 characters a name is malformed (SEMANTICS.md §7).
      { principal: P, action: `x${'y'.repeat(100_000)}` },
    ]
    expect(reqs.map((r) => e.evaluate(r).effect)).toEqual(['deny', 'allow', 'allow', 'allow', 'deny'])
    for (const r of reqs) expect(e.evaluate(r)).toEqual(reference(set, r))
  })

  it('gives each action and group combination its own candidates', () => {
    const set = compile('policy p { allow: read  allow: stats  deny: heavy  allow: "tool::*" }')
    const e = createEvaluator(set, 1)
    const reqs: AuthzRequest[] = [
      { principal: P, action: 'read' },
      { principal: P, action: { name: 'count', groups: ['stats'] } },
      { principal: P, action: { name: 'count', groups: ['stats', 'heavy'] } },
      { principal: P, action: { name: 'count', groups: ['heavy', 'stats'] } },
      { principal: P, action: 'tool::x' },
      { principal: P, action: 'count' },
      { principal: P, action: 'read' },
    ]
    const effects = reqs.map((r) => e.evaluate(r).effect)
    expect(effects).toEqual(['allow', 'allow', 'deny', 'deny', 'allow', 'deny', 'allow'])
    for (const r of reqs) expect(e.evaluate(r)).toEqual(reference(set, r))
  })
})

describe('equality-conjunct blocks', () => {
  // Five consecutive rules on `doc.type`: the compiled evaluator turns them into one lookup.
  const src = `policy p {
    allow: read if doc.type == "T1" && doc.size < 5
    allow: read if doc.type == "T2"
    allow: read if doc.type == "T3" && user.level > 2
    allow: read if doc.type == 3
    allow: read if doc.type == true
    deny: read(d) if d.kind == "a" && d.x == 1
    deny: read(d) if d.kind == "b"
    deny: read(d) if d.kind == "c" && 1 / d.n > 0
    deny: read(d) if d.kind == "d"
  }`
  const set = compile(src)
  // The deny rules bind the resource: requests without one are denied (EVAL004), so the allow
  // cases carry a resource that no deny matches.
  const R = { id: 'r', kind: 'z' }
  const cases: [string, AuthzRequest, Decision['effect']][] = [
    ['bucket hit', { principal: P, action: 'read', resource: R, context: { doc: { type: 'T2' } } }, 'allow'],
    ['no resource for the binding denies', { principal: P, action: 'read', context: { doc: { type: 'T2' } } }, 'deny'],
    ['hit with false rest', { principal: P, action: 'read', context: { doc: { type: 'T1', size: 9 } } }, 'deny'],
    ['hit with erroring rest', { principal: P, action: 'read', context: { doc: { type: 'T3' } } }, 'deny'],
    ['miss', { principal: P, action: 'read', context: { doc: { type: 'T9' } } }, 'deny'],
    ['number never equals string', { principal: P, action: 'read', context: { doc: { type: '3' } } }, 'deny'],
    ['number bucket', { principal: P, action: 'read', resource: R, context: { doc: { type: 3 } } }, 'allow'],
    ['boolean bucket', { principal: P, action: 'read', resource: R, context: { doc: { type: true } } }, 'allow'],
    ['container value', { principal: P, action: 'read', context: { doc: { type: ['T2'] } } }, 'deny'],
    ['missing path evaluates every rule', { principal: P, action: 'read', context: { doc: {} } }, 'deny'],
    ['missing root', { principal: P, action: 'read', context: {} }, 'deny'],
    ['binder block hit', { principal: P, action: 'read', resource: { id: 'r', kind: 'b' }, context: { doc: { type: 'T2' } } }, 'deny'],
    ['binder block error', { principal: P, action: 'read', resource: { id: 'r', kind: 'c', n: 0 }, context: { doc: { type: 'T2' } } }, 'deny'],
    ['binder block miss', { principal: P, action: 'read', resource: { id: 'r', kind: 'z' }, context: { doc: { type: 'T2' } } }, 'allow'],
    ['binder from args', { principal: P, action: { name: 'read', args: [{ kind: 'd' }] }, context: { doc: { type: 'T2' } } }, 'deny'],
  ]
  for (const [name, req, effect] of cases) {
    it(name, () => {
      const e = createEvaluator(set, 1)
      const d = e.evaluate(req)
      expect(d.effect).toBe(effect)
      expect(d).toEqual(reference(set, req))
    })
  }

  it('reports the same errors as the interpreter when the path is missing', () => {
    const req: AuthzRequest = { principal: P, action: 'read', resource: { id: 'r', kind: 'z' }, context: { doc: {} } }
    const d = createEvaluator(set, 1).evaluate(req)
    expect(d.errors.map((x) => x.code)).toEqual(['EVAL105', 'EVAL105', 'EVAL105', 'EVAL105', 'EVAL105'])
  })
})

describe('shared decisions', () => {
  it('are frozen, so a caller cannot change what the next caller gets', () => {
    const set = compile('policy p { allow: read  deny: write }')
    const e = createEvaluator(set, 1)
    const a = e.evaluate({ principal: P, action: 'read' })
    expect(Object.isFrozen(a)).toBe(true)
    expect(Object.isFrozen(a.determining)).toBe(true)
    expect(() => (a.determining as unknown as unknown[]).push(1)).toThrow()
    expect(e.evaluate({ principal: P, action: 'read' }).determining).toHaveLength(1)
  })

  it('carry the version they were built with', () => {
    const set = compile('policy p { allow: read }')
    expect(createEvaluator(set, 41).evaluate({ principal: P, action: 'read' }).version).toBe(41)
    expect(createEvaluator(set, 42).evaluate({ principal: P, action: 'nope' }).version).toBe(42)
  })
})
