/**
 * Values that leave the engine in a decision — obligation and audit values — are read with the
 * same checks as values in guards (stdlib/read-value.ts): `-0` reads as `0`, and NaN or an
 * infinity at the path is an evaluation error, never a value in a decision. The member-read
 * shortcuts of the closures and of generated code must not hand back what `readValue` would not.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet } from '../../compiler/index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { agreeing } from './agreement.js'

const SOURCE = 'policy p { allow: read  require: [retain = principal.level, keep = principal.rec.n]  audit: { level: principal.level } }'

/** The decision every evaluator gives (agreement.ts: compared with Object.is, so -0 is not 0). */
function decide(req: AuthzRequest): Decision {
  const r = compilePolicySet([{ name: 'p.policy', source: SOURCE }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return agreeing(r.value).decide(req)
}

/** Every number a decision's conditions carry in their values. */
function carried(d: Decision): unknown[] {
  const out: unknown[] = []
  // The numbers under each condition's `value`, at any depth (an audit value may be a record).
  const walk = (v: unknown, inValue: boolean): void => {
    if (inValue && typeof v === 'number') out.push(v)
    if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, inValue || k === 'value')
  }
  walk(d.conditions, false)
  return out
}

describe('values carried out in decisions', () => {
  it('-0 is carried as 0, by every evaluator', () => {
    const d = decide({ principal: { id: 'p', level: -0, rec: { n: -0 } }, action: 'read' })
    expect(d.effect).toBe('allow_with_conditions')
    const values = carried(d)
    expect(values).toHaveLength(3)
    for (const v of values) expect(Object.is(v, 0), JSON.stringify(d)).toBe(true)
  })

  it('other numbers are carried as they are', () => {
    expect(carried(decide({ principal: { id: 'p', level: 2.5, rec: { n: -7 } }, action: 'read' }))).toEqual(expect.arrayContaining([2.5, -7]))
  })

  it('NaN and infinities are evaluation errors, not values', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const d = decide({ principal: { id: 'p', level: bad, rec: { n: bad } }, action: 'read' })
      expect(d.effect).toBe('deny')
      expect(d.errors.length).toBeGreaterThan(0)
      for (const v of carried(d)) expect(Number.isFinite(v as number) || typeof v !== 'number').toBe(true)
    }
  })
})
