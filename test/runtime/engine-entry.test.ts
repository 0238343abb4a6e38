import { describe, expect, it } from 'vitest'
import type { Evaluator } from '../../compiler/evaluator.js'
import { createEngine } from '../../index.js'
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
    const target: EntryTarget = { evaluator: undefined }
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
    const target: EntryTarget = { evaluator: evaluator(() => { throw new Error('boom') }) }
    expect(engineEntry(target, slow, failed)?.(REQUEST).reason).toBe('failed boom at 7')
  })

  it('is made anew for every engine', () => {
    expect(engineEntry({ evaluator: undefined }, slow, failed)).not.toBe(engineEntry({ evaluator: undefined }, slow, failed))
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
  })
})
