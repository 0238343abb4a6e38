/**
 * When a require or audit rule applies (SEMANTICS.md §3, §6, §7): through its `for` scope or its
 * policy's allow/deny targets, both matched with ASCII case folded — a requirement reaching further
 * only ever asks for more — and, when a target names an argument the request lacks, failing
 * closed rather than quietly not applying. Every evaluator must agree with the interpreter.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet } from '../../compiler/index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { agreeing } from './agreement.js'

function decide(source: string, req: AuthzRequest): Decision {
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return agreeing(r.value).decide(req)
}

const names = (d: Decision): string[] => d.conditions.map((c) => c.name)

describe('a require rule without `for` applies through its policy’s targets', () => {
  const SOURCE = 'policy p { allow: read  require: [log] }\npolicy q { allow: READ }'

  it('folding their case: `read` reaches `READ`, allowed by another policy', () => {
    const d = decide(SOURCE, { principal: { id: 'a' }, action: 'READ' })
    expect(d.effect).toBe('allow_with_conditions')
    expect(names(d)).toEqual(['log'])
    expect(names(decide(SOURCE, { principal: { id: 'a' }, action: 'read' }))).toEqual(['log'])
  })

  it('failing closed when the target names an argument the request lacks', () => {
    const source = 'policy p { allow: read(doc)  require: [log] }\npolicy q { allow: read }'
    const d = decide(source, { principal: { id: 'a' }, action: 'read' })
    expect(d.effect).toBe('deny')
    expect(d.errors.length).toBeGreaterThan(0)
    // With the argument, it applies; for another action, it does not.
    expect(names(decide(source, { principal: { id: 'a' }, action: 'read', resource: { id: 'd' } }))).toEqual(['log'])
    expect(decide(`${source}\npolicy w { allow: write }`, { principal: { id: 'a' }, action: 'write' }).effect).toBe('allow')
  })

  it('through the first of several targets that matches', () => {
    const source = 'policy p { allow: read(doc)  allow: read  require: [log] if doc.id == "d" }\npolicy q { allow: read }'
    expect(names(decide(source, { principal: { id: 'a' }, action: 'read', resource: { id: 'd' } }))).toEqual(['log'])
    expect(decide(source, { principal: { id: 'a' }, action: 'read', resource: { id: 'e' } }).effect).toBe('allow')
  })
})

describe('a scoped policy’s require and audit rules fold the scope’s case', () => {
  const SOURCE = 'agent alice {\n  policy a { require: [log] for read  audit: [seen] for read }\n}\npolicy t { allow: read }'

  it('the agent `alice` governs a request from `Alice`', () => {
    const d = decide(SOURCE, { principal: { id: 'Alice' }, action: 'read' })
    expect(d.effect).toBe('allow_with_conditions')
    expect(names(d)).toEqual(['log', 'seen'])
    expect(decide(SOURCE, { principal: { id: 'bob' }, action: 'read' }).effect).toBe('allow')
  })

  it('the channel `ops` governs a message on `OPS`', () => {
    const source = 'channel ops {\n  policy c { require: [encrypt] for send }\n}\npolicy t { allow: send }'
    expect(names(decide(source, { principal: { id: 'a' }, action: 'send', context: { channel: 'OPS' } }))).toEqual(['encrypt'])
    expect(decide(source, { principal: { id: 'a' }, action: 'send', context: { channel: 'dev' } }).effect).toBe('allow')
  })
})
