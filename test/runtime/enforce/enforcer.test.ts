import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Enforcer, ForbiddenError, checkDecision, decideSafely } from '../../../runtime/enforce/index.js'
import { MemorySink, RUNS, allow, decider, deny, withConditions } from './helpers.js'

const request = { principal: { id: 'u1' }, action: 'read', resource: { id: 'doc-1' } }
const point = { point: 'resource_access' as const, agentId: 'u1', request }

describe('Enforcer', () => {
  it('audits the decision before the guarded operation runs', async () => {
    const order: string[] = []
    const audit = { append: async () => void order.push('audit') }
    const e = new Enforcer({ decider: decider(() => (order.push('decide'), allow())), audit })
    const r = await e.guard(point, () => (order.push('run'), 42))
    expect(order).toEqual(['decide', 'audit', 'run'])
    expect(r.value).toBe(42)
    expect(r.conditions).toEqual([])
  })

  it('allow_with_conditions runs and returns the conditions; audit conditions go into the event', async () => {
    const conditions = [
      { kind: 'obligation' as const, name: 'differential_privacy' },
      { kind: 'audit' as const, name: 'audit_trail', value: 'detailed', modifiers: ['digital_signature'] },
    ]
    const sink = new MemorySink()
    const r = await new Enforcer({ decider: decider(() => withConditions(conditions)), audit: sink }).guard(point, () => 'ok')
    expect(r.value).toBe('ok')
    expect(r.conditions).toEqual(conditions)
    const details = sink.events[0]?.details
    expect(details?.['effect']).toBe('allow_with_conditions')
    expect(details?.['audit_conditions']).toEqual([{ kind: 'audit', name: 'audit_trail', value: 'detailed', modifiers: ['digital_signature'] }])
  })

  it('a deny is audited with its reason and determining rules, and thrown as ForbiddenError', async () => {
    const sink = new MemorySink()
    const d = { ...deny('requirement not met: session.mfa'), determining: [{ policy: 'p', rule: 2, kind: 'require' as const, span: { start: 0, end: 1 } }] }
    const err = await new Enforcer({ decider: decider(() => d), audit: sink }).authorize(point).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(ForbiddenError)
    const f = err as ForbiddenError
    expect([f.action, f.resource, f.reason, f.point]).toEqual(['read', 'doc-1', 'requirement not met: session.mfa', 'resource_access'])
    expect(f.decision).toEqual(d)
    expect(sink.events).toHaveLength(1)
    expect(sink.events[0]?.details).toMatchObject({ effect: 'deny', reason: 'requirement not met: session.mfa', determining: [{ policy: 'p', rule: 2, kind: 'require' }] })
  })

  it('the timeout is configurable and an answer inside it is used', async () => {
    const slow = decider(() => new Promise((r) => setTimeout(() => r(allow()), 40)))
    await expect(new Enforcer({ decider: slow, audit: new MemorySink(), timeoutMs: 10 }).authorize(point)).rejects.toThrow(/timed out after 10 ms/)
    await expect(new Enforcer({ decider: slow, audit: new MemorySink(), timeoutMs: 500 }).authorize(point)).resolves.toMatchObject({ decision: { effect: 'allow' } })
  })

  it('rejects a nonsensical timeout at construction', () => {
    expect(() => new Enforcer({ decider: undefined, audit: undefined, timeoutMs: 0 })).toThrow(RangeError)
    expect(() => new Enforcer({ decider: undefined, audit: undefined, timeoutMs: Number.NaN })).toThrow(RangeError)
  })

  it('an error thrown by the guarded operation itself propagates unchanged (it is not a policy outcome)', async () => {
    const e = new Enforcer({ decider: decider(allow), audit: new MemorySink() })
    await expect(e.guard(point, () => { throw new Error('io failed') })).rejects.toThrow('io failed')
  })
})

describe('decision shape', () => {
  it('accepts the four shapes and defaults the explanatory fields', () => {
    expect(checkDecision({ effect: 'allow' })).toEqual({ effect: 'allow', determining: [], errors: [], version: 0 })
    expect(checkDecision({ effect: 'require_approval', approver: 'sup' })).toMatchObject({ approvers: ['sup'] })
  })
  it('never throws on hostile input', async () => {
    const hostile = [undefined, 0, [], { effect: null }, { effect: 'deny', reason: 5 }, { effect: 'allow', determining: 'x' }, { effect: 'allow', errors: {} }, { effect: 'require_approval', approver: 'a', approvers: [1] }]
    for (const h of hostile) {
      expect(typeof checkDecision(h)).toBe('string')
      expect((await decideSafely(decider(() => h), request)).effect).toBe('deny')
    }
  })

  it('property: any answer is either a well-formed decision or a deny; nothing permits by accident', async () => {
    const effect = fc.constantFrom('allow', 'deny', 'allow_with_conditions', 'require_approval', 'ALLOW', 'permit', '')
    const answer = fc.oneof(fc.anything(), fc.record({ effect, reason: fc.anything(), conditions: fc.anything(), approver: fc.anything(), approvers: fc.anything(), version: fc.anything() }, { requiredKeys: ['effect'] }))
    await fc.assert(
      fc.asyncProperty(answer, fc.boolean(), async (a, async) => {
        const d = await decideSafely(decider(() => (async ? Promise.resolve(a) : a)), request)
        const checked = checkDecision(a)
        if (typeof checked === 'string') expect(d).toMatchObject({ effect: 'deny', reason: `malformed decision: ${checked}`, version: -1 })
        else expect(d).toEqual(checked)
        if (d.effect === 'allow' || d.effect === 'allow_with_conditions') expect((a as { effect: string }).effect).toBe(d.effect)
      }),
      { numRuns: RUNS * 3 },
    )
  })
})
