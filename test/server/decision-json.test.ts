import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../index.js'
import { deepFreeze } from '../../compiler/compile-rules.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { decisionJson, servedJson } from '../../server/decision-json.js'

const EXAMPLES = resolve(import.meta.dirname, '../../examples')
const sources = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.policy') || f.endsWith('.symbi'))
  .map((f) => ({ name: f, source: readFileSync(join(EXAMPLES, f), 'utf8') }))
const requests: AuthzRequest[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.test.json'))
  .flatMap((f) => (JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as { cases: { request: AuthzRequest }[] }).cases.map((c) => c.request))

const ID = '0b6f3a1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b'

describe('the service writes a decision as JSON.stringify({ ...decision, decisionId, approvalId }) would', () => {
  it('every seed example decision, with and without its trace and an approval id', () => {
    const engine = createEngine()
    expect(engine.load(sources).ok).toBe(true)
    expect(requests.length).toBeGreaterThan(20)
    const seen = new Set<string>()
    let frozen = 0
    for (const r of requests) {
      for (const d of [engine.evaluate(r), engine.evaluate(r, { explain: true })]) {
        seen.add(d.effect)
        if (Object.isFrozen(d)) frozen++
        expect(servedJson({ decision: d, decisionId: ID })).toBe(JSON.stringify({ ...d, decisionId: ID }))
        expect(servedJson({ decision: d, decisionId: ID, approvalId: 'a"\u2028' })).toBe(JSON.stringify({ ...d, decisionId: ID, approvalId: 'a"\u2028' }))
        // Twice: the second answer of a shared decision comes from the kept text.
        expect(decisionJson(d)).toBe(JSON.stringify(d))
      }
    }
    // The examples reach every effect, and shared (frozen) decisions as well as built ones.
    expect([...seen].sort()).toEqual(['allow', 'allow_with_conditions', 'deny', 'require_approval'])
    expect(frozen).toBeGreaterThan(0)
  })

  it('any decision-shaped object: undefined fields, odd numbers and strings, frozen and null-prototype references', () => {
    const text = fc.string({ unit: 'binary' })
    const ref = fc
      .record({ policy: text, rule: fc.integer(), kind: fc.constantFrom('allow', 'deny', 'require', 'audit'), span: fc.record({ start: fc.nat(), end: fc.nat() }), source: fc.option(text, { nil: undefined }) })
      .chain((r) => fc.constantFrom<object>(r, deepFreeze({ ...r }), deepFreeze(Object.assign(Object.create(null) as object, r))))
    const decision = fc.record(
      {
        effect: fc.constantFrom('allow', 'deny', 'allow_with_conditions', 'require_approval'),
        reason: text,
        conditions: fc.array(fc.record({ kind: text, name: text, value: fc.jsonValue() })),
        approver: text,
        determining: fc.array(ref, { maxLength: 4 }),
        errors: fc.array(fc.record({ code: text, message: text })),
        version: fc.oneof(fc.integer(), fc.double()),
        trace: fc.option(fc.array(fc.record({ rule: ref, outcome: text })), { nil: undefined }),
        extra: fc.constantFrom(undefined, () => 1, Symbol('s'), Number.NaN, -0, null),
      },
      { requiredKeys: ['effect'] },
    )
    fc.assert(
      fc.property(decision, fc.boolean(), fc.option(text, { nil: undefined }), (d, freeze, approvalId) => {
        const decided = (freeze ? deepFreeze(d) : d) as unknown as Decision
        const served = approvalId === undefined ? { decision: decided, decisionId: ID } : { decision: decided, decisionId: ID, approvalId }
        expect(servedJson(served)).toBe(JSON.stringify({ ...decided, decisionId: ID, ...(approvalId === undefined ? {} : { approvalId }) }))
      }),
    )
  })
})
