import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileToCedar, OBLIGATION_PROBE } from '../../compiler/cedar/index.js'
import { compilePolicySet, interpret } from '../../compiler/index.js'
import { CedarPolicyError, CedarPolicyGate, PROBE_KEY, toCedarRequest } from '../../runtime/cedar-gate/index.js'
import { DeciderPolicyGate, Enforcer } from '../../runtime/enforce/index.js'
import type { AuditInput, AuditSink } from '../../runtime/audit-sink.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { duration } from '../../stdlib/value.js'

const WORKER = readFileSync(new URL('../../examples/worker_no_delegate.cedar', import.meta.url), 'utf8')

const req = (principal: string, action: string, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({ principal: { id: principal }, action, ...extra })

function reasonOf(d: Decision): string {
  return d.effect === 'deny' ? d.reason : ''
}

describe('CedarPolicyGate', () => {
  it('worker_no_delegate.cedar under allowByDefault: denies delegate by the worker, allows everything else', () => {
    const gate = CedarPolicyGate.allowByDefault(WORKER)
    const d = gate.evaluate(req('worker', 'delegate', { resource: { id: 'helper' } }))
    expect(d.effect).toBe('deny')
    expect(d.determining.map((r) => r.policy)).toEqual(['policy0'])
    expect(gate.evaluate(req('worker', 'respond')).effect).toBe('allow')
    expect(gate.evaluate(req('manager', 'delegate')).effect).toBe('allow')
    expect(gate.evaluate(req('worker', 'delegate_later')).effect).toBe('allow')
    // The principal type matters: a `User` named worker is not `Agent::"worker"`.
    expect(gate.evaluate({ principal: { id: 'worker', type: 'User' }, action: 'delegate' }).effect).toBe('allow')
  })

  it('denyByDefault without a permit denies everything', () => {
    const gate = CedarPolicyGate.denyByDefault(WORKER)
    for (const r of [req('worker', 'delegate'), req('worker', 'respond'), req('manager', 'delegate')]) {
      const d = gate.evaluate(r)
      expect(d.effect).toBe('deny')
    }
    expect(reasonOf(gate.evaluate(req('manager', 'read')))).toBe('no Cedar permit matched')
  })

  it('denyByDefault allows what a permit allows unless a forbid matches', () => {
    const gate = CedarPolicyGate.denyByDefault(`${WORKER}\n@id("all-agents") permit (principal is Agent, action, resource);`)
    expect(gate.evaluate(req('manager', 'delegate')).effect).toBe('allow')
    expect(gate.evaluate(req('manager', 'delegate')).determining.map((r) => r.policy)).toEqual(['all-agents'])
    expect(gate.evaluate(req('worker', 'delegate')).effect).toBe('deny')
    expect(gate.evaluate({ principal: { id: 'bob', type: 'User' }, action: 'read' }).effect).toBe('deny')
  })

  it('a forbid that fails to evaluate denies (in both modes); a failing permit only fails to permit', () => {
    const text = '@id("f") forbid (principal, action == Action::"read", resource) when { context.level > 3 };\n@id("p") permit (principal, action, resource) when { context.ok };'
    for (const gate of [CedarPolicyGate.allowByDefault(text), CedarPolicyGate.denyByDefault(text)]) {
      const d = gate.evaluate(req('a', 'read', { context: { ok: true } }))
      expect(d.effect).toBe('deny')
      expect(reasonOf(d)).toContain('could not be evaluated')
      expect(d.errors.map((e) => e.rule.policy)).toEqual(['f'])
    }
    const lenient = CedarPolicyGate.allowByDefault(text).evaluate(req('a', 'write'))
    expect(lenient.effect).toBe('allow')
    expect(lenient.errors.map((e) => e.rule.policy)).toEqual(['p'])
    expect(CedarPolicyGate.denyByDefault(text).evaluate(req('a', 'write')).effect).toBe('deny')
  })

  it('reload is all or nothing: bad text throws and the old set keeps serving', () => {
    const gate = CedarPolicyGate.allowByDefault(WORKER)
    expect(gate.currentVersion).toBe(1)
    for (const bad of ['forbid (principal, action, resource', 'permit (principal, action, resource) when { 1 + };', '@id("a") permit (principal, action, resource);\n@id("a") forbid (principal, action, resource);', 'permit (principal == ?principal, action, resource);']) {
      expect(() => gate.reload(bad)).toThrow(CedarPolicyError)
      expect(gate.currentVersion).toBe(1)
      expect(gate.evaluate(req('worker', 'delegate')).effect).toBe('deny')
      expect(gate.evaluate(req('worker', 'respond')).effect).toBe('allow')
    }
    gate.reload('forbid (principal, action == Action::"respond", resource);')
    expect(gate.currentVersion).toBe(2)
    expect(gate.evaluate(req('worker', 'delegate')).effect).toBe('allow')
    expect(gate.evaluate(req('worker', 'respond')).effect).toBe('deny')
    expect(gate.evaluate(req('worker', 'respond')).version).toBe(2)
  })

  it('gates are isolated from one another (each has its own preparsed set)', () => {
    const a = CedarPolicyGate.allowByDefault(WORKER)
    const b = CedarPolicyGate.allowByDefault('forbid (principal, action == Action::"respond", resource);')
    expect(a.evaluate(req('worker', 'delegate')).effect).toBe('deny')
    expect(b.evaluate(req('worker', 'delegate')).effect).toBe('allow')
    b.reload(WORKER)
    a.reload('forbid (principal, action, resource);')
    expect(b.evaluate(req('worker', 'respond')).effect).toBe('allow')
    expect(a.evaluate(req('worker', 'respond')).effect).toBe('deny')
  })

  it('bad policy text is refused at construction', () => {
    expect(() => CedarPolicyGate.denyByDefault('garbage')).toThrow(CedarPolicyError)
    expect(() => CedarPolicyGate.allowByDefault(42 as unknown as string)).toThrow(CedarPolicyError)
  })

  it('denies every request it cannot map, even under allowByDefault', () => {
    const gate = CedarPolicyGate.allowByDefault('forbid (principal, action == Action::"never", resource);')
    const garbage: unknown[] = [
      null, 42, {}, { principal: {}, action: 'read' }, { principal: { id: 7 }, action: 'read' }, { principal: { id: 'a' } },
      { principal: { id: 'a' }, action: 5 }, { principal: { id: 'a' }, action: '' }, { principal: { id: 'a', type: 'not a type' }, action: 'read' },
      { principal: { id: 'a' }, action: 'read', context: { x: null } }, { principal: { id: 'a' }, action: 'read', context: { x: 1.5 } },
      { principal: { id: 'a' }, action: 'read', context: { x: 2 ** 60 } }, { principal: { id: 'a' }, action: 'read', context: { x: '\ud800' } },
      { principal: { id: 'a' }, action: 'read', context: { x: { __entity: { type: 'Agent', id: 'root' } } } },
      { principal: { id: 'a' }, action: 'read', context: { principal: { id: 'root' } } }, { principal: { id: 'a' }, action: 'read', context: { [PROBE_KEY]: true } },
      { principal: { id: 'a' }, action: { name: 'read', args: [{ id: 'x' }] } }, { principal: { id: 'a' }, action: { name: 'read', args: [{ id: 'x' }] }, resource: { id: 'y' } },
      { principal: { id: 'a' }, action: 'read', resource: 'file' }, { principal: { id: 'a' }, action: 'read', resource: { name: 'no id' } },
      { principal: { id: 'read', type: 'Action' }, action: 'read' }, { principal: { id: 'a' }, action: 'read', resource: { id: '', type: 'Symbi::NoResource' } },
      { principal: { id: 'a' }, action: 'read', context: 'ctx' }, { principal: { id: 'a' }, action: 'read', context: { approvals: 'boss' } },
      { principal: { id: 'a' }, action: 'read', context: { approvals: [{ who: 'boss' }] } },
      { principal: { id: 'a' }, action: 'read', context: { tags: Array.from({ length: 100_001 }, () => 'x') } },
      { principal: { id: 'a', bio: 'x'.repeat(100_001) }, action: 'read' }, { principal: { id: 'a' }, action: { name: 'read', groups: [1] } },
    ]
    for (const g of garbage) {
      const d = gate.evaluate(g as AuthzRequest)
      expect(d.effect, JSON.stringify(g)).toBe('deny')
      expect(reasonOf(d)).toMatch(/^invalid request for Cedar/)
    }
  })

  it('maps requests as documented', () => {
    const m = toCedarRequest({
      principal: { id: 'w', role: 'admin' }, action: { name: 'read', groups: ['data_ops'] }, resource: { id: 'doc', type: 'Ns::File', tags: ['a'] },
      context: { ttl: duration(5000), n: 3 },
    })
    expect(m.principal).toEqual({ type: 'Agent', id: 'w' })
    expect(m.action).toEqual({ type: 'Action', id: 'read' })
    expect(m.resource).toEqual({ type: 'Ns::File', id: 'doc' })
    expect(m.context).toEqual({ ttl: { __extn: { fn: 'duration', arg: '5000ms' } }, n: 3, symbi_fold: { action: 'read', groups: ['data_ops'], principal: 'w' } })
    expect(m.entities).toEqual([
      { uid: { type: 'Action', id: 'read' }, attrs: { name: 'read' }, parents: [{ type: 'Action', id: 'data_ops' }] },
      { uid: { type: 'Action', id: 'data_ops' }, attrs: { name: 'data_ops' }, parents: [] },
      { uid: { type: 'Agent', id: 'w' }, attrs: { id: 'w', role: 'admin' }, parents: [] },
      { uid: { type: 'Ns::File', id: 'doc' }, attrs: { id: 'doc', type: 'Ns::File', tags: ['a'] }, parents: [] },
    ])
    expect(toCedarRequest({ principal: { id: 'w' }, action: 'read' }).resource).toEqual({ type: 'Symbi::NoResource', id: '' })
    expect(PROBE_KEY).toBe(OBLIGATION_PROBE)
  })

  it('carries obligations and audits of compiled policies as conditions, as our engine does', () => {
    const source = 'policy p {\n  allow: [read, aggregate]\n  require: differential_privacy for aggregate\n  require: [mask_pii] if user.pii == true\n  audit: all_operations with digital_signature\n}\n'
    const set = compilePolicySet([{ name: 'p.policy', source }]).value
    if (set === undefined) throw new Error('does not compile')
    const gate = CedarPolicyGate.denyByDefault(compileToCedar(set).text)
    let withConditions = 0
    for (const r of [
      req('a', 'aggregate', { context: { user: { pii: true } } }), req('a', 'read', { context: { user: { pii: false } } }), req('a', 'read', { context: { user: { pii: true } } }),
      req('a', 'write', { context: { user: { pii: true } } }), req('a', 'read', { context: { user: {} } }),
    ]) {
      const ours = interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })
      const cedar = gate.evaluate(r)
      expect(cedar.effect, JSON.stringify(r)).toBe(ours.effect)
      if (ours.effect === 'allow_with_conditions' && cedar.effect === 'allow_with_conditions') {
        const names = (d: typeof ours): string[] => (d.effect === 'allow_with_conditions' ? d.conditions.map((c) => `${c.kind}:${c.name}:${(c.modifiers ?? []).join(',')}`).sort() : [])
        expect(names(cedar)).toEqual(names(ours))
        withConditions++
      }
    }
    expect(withConditions).toBe(3)
  })

  it('implements the reasoning loop PolicyGate directly and through DeciderPolicyGate', async () => {
    const gate = CedarPolicyGate.allowByDefault(WORKER)
    const worker = { id: 'worker' }
    expect((await gate.evaluateAction({ kind: 'delegate', target: 'helper' }, worker)).allowed).toBe(false)
    expect((await gate.evaluateAction({ kind: 'respond', content: 'hi' }, worker)).allowed).toBe(true)
    expect((await gate.evaluateAction({ kind: 'tool_call', tool: 'search', arguments: { q: 'x' } }, worker)).allowed).toBe(true)
    expect((await gate.evaluateAction({ kind: 'bogus' } as never, worker)).allowed).toBe(false)
    const events: AuditInput[] = []
    const audit: AuditSink = { append: async (e) => void events.push(e) }
    const audited = new DeciderPolicyGate(new Enforcer({ decider: gate, audit }))
    const denied = await audited.evaluateAction({ kind: 'delegate', target: 'helper' }, worker)
    expect(denied.allowed).toBe(false)
    expect((await audited.evaluateAction({ kind: 'terminate' }, worker)).allowed).toBe(true)
    expect(events.length).toBeGreaterThanOrEqual(2)
  })
})

describe('request limits', () => {
  it('a record with non-enumerable attributes (visible to our guards, not to Cedar) denies', () => {
    const set = compilePolicySet([{ name: 'p.policy', source: 'policy p {\n  allow: read\n  deny: read if has(user, "banned")\n}\n' }]).value
    if (set === undefined) throw new Error('does not compile')
    const gate = CedarPolicyGate.denyByDefault(compileToCedar(set).text)
    const user = Object.defineProperty({ name: 'eve' }, 'banned', { value: true, enumerable: false })
    const r = req('a', 'read', { context: { user } })
    expect(interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }).effect).toBe('deny')
    expect(gate.evaluate(r).effect).toBe('deny')
    expect(gate.evaluate(req('a', 'read', { context: { user: { name: 'eve' } } })).effect).toBe('allow')
  })

  it('a collection past maxCollectionSize denies in both engines', () => {
    const set = compilePolicySet([{ name: 'p.policy', source: 'policy p {\n  allow: read\n  deny: read if user.tags.contains("x")\n}\n' }]).value
    if (set === undefined) throw new Error('does not compile')
    const gate = CedarPolicyGate.denyByDefault(compileToCedar(set).text)
    const r = req('a', 'read', { context: { user: { tags: Array.from({ length: 100_001 }, () => 'y') } } })
    expect(interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }).effect).toBe('deny')
    expect(gate.evaluate(r).effect).toBe('deny')
    expect(gate.evaluate(req('a', 'read', { context: { user: { tags: ['y'] } } })).effect).toBe('allow')
  })
})
