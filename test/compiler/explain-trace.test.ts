/**
 * The explain trace, step by step: every outcome a rule can have (`not_applicable`, `guard_false`,
 * `error`, `fired`, `met`, `unmet`, `attached`), with the detail each carries, in the order the
 * phases visit the rules — asserted exactly, because people read traces to learn why a decision
 * came out as it did, and the first mutation run of compiler/interpreter.ts (87.9 %) showed that
 * any outcome word could have been anything. The engine's explain goes through the interpreter, so
 * it is checked there too. Also the clock reader (`readClock`) and an `if` with an `else if`.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEngine, interpret } from '../../index.js'
import { readClock } from '../../compiler/interpreter.js'
import type { PolicySet } from '../../compiler/pipeline.js'
import type { AuthzRequest, Decision } from '../../index.js'

const SOURCE = `policy p {
  deny: read if resource.locked
  allow: write
  allow: read if principal.level > 3
  require: principal.mfa for read
  require: approval("boss") for read if principal.level > 8
  audit: reads for read
  audit: writes for write
}
`

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

const set = compile(SOURCE)
const explain = (req: AuthzRequest, clock?: () => number): Decision => interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1, explain: true, ...(clock ? { clock } : {}) })
const steps = (d: Decision): string[] => (d.trace ?? []).map((s) => `${s.rule.policy}[${s.rule.rule}] ${s.outcome}${s.detail === undefined ? '' : `: ${s.detail}`}`)

describe('explain traces, exactly', () => {
  it('an allow with a met precondition, an approval not asked, an attached audit', () => {
    const d = explain({ principal: { id: 'a', level: 5, mfa: true }, action: 'read', resource: { id: 'd', locked: false } })
    expect(d.effect).toBe('allow_with_conditions')
    expect(steps(d)).toEqual([
      'p[0] guard_false',
      'p[1] not_applicable',
      'p[2] fired',
      'p[3] met',
      'p[4] guard_false',
      'p[5] attached',
      'p[6] not_applicable',
    ])
  })

  it('an unmet precondition ends the third phase with its source', () => {
    const d = explain({ principal: { id: 'a', level: 5, mfa: false }, action: 'read', resource: { id: 'd', locked: false } })
    expect(d).toMatchObject({ effect: 'deny', reason: 'requirement not met: principal.mfa' })
    expect(steps(d).slice(2)).toEqual(['p[2] fired', 'p[3] unmet: principal.mfa'])
  })

  it('an approval asked for is unmet; granted, it is met', () => {
    const asked = explain({ principal: { id: 'a', level: 9, mfa: true }, action: 'read', resource: { id: 'd', locked: false } })
    expect(asked.effect).toBe('require_approval')
    expect(steps(asked).slice(3, 6)).toEqual(['p[3] met', 'p[4] unmet', 'p[5] attached'])
    const granted = explain({ principal: { id: 'a', level: 9, mfa: true }, action: 'read', resource: { id: 'd', locked: false }, context: { approvals: ['boss'] } })
    expect(granted.effect).toBe('allow_with_conditions')
    expect(steps(granted).slice(3, 6)).toEqual(['p[3] met', 'p[4] met', 'p[5] attached'])
  })

  it('a deny guard that errors fails closed and says why; a deny that fires stops there', () => {
    const broken = explain({ principal: { id: 'a', level: 5, mfa: true }, action: 'read', resource: { id: 'd', locked: 'yes' } })
    expect(broken.effect).toBe('deny')
    expect(steps(broken)).toEqual(['p[0] error: the guard of p[0] is not a boolean'])
    const fired = explain({ principal: { id: 'a', level: 5, mfa: true }, action: 'read', resource: { id: 'd', locked: true } })
    expect(steps(fired)).toEqual(['p[0] fired'])
  })

  it('no allow rule fired: the allow phase traces each rule, the third phase does not run', () => {
    const d = explain({ principal: { id: 'a', level: 1, mfa: true }, action: 'read', resource: { id: 'd', locked: false } })
    expect(d).toMatchObject({ effect: 'deny', reason: 'no allow rule matched' })
    expect(steps(d)).toEqual(['p[0] guard_false', 'p[1] not_applicable', 'p[2] guard_false'])
  })

  it('a require rule whose pattern names a missing argument errors and denies', () => {
    const s = compile('policy q {\n  allow: export\n  require: data.approved for export(data)\n}\n')
    const d = interpret(s.checked, { principal: { id: 'a' }, action: 'export' }, { functions: s.functions, ladders: s.ladders, limits: s.limits, version: 1, explain: true })
    expect(d.effect).toBe('deny')
    expect(steps(d)).toEqual(['q[0] fired', 'q[1] error: the action has no argument 0 and no resource, which the rule\'s pattern names'])
  })

  it('the engine explains through the same trace', () => {
    const engine = createEngine()
    expect(engine.load([{ name: 'p.policy', source: SOURCE }]).ok).toBe(true)
    const req: AuthzRequest = { principal: { id: 'a', level: 9, mfa: true }, action: 'read', resource: { id: 'd', locked: false } }
    expect(steps(engine.evaluate(req, { explain: true }))).toEqual(steps(explain(req)))
  })
})

describe('explain traces of scoped policies, exactly', () => {
  const scoped = compile(`channel ops {\n  policy c { allow: send  require: [encrypt] for send  audit: [sent] for send }\n}\nagent alice {\n  policy a { deny: write  allow: read  require: [log] }\n}\npolicy t { allow: [send, write] }\n`)
  const run = (req: AuthzRequest): Decision => interpret(scoped.checked, req, { functions: scoped.functions, ladders: scoped.ladders, limits: scoped.limits, version: 1, explain: true })
  const outAgent = 'out of scope: policy `a` governs agent "alice", and principal.id is "bob"'

  it('a policy out of scope says whose requests it governs and what the request carries', () => {
    expect(steps(run({ principal: { id: 'bob' }, action: 'send' }))).toEqual([
      `a[0] not_applicable: ${outAgent}`,
      'c[0] not_applicable: out of scope: policy `c` governs channel "ops", and context.channel is absent',
      `a[1] not_applicable: ${outAgent}`,
      't[0] fired',
      'c[1] not_applicable: out of scope: policy `c` governs channel "ops", and context.channel is absent',
      'c[2] not_applicable: out of scope: policy `c` governs channel "ops", and context.channel is absent',
      `a[2] not_applicable: ${outAgent}`,
    ])
    expect(steps(run({ principal: { id: 'bob' }, action: 'send', context: { channel: 'dev' } }))[1]).toBe('c[0] not_applicable: out of scope: policy `c` governs channel "ops", and context.channel is "dev"')
  })

  it('a rule of a policy in scope says so when it fires', () => {
    expect(steps(run({ principal: { id: 'bob' }, action: 'send', context: { channel: 'ops' } }))).toEqual([
      `a[0] not_applicable: ${outAgent}`,
      'c[0] fired: in scope: policy `c` governs channel "ops"',
      'c[1] met',
      'c[2] attached',
      `a[2] not_applicable: ${outAgent}`,
    ])
    // Deny rules, require and audit rules fold the scope's case (SEMANTICS.md §7); allow rules do not.
    expect(steps(run({ principal: { id: 'Alice' }, action: 'write' }))).toEqual(['a[0] fired: in scope: policy `a` governs agent "alice"'])
  })

  it('an obligation whose value errors is unmet, named', () => {
    const s = compile('policy q {\n  allow: read\n  require: [retain = principal.days * 2]\n}\n')
    const d = interpret(s.checked, { principal: { id: 'a' }, action: 'read' }, { functions: s.functions, ladders: s.ladders, limits: s.limits, version: 1, explain: true })
    expect(d.effect).toBe('deny')
    expect(steps(d)).toEqual(['q[0] fired', 'q[1] unmet: retain'])
  })
})

describe('readClock', () => {
  it('reads the clock given, the system clock without one, and NaN from a clock that throws or is not a number', () => {
    expect(readClock(() => 1234)).toBe(1234)
    const before = Date.now()
    const t = readClock(undefined)
    expect(t).toBeGreaterThanOrEqual(before)
    expect(t).toBeLessThanOrEqual(Date.now())
    expect(readClock(() => '1234' as unknown as number)).toBeNaN()
    expect(
      readClock(() => {
        throw new Error('no clock')
      }),
    ).toBeNaN()
  })
})

describe('if / else if in guards', () => {
  it('takes the branch whose condition holds, down an else-if chain', () => {
    const s = compile('policy r {\n  allow: read if if principal.level > 5 { principal.a } else if principal.level > 2 { principal.b } else { principal.c }\n}\n')
    const run = (level: number) => interpret(s.checked, { principal: { id: 'x', level, a: level === 9, b: level === 3, c: level === 0 }, action: 'read' }, { functions: s.functions, ladders: s.ladders, limits: s.limits, version: 1 }).effect
    expect([run(9), run(3), run(0), run(4), run(1)]).toEqual(['allow', 'allow', 'allow', 'deny', 'deny'])
  })
})
