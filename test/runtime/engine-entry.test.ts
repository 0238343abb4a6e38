import { describe, expect, it } from 'vitest'
import type { Evaluator } from '../../compiler/evaluator.js'
import { createEngine } from '../../index.js'
import type { PlanTable } from '../../compiler/generate/plan.js'
import { engineEntry, type EntryTarget } from '../../runtime/engine-entry.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

const REQUEST = { principal: { id: 'alice' }, action: 'read', resource: { id: 'd' } } as AuthzRequest
const decision = (reason: string): Decision => ({ effect: 'deny', reason }) as unknown as Decision
const evaluator = (evaluate: (r: AuthzRequest) => Decision): Evaluator => ({ evaluate, version: 7 }) as unknown as Evaluator

describe('the engine entry', () => {
  const calls: string[] = []
  const slow = (_r: AuthzRequest, opts?: unknown): Decision => (calls.push(`slow ${JSON.stringify(opts)}`), decision('slow'))
  const failed = (e: unknown, version: number): Decision => decision(`failed ${String((e as Error).message)} at ${version}`)

  it('calls the target evaluator directly, and the shared path without one or with options', () => {
    const target: EntryTarget = { evaluator: undefined, plans: undefined }
    const evaluate = engineEntry(target, slow, failed)
    if (evaluate === undefined) throw new Error('code generation is allowed here')
    calls.length = 0
    expect(evaluate(REQUEST).reason).toBe('slow')
    target.evaluator = evaluator(() => decision('direct'))
    expect(evaluate(REQUEST).reason).toBe('direct')
    expect(evaluate(REQUEST, { explain: true }).reason).toBe('slow')
    expect(calls).toEqual(['slow undefined', 'slow {"explain":true}'])
  })

  it('denies through `failed` when an evaluator throws', () => {
    const target: EntryTarget = { evaluator: evaluator(() => { throw new Error('boom') }), plans: undefined }
    expect(engineEntry(target, slow, failed)?.(REQUEST).reason).toBe('failed boom at 7')
  })

  it('tries the plan function of the request’s action name, and takes the full path when it has none or it does not decide', () => {
    const seen: string[] = []
    const fast = (d: Decision | undefined, what: string) => ({ fn: () => (seen.push(what), d), K: [], D: [], B: [] })
    const entries = new Map<string, { fast: unknown }>([
      ['read', { fast: fast(decision('planned'), 'read') }],
      ['write', { fast: fast(undefined, 'write') }],
      ['list', { fast: null }],
      ['boom', { fast: { ...fast(undefined, 'boom'), fn: () => { throw new Error('getter') } } }],
    ])
    const actionOf = (r: AuthzRequest): string => {
      try {
        return String(r.action)
      } catch {
        return '(throws)'
      }
    }
    const plans = { entries, c: {}, full: (r: AuthzRequest) => (seen.push(`full ${actionOf(r)}`), decision('full')) } as unknown as PlanTable
    // The evaluator's own entry is not called when the plan functions are there.
    const evaluate = engineEntry({ evaluator: evaluator(() => decision('evaluator')), plans }, slow, failed)
    if (evaluate === undefined) throw new Error('code generation is allowed here')
    const at = (action: unknown) => evaluate({ ...REQUEST, action } as AuthzRequest).reason
    expect([at('read'), at('write'), at('list'), at('boom'), at('delete'), at({ name: 'read' })]).toEqual(['planned', 'full', 'full', 'full', 'full', 'full'])
    expect(seen).toEqual(['read', 'write', 'full write', 'full list', 'full boom', 'full delete', 'full [object Object]'])
    // A request whose action cannot be read goes to the full path, which denies it.
    const hostile = Object.defineProperty({}, 'action', { get: () => { throw new Error('no') } }) as AuthzRequest
    expect(evaluate(hostile).reason).toBe('full')
    expect(evaluate(null as unknown as AuthzRequest).reason).toBe('full')
    // A full path that throws is denied through `failed`.
    const broken = { ...plans, full: () => { throw new Error('broken') } } as unknown as PlanTable
    expect(engineEntry({ evaluator: evaluator(() => decision('evaluator')), plans: broken }, slow, failed)?.({ ...REQUEST, action: 'write' } as AuthzRequest).reason).toBe('failed broken at 7')
  })

  it('is made anew for every engine', () => {
    expect(engineEntry({ evaluator: undefined, plans: undefined }, slow, failed)).not.toBe(engineEntry({ evaluator: undefined, plans: undefined }, slow, failed))
  })
})

describe('an engine without a decision cache', () => {
  it('decides with the set it loaded last, and with the earlier one after a rollback', () => {
    const engine = createEngine()
    const request = { principal: { id: 'alice' }, action: 'read', resource: { id: 'd', kind: 'memo' } } as AuthzRequest
    expect(engine.evaluate(request).reason).toBe('no policy set is loaded')
    expect(engine.load([{ name: 'a.policy', source: 'policy a {\n  allow: read(doc)\n}' }]).ok).toBe(true)
    for (let i = 0; i < 3; i++) expect(engine.evaluate(request).effect).toBe('allow')
    expect(engine.load([{ name: 'b.policy', source: 'policy b {\n  allow: read(doc) if doc.kind == "report"\n}' }]).ok).toBe(true)
    for (let i = 0; i < 3; i++) expect(engine.evaluate(request)).toMatchObject({ effect: 'deny', version: 2 })
    expect(engine.rollback().ok).toBe(true)
    for (let i = 0; i < 3; i++) expect(engine.evaluate(request)).toMatchObject({ effect: 'allow', version: 3 })
    // Options take the shared path, with the same decision.
    expect(engine.evaluate(request, { explain: true }).effect).toBe('allow')
    // `evaluate` reads no `this`: taken off the engine, it still decides with the set loaded last.
    const { evaluate } = engine
    expect(evaluate(request)).toMatchObject({ effect: 'allow', version: 3 })
    expect(engine.load([{ name: 'c.policy', source: 'policy c {\n  deny: read(doc)\n}' }]).ok).toBe(true)
    for (let i = 0; i < 3; i++) expect(evaluate(request)).toMatchObject({ effect: 'deny', version: 4 })
  })
})
