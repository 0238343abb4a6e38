/**
 * Witnesses for surviving mutants: a small request on which the mutant decides differently
 * from the policies as written — the case the test file is missing. Generated requests come
 * first (fast-check shrinks a difference to a minimal request); when random requests miss a
 * narrow region (a deny that needs a channel, a classification and a verb at once), the test
 * file's own cases are varied one field at a time and the difference found is then shrunk by
 * removing fields while the mutant still decides differently.
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import type { Evaluator } from '../compiler/evaluator.js'
import type { AuthzRequest, Decision } from '../stdlib/decision.js'
import { requestArbitrary } from './arbitraries.js'
import { policyHints, type PolicyHints } from './hints.js'
import type { Mutant } from './mutants.js'
import type { PolicyTestFile } from './test-file.js'

/** A request the mutant decides differently, and both decisions in words. */
export interface Witness {
  readonly request: AuthzRequest
  readonly difference: { readonly original: string; readonly mutant: string }
}

/** Most case variations tried per mutant. */
const MAX_VARIATIONS = 20_000

/** Finds a witness, or undefined when neither generated requests nor varied cases tell the two apart. */
export function findWitness(test: PolicyTestFile, original: Evaluator, mutant: Evaluator, m: Mutant, hints: PolicyHints, runs: number, seed: number): Witness | undefined {
  // The mutant may name actions the original does not (a narrowed glob): generate those too.
  const extra = policyHints(m.set)
  const merged: PolicyHints = { ...hints, actions: union(hints.actions, extra.actions), strings: union(hints.strings, extra.strings) }
  const arbitraries = [requestArbitrary(test.schema, {}, { hints: merged }), ...test.properties.map((p) => requestArbitrary(test.schema, p.given, { hints: merged }))]
  // A different effect, conditions or approvers first; failing that, a different deciding rule
  // (a case's `determinedBy` or `reason` catches that: a deny from the wrong rule).
  for (const view of [observable, provenance]) {
    const differs = (req: AuthzRequest): boolean => !isDeepStrictEqual(view(original.evaluate(req)), view(mutant.evaluate(req)))
    const details = fc.check(fc.property(fc.oneof(...arbitraries), (req) => !differs(req)), { numRuns: runs, seed })
    const found = (details.failed ? details.counterexample?.[0] : undefined) ?? firstVariation(test, merged, differs)
    if (found === undefined) continue
    // fast-check shrinks values, not the fields the hints' shape added; drop those too. A smaller
    // request that only differs because a read now fails closed would show the wrong thing.
    const errorsOf = (req: AuthzRequest): number => original.evaluate(req).errors.length + mutant.evaluate(req).errors.length
    const budget = errorsOf(found)
    const request = shrink(found, (r) => differs(r) && errorsOf(r) <= budget)
    return { request, difference: { original: describe(original.evaluate(request)), mutant: describe(mutant.evaluate(request)) } }
  }
  return undefined
}

/** The observable outcome plus the rules that decided it. */
function provenance(d: Decision): unknown {
  return [observable(d), d.determining.map((r) => `${r.policy}[${r.rule}]`)]
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])]
}

/** What a test can observe and a reviewer cares about: effect, conditions, approvers. */
function observable(d: Decision): unknown {
  switch (d.effect) {
    case 'allow':
      return ['allow']
    case 'deny':
      return ['deny']
    case 'allow_with_conditions':
      return ['allow_with_conditions', d.conditions]
    case 'require_approval':
      return ['require_approval', d.approvers]
  }
}

function describe(d: Decision): string {
  switch (d.effect) {
    case 'allow':
      return 'allow'
    case 'deny':
      return `deny (${d.reason})`
    case 'allow_with_conditions':
      return `allow_with_conditions ${JSON.stringify(d.conditions.map((c) => (c.value === undefined ? c.name : { [c.name]: c.value })))}`
    case 'require_approval':
      return `require_approval (${d.approvers.join(', ')})`
  }
}

/** Where a case's values live; an action object's arguments and groups are varied too. */
const ROOTS = ['principal', 'resource', 'context', 'action'] as const

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** The cases' requests with the action, or one leaf value, replaced by values the policies mention. */
function* variationsOf(test: PolicyTestFile, hints: PolicyHints): Generator<AuthzRequest> {
  const actions = [...hints.actions, 'other_action']
  const pool: Json[] = [true, false, ...hints.numbers, ...hints.strings]
  for (const c of test.cases) {
    const req = c.request
    if (req === null || typeof req !== 'object' || Array.isArray(req)) continue
    const r = req as { [k: string]: Json }
    // The case's own values too: `a >= b` moves its boundary where b takes a's value.
    const own = ROOTS.flatMap((root) => leafPaths(r[root], []).map((path) => valueAt(r[root], path)))
    const values = [...new Map([...pool, ...own].map((v) => [JSON.stringify(v), v])).values()]
    for (const name of actions) {
      const action = r['action']
      const replaced = action !== null && typeof action === 'object' && !Array.isArray(action) ? { ...action, name } : name
      yield { ...r, action: replaced } as unknown as AuthzRequest
    }
    for (const root of ROOTS) {
      for (const path of leafPaths(r[root], [])) {
        if (root === 'action' && path[0] === 'name') continue
        for (const v of values) yield { ...r, [root]: setPath(r[root] as Json, path, v) } as unknown as AuthzRequest
      }
    }
  }
}

/** The first of at most MAX_VARIATIONS case variations that satisfies `differs`. */
function firstVariation(test: PolicyTestFile, hints: PolicyHints, differs: (r: AuthzRequest) => boolean): AuthzRequest | undefined {
  let tried = 0
  for (const v of variationsOf(test, hints)) {
    if (differs(v)) return v
    if (++tried >= MAX_VARIATIONS) return undefined
  }
  return undefined
}

/** Paths of scalar leaves (array elements included, as index strings), at most 5 deep. */
function leafPaths(v: Json | undefined, at: readonly string[]): string[][] {
  if (v === null || v === undefined || typeof v !== 'object' || at.length >= 5) return at.length === 0 ? [] : [[...at]]
  return Object.keys(v).flatMap((k) => leafPaths(child(v, k), [...at, k]))
}

function child(v: Json | undefined, k: string): Json | undefined {
  if (v === null || v === undefined || typeof v !== 'object') return undefined
  return Array.isArray(v) ? v[Number(k)] : Object.hasOwn(v, k) ? v[k] : undefined
}

function valueAt(v: Json | undefined, path: readonly string[]): Json {
  let cur = v
  for (const k of path) cur = child(cur, k)
  return cur ?? null
}

function setPath(v: Json, path: readonly string[], value: Json | undefined): Json {
  const [head, ...rest] = path
  if (head === undefined || v === null || typeof v !== 'object') return value ?? null
  if (Array.isArray(v)) {
    const i = Number(head)
    const next = rest.length === 0 ? value : setPath(v[i] as Json, rest, value)
    return next === undefined ? v.filter((_, j) => j !== i) : v.map((x, j) => (j === i ? next : x))
  }
  const out: { [k: string]: Json } = Object.create(null) as { [k: string]: Json }
  for (const k of Object.keys(v)) if (k !== head) out[k] = v[k] as Json
  const next = rest.length === 0 ? value : setPath(v[head] as Json, rest, value)
  if (next !== undefined) out[head] = next
  return { ...out }
}

/** Removes fields (deepest first, one at a time) while the request still tells the mutant apart. */
function shrink(request: AuthzRequest, differs: (r: AuthzRequest) => boolean): AuthzRequest {
  let cur = request as unknown as { [k: string]: Json }
  for (let changed = true; changed; ) {
    changed = false
    for (const root of ['resource', 'context', 'principal'] as const) {
      for (const path of allPaths(cur[root], []).sort((a, b) => b.length - a.length)) {
        if (root === 'principal' && path.length === 1 && path[0] === 'id') continue
        const candidate = { ...cur, [root]: setPath(cur[root] as Json, path, undefined) }
        if (differs(candidate as unknown as AuthzRequest)) {
          cur = candidate
          changed = true
        }
      }
      if (root !== 'principal' && cur[root] !== undefined) {
        const { [root]: _, ...without } = cur
        if (differs(without as unknown as AuthzRequest)) {
          cur = without
          changed = true
        }
      }
    }
  }
  return cur as unknown as AuthzRequest
}

function allPaths(v: Json | undefined, at: readonly string[]): string[][] {
  if (v === null || v === undefined || typeof v !== 'object') return at.length === 0 ? [] : [[...at]]
  const inner = Object.keys(v).flatMap((k) => allPaths(child(v, k), [...at, k]))
  return at.length === 0 ? inner : [[...at], ...inner]
}
