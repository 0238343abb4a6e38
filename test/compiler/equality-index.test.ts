/**
 * The equality index (compiler/compile-rules.ts `equalityOf`, compiler/evaluator.ts blocks): which
 * rules it indexes, and that a request decides the same with it as the reference interpreter
 * does — for every first-conjunct shape, for values that match a literal, match none, have
 * another type, or are missing.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, interpret } from '../../compiler/index.js'
import { createEngine } from '../../index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

function indexed(source: string): number {
  const e = createEngine({ evaluator: 'closures' })
  const r = e.load([{ name: 'p.policy', source }])
  expect(r.ok, JSON.stringify(r.files)).toBe(true)
  return e.stats.indexedRules
}

describe('which rules the equality index takes', () => {
  it.each([
    ['allow: read if principal.team == "a"', 1],
    ['deny: read if context.level == 3', 1],
    ['allow: read if context.flag == true', 1],
    ['allow: read if principal.team == "a" && principal.level > 2', 1],
    ['allow: read if (principal.team == "a" && principal.level > 2) && context.ok', 1],
    ['allow: read if resource.owner.team.name == "x"', 1],
    ['allow: send(to) if to.domain == "example.com"', 1],
    ['allow: send(_, to) if to.domain == "example.com"', 1],
    ['allow: [send(to), forward(to)] if to.domain == "example.com"', 1],
    // Not indexable: the rule would be skipped wrongly, or there is no single path.
    ['allow: read if principal.team != "a"', 0],
    ['allow: read if principal.level > 2', 0],
    ['allow: read if principal.team == null', 0],
    ['allow: read if principal.tags == ["a"]', 0],
    ['allow: read if "a" == principal.team', 0],
    ['allow: read if principal.team == principal.other', 0],
    ['allow: read if len(principal.team) == 1', 0],
    ['allow: read if principal.team == "a" || principal.admin', 0],
    ['allow: read if principal.admin && principal.team == "a"', 0],
    ['allow: read', 0],
    ['allow: [send(to), forward(_, to)] if to.domain == "example.com"', 0],
    ['allow: [send(to), read] if principal.team == "a"', 1],
    ['require: approval("boss") for read if principal.team == "a"', 0],
  ])('%s → %i', (rule, n) => {
    expect(indexed(`policy p {\n  ${rule}\n}`)).toBe(n)
  })
})

// Values a block must not select rules by: NaN and infinities (not policy values: every guard
// reading them errs, so no rule may be skipped), and records whose `k` is inherited or whose
// prototype is a class's (a guard's read errs on them too).
class Doc {
  constructor(readonly k: unknown) {}
}
const ODD: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
const VALUES: unknown[] = [1, 2, 0, -0, '1', 'a', 'b', true, false, null, [1], {}, undefined, ...ODD]

/** Argument-0 records with a `k` that is not the request's own: an inherited one, a class instance's. */
function notOwn(v: unknown): object[] {
  return [Object.create({ k: v }) as object, new Doc(v)]
}

function requests(path: 'context' | 'arg'): AuthzRequest[] {
  const out: AuthzRequest[] = []
  for (const v of VALUES) {
    const context = v === undefined ? {} : { k: v, rec: { k: v } }
    // The two paths of the mixed set disagree, so a block keyed by the wrong path would skip a rule that applies.
    const crossed = v === undefined ? {} : { k: v, rec: { k: v === 1 ? 2 : v === 'a' ? 'b' : 1 } }
    if (path === 'context') for (const action of ['read']) out.push({ principal: { id: 'p', team: 'a' }, action, context: crossed } as AuthzRequest)
    if (path === 'context') for (const action of ['read', 'Read', 'write']) out.push({ principal: { id: 'p', team: 'a' }, action, context } as AuthzRequest)
    else {
      for (const name of ['send', 'SEND']) for (const w of [undefined, 1, 2]) out.push({ principal: { id: 'p' }, action: { name, args: v === undefined ? [] : [{ k: v }] }, ...(w === undefined ? {} : { context: { k: w } }) } as AuthzRequest)
      if (v === undefined) continue
      // Argument 0 from the resource when the action names none; a second argument that disagrees
      // with the first (a block keyed by the wrong argument would skip a rule that applies).
      out.push({ principal: { id: 'p' }, action: 'send', resource: { id: 'r', k: v } } as AuthzRequest)
      out.push({ principal: { id: 'p' }, action: { name: 'send', args: [{ k: v }, { k: v === 1 ? 2 : 1 }] } } as AuthzRequest)
      out.push({ principal: { id: 'p' }, action: { name: 'send', args: [{ k: v === 1 ? 2 : 1 }, { k: v }] } } as AuthzRequest)
      for (const o of notOwn(v)) out.push({ principal: { id: 'p' }, action: { name: 'send', args: [o] } } as AuthzRequest)
    }
  }
  return out
}

/** Sets of at least four rules on one path (a block), with other rules around them. */
const SETS: [string, 'context' | 'arg'][] = [
  ['allow: read\n  deny: read if context.k == 1\n  deny: read if context.k == 2\n  deny: read if context.k == "a"\n  deny: read if context.k == true\n  deny: read if context.k == 0', 'context'],
  ['allow: read if context.k == 1\n  allow: read if context.k == "1"\n  allow: read if context.k == false\n  allow: read if context.k == 2 && principal.team == "a"\n  allow: write', 'context'],
  ['allow: read\n  deny: read if context.rec.k == "a"\n  deny: read if context.rec.k == "b"\n  deny: read if context.rec.k == 1\n  deny: read if context.rec.k == 2\n  deny: read if context.k == true', 'context'],
  ['allow: read\n  deny: read if context.k == 1\n  deny: read if context.k == 2\n  deny: read if context.k != 1\n  deny: read if context.k == "a"\n  deny: read if context.k == "b"', 'context'],
  ['allow: send\n  deny: send(m) if m.k == 1\n  deny: send(m) if m.k == 2\n  deny: send(m) if m.k == "a"\n  deny: send(m) if m.k == true\n  deny: send(m) if m.k == false', 'arg'],
  ['allow: send(m) if m.k == 1\n  allow: send(m) if m.k == 2\n  allow: send(m) if m.k == "b"\n  allow: send(m) if m.k == true && m.k != false', 'arg'],
  // Indexed rules on different paths next to each other: each path is its own block.
  ['allow: read\n  deny: read if context.k == 1\n  deny: read if context.rec.k == 2\n  deny: read if context.k == "a"\n  deny: read if context.rec.k == "b"\n  deny: read if context.k == true\n  deny: read if context.rec.k == 1', 'context'],
  ['allow: send\n  deny: send(m) if m.k == 1\n  deny: send if context.k == 1\n  deny: send(m) if m.k == 2\n  deny: send if context.k == 2\n  deny: send(m) if m.k == "a"', 'arg'],
  // Deny patterns naming two arguments: a request with fewer must evaluate every rule of the
  // block (each fails closed on the missing argument), whatever argument 0 holds.
  ['allow: send\n  deny: send(m, to) if m.k == 1\n  deny: send(m, to) if m.k == 2\n  deny: send(m) if m.k == "a"\n  deny: send(m, to) if m.k == true\n  deny: send(m) if m.k == false', 'arg'],
  // Keyed by argument 1: never by argument 0's value.
  ['allow: send\n  deny: send(_, to) if to.k == 1\n  deny: send(_, to) if to.k == 2\n  deny: send(_, to) if to.k == "a"\n  deny: send(_, to) if to.k == true\n  deny: send(_, to) if to.k == 0', 'arg'],
]

/** The set loaded into an engine of each evaluator kind, closures first. */
function bothEngines(source: string): ReturnType<typeof createEngine>[] {
  return (['closures', 'generated'] as const).map((evaluator) => {
    const e = createEngine({ evaluator })
    e.load([{ name: 'p.policy', source }])
    return e
  })
}

function essence(d: Decision): unknown {
  return { effect: d.effect, determining: d.determining.map((r) => `${r.policy}[${r.rule}]`), errors: d.errors.map((e) => e.code).sort() }
}

describe('decisions with the index equal the reference interpreter', () => {
  it.each(SETS)('%s', (rules, kind) => {
    const source = `policy p {\n  ${rules}\n}`
    const compiled = compilePolicySet([{ name: 'p.policy', source }])
    const set = compiled.value
    expect(set, JSON.stringify(compiled.files)).toBeDefined()
    if (set === undefined) return
    const engines = bothEngines(source)
    expect(engines[0]?.stats.indexedRules).toBeGreaterThanOrEqual(4)
    for (const req of requests(kind)) {
      const reference = essence(interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }))
      for (const e of engines) expect(essence(e.evaluate(req)), `${e.stats.evaluator} ${JSON.stringify(req)}`).toEqual(reference)
    }
  })
})

describe('a polluted Object.prototype', () => {
  it('does not lend a block its value: an attribute the request lacks is missing, not inherited', () => {
    const source = 'policy p {\n  allow: send\n  deny: send(m) if m.k == 1\n  deny: send(m) if m.k == 2\n  deny: send(m) if m.k == "a"\n  deny: send(m) if m.k == true\n}'
    const set = compilePolicySet([{ name: 'p.policy', source }]).value
    expect(set).toBeDefined()
    if (set === undefined) return
    const engines = bothEngines(source)
    const req: AuthzRequest = { principal: { id: 'p' }, action: { name: 'send', args: [{ j: 1 }] } }
    const proto = Object.prototype as Record<string, unknown>
    // Synchronous and restored at once: no other test can observe the pollution.
    proto['k'] = 2
    try {
      const reference = essence(interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }))
      expect(reference).toEqual({ effect: 'deny', determining: ['p[1]'], errors: ['EVAL105'] })
      for (const e of engines) expect(essence(e.evaluate(req)), e.stats.evaluator).toEqual(reference)
    } finally {
      delete proto['k']
    }
  })
})
