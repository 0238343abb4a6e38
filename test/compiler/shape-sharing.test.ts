import { describe, expect, it } from 'vitest'
import { compilePolicySet } from '../../compiler/pipeline.js'
import { compileSet, createEvaluator } from '../../compiler/evaluator.js'
import { interpret } from '../../compiler/interpreter.js'
import type { AuthzRequest } from '../../stdlib/decision.js'

// Rules whose guards differ only in literals share one closure tree and read their literals from
// their own constant table; anything else about the guard keeps them apart.
function load(source: string) {
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

const req = (ctx: Record<string, unknown>): AuthzRequest => ({ principal: { id: 'p' }, action: 'read', context: ctx as never })

describe('guard shape sharing', () => {
  it('shares closures between rules that differ only in literals, and each rule keeps its own literals', () => {
    const set = load(`policy p {
      allow: read if a.x == "one" && a.n > 1
      allow: read if a.x == "two" && a.n > 5
      allow: read if a.y == "one" && a.n > 1
    }`)
    const rules = compileSet(set)
    expect(rules[0]?.guard).toBe(rules[1]?.guard)
    expect(rules[0]?.guard).not.toBe(rules[2]?.guard)
    expect(rules[0]?.k).toEqual(['one', 1])
    expect(rules[1]?.k).toEqual(['two', 5])
    const ev = createEvaluator(set, 1)
    const opts = { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }
    for (const ctx of [{ a: { x: 'two', n: 3 } }, { a: { x: 'two', n: 6 } }, { a: { x: 'one', n: 2, y: 'z' } }, { a: { y: 'one', n: 2 } }]) {
      expect(ev.evaluate(req(ctx))).toEqual(interpret(set.checked, req(ctx), opts))
    }
    expect(ev.evaluate(req({ a: { x: 'two', n: 3 } })).effect).toBe('deny')
    expect(ev.evaluate(req({ a: { x: 'two', n: 6 } })).effect).toBe('allow')
  })

  it('does not share between guards whose sub-expressions differ (call arguments, record fields)', () => {
    const set = load(`policy p {
      allow: read if a.xs.contains(a.y)
      allow: read if a.xs.contains(a.z)
    }`)
    const rules = compileSet(set)
    expect(rules[0]?.guard).not.toBe(rules[1]?.guard)
  })
})
