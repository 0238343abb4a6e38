/**
 * Issue 9, the Cedar side: what we deny, Cedar must deny too — for schema action groups
 * (item 6), hostile policy ids (item 5), non-values in requests (item 2), agent and channel
 * scope (item 3), case-variant action names (item 9) and absent arguments (EVAL004). Each test
 * fails on dbb8d23.
 */
import { isAuthorized } from '@cedar-policy/cedar-wasm/nodejs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileToCedar } from '../../compiler/cedar/index.js'
import { compilePolicySet, interpret } from '../../compiler/index.js'
import type { PolicySet } from '../../compiler/index.js'
import { CedarPolicyGate } from '../../runtime/cedar-gate/index.js'
import { isPermitted, type AuthzRequest } from '../../stdlib/decision.js'

function compile(source: string, schema?: unknown): { set: PolicySet; text: string } {
  const r = compilePolicySet([{ name: 'p.symbi', source }], schema === undefined ? {} : { schema })
  if (r.value === undefined) throw new Error(JSON.stringify(r.files))
  const out = compileToCedar(r.value)
  expect(out.diagnostics).toEqual([])
  return { set: r.value, text: out.text }
}

const ours = (set: PolicySet, req: AuthzRequest): boolean => isPermitted(interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }))

describe('Cedar output agrees with our denies', () => {
  it('item 6: schema action groups are in the policies themselves (no entities, no mapping needed)', () => {
    const { text } = compile('policy p {\n  allow: any\n  deny: dangerous\n}', { actions: { delete: { groups: ['dangerous'] } }, open: true })
    // The gate without the vocabulary: before, `delete` was allowed because only our mapping knew the group.
    expect(CedarPolicyGate.denyByDefault(text).evaluate({ principal: { id: 'a' }, action: 'delete' }).effect).toBe('deny')
    // Raw Cedar, with no entities at all.
    const raw = isAuthorized({
      principal: { type: 'Agent', id: 'a' }, action: { type: 'Action', id: 'delete' }, resource: { type: 'Resource', id: 'r' },
      context: {}, policies: { staticPolicies: text }, entities: [],
    })
    expect(raw.type).toBe('success')
    expect(raw.type === 'success' && raw.response.decision).toBe('deny')
    expect(CedarPolicyGate.denyByDefault(text).evaluate({ principal: { id: 'a' }, action: 'read' }).effect).toBe('allow')
  })

  for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`item 5: a forbid with @id("${id}") is kept`, () => {
      const gate = CedarPolicyGate.denyByDefault(`@id("ok")\npermit (principal, action, resource);\n@id("${id}")\nforbid (principal, action == Action::"delete", resource);`)
      const d = gate.evaluate({ principal: { id: 'a' }, action: 'delete' })
      expect(d.effect).toBe('deny')
      expect(d.determining.map((r) => r.policy)).toEqual([id])
      expect(gate.evaluate({ principal: { id: 'a' }, action: 'read' }).effect).toBe('allow')
    })
  }

  it('item 5 property: hostile policy ids never change a decision', () => {
    const names = fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'p1', 'p2')
    fc.assert(
      fc.property(names, names, fc.constantFrom('read', 'delete', 'write'), (a, b, action) => {
        fc.pre(a !== b)
        const policies = (x: string, y: string): string => `@id("${x}")\npermit (principal, action, resource);\n@id("${y}")\nforbid (principal, action == Action::"delete", resource);`
        const hostile = CedarPolicyGate.denyByDefault(policies(a, b)).evaluate({ principal: { id: 'u' }, action })
        const safe = CedarPolicyGate.denyByDefault(policies('safe_a', 'safe_b')).evaluate({ principal: { id: 'u' }, action })
        return hostile.effect === safe.effect
      }),
      { numRuns: 200 },
    )
  })

  it('item 2: a non-value in the request is refused by the mapping, never dropped', () => {
    const { text } = compile('policy p {\n  allow: read\n  deny: read if user.banned == true\n}')
    const gate = CedarPolicyGate.denyByDefault(text)
    class Row {
      banned = true
    }
    for (const banned of [undefined, NaN, Infinity, () => true, 1n, Symbol('x'), new Date(0), new Map(), new Row()]) {
      const d = gate.evaluate({ principal: { id: 'a' }, action: 'read', context: { user: { banned } as never } })
      expect(d.effect, String(typeof banned)).toBe('deny')
    }
    expect(gate.evaluate({ principal: { id: 'a' }, action: 'read', context: { user: { banned: false } } }).effect).toBe('allow')
    expect(gate.evaluate({ principal: { id: 'a' }, action: 'read', context: { user: new Row() as never } }).effect).toBe('deny')
  })

  it('data that shares one sub-object (2^40 values as a tree) is refused by the mapping, not walked whole', () => {
    const { set, text } = compile('policy p {\n  allow: read\n  deny: read if user.rows == []\n}')
    const gate = CedarPolicyGate.denyByDefault(text)
    let rows: unknown = 1
    for (let i = 0; i < 40; i++) rows = [rows, rows]
    const request = { principal: { id: 'a' }, action: 'read', context: { user: { rows } } } as never
    const d = gate.evaluate(request)
    expect(d.effect).toBe('deny')
    expect(JSON.stringify(d)).toContain('maxValueNodes')
    // Ours refuses the same data the same way (the allow fails closed, so nothing allows).
    expect(ours(set, request)).toBe(false)
  })

  it('item 3: agent and channel scope', () => {
    const { set, text } = compile('agent janitor {\n  policy j { allow: delete }\n}\nchannel ops {\n  policy o { allow: send_to }\n}\npolicy everyone {\n  allow: read\n}\nagent worker {\n  policy w { deny: read }\n}')
    const gate = CedarPolicyGate.denyByDefault(text)
    const cases: AuthzRequest[] = [
      { principal: { id: 'janitor' }, action: 'delete' },
      { principal: { id: 'mallory' }, action: 'delete' },
      { principal: { id: 'Janitor' }, action: 'delete' },
      { principal: { id: 'a' }, action: 'send_to', context: { channel: 'ops' } },
      { principal: { id: 'a' }, action: 'send_to', context: { channel: 'other' } },
      { principal: { id: 'a' }, action: 'send_to' },
      { principal: { id: 'worker' }, action: 'read' },
      { principal: { id: 'WORKER' }, action: 'read' },
      { principal: { id: 'lead' }, action: 'read' },
    ]
    expect(cases.map((r) => gate.evaluate(r).effect === 'allow')).toEqual([true, false, false, true, false, false, false, false, true])
    for (const r of cases) expect(isPermitted(gate.evaluate(r)), JSON.stringify(r)).toBe(ours(set, r))
  })

  it('item 9: deny patterns fold case in Cedar too; malformed names are refused by the mapping', () => {
    const { set, text } = compile('policy p {\n  allow: "tool_call::*"\n  allow: "TOOL_CALL::*"\n  allow: "Tool_Call::*"\n  deny: "tool_call::shell"\n}')
    const gate = CedarPolicyGate.denyByDefault(text)
    for (const name of ['tool_call::shell', 'TOOL_CALL::SHELL', 'Tool_Call::Shell', 'tool_call::shell ', 'tool_call::shell\u200b', 'tool_call::sh\u0435ll', 'ｔｏｏｌ_call::shell']) {
      const r: AuthzRequest = { principal: { id: 'a' }, action: name }
      expect(gate.evaluate(r).effect, name).toBe('deny')
      expect(ours(set, r), name).toBe(false)
    }
    expect(gate.evaluate({ principal: { id: 'a' }, action: 'TOOL_CALL::search' }).effect).toBe('allow')
  })

  it('a deny pattern naming an absent argument forbids in Cedar as ours denies (EVAL004)', () => {
    const { set, text } = compile('policy p {\n  allow: export\n  deny: export(data) if data.contains_pii\n  deny: delete("doc-2")\n  allow: delete\n}')
    const gate = CedarPolicyGate.denyByDefault(text)
    const cases: AuthzRequest[] = [
      { principal: { id: 'a' }, action: 'export' },
      { principal: { id: 'a' }, action: 'export', resource: { id: 'd', contains_pii: false } },
      { principal: { id: 'a' }, action: 'delete' },
      { principal: { id: 'a' }, action: 'delete', resource: { id: 'doc-1' } },
      { principal: { id: 'a' }, action: 'delete', resource: { id: 'doc-2' } },
    ]
    expect(cases.map((r) => gate.evaluate(r).effect === 'allow')).toEqual([false, true, false, true, false])
    for (const r of cases) expect(isPermitted(gate.evaluate(r)), JSON.stringify(r)).toBe(ours(set, r))
  })
})
