import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CommCondition, CommMessage, CommRule } from '../../../runtime/comm-gate/index.js'
import { All, Allow, Always, Any, CommRuleError, CommunicationDeniedError, CommunicationPolicyGate, Deny, RecipientIs, SenderIs } from '../../../runtime/comm-gate/index.js'
import { Enforcer, ForbiddenError, MessageRouter } from '../../../runtime/enforce/index.js'
import { MemorySink } from '../enforce/helpers.js'
import { agent, rules } from './arbitraries.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 100)

describe('CommunicationPolicyGate', () => {
  it('default deny, first match by priority, message `[rule] reason`', () => {
    expect(new CommunicationPolicyGate().evaluate({ sender: 'a', recipient: 'b' })).toEqual({ allowed: false, rule: 'default', message: '[default] no communication rule matched' })
    const gate = new CommunicationPolicyGate([
      { name: 'everyone', priority: 0, condition: Always(), effect: Allow() },
      { name: 'no-vault', priority: 10, condition: RecipientIs('vault'), effect: Deny('vault is sealed') },
      { name: 'auditor-vault', priority: 20, condition: All(SenderIs('auditor'), RecipientIs('vault')), effect: Allow() },
    ])
    expect(gate.evaluate({ sender: 'worker', recipient: 'boss' })).toEqual({ allowed: true, rule: 'everyone' })
    expect(gate.evaluate({ sender: 'worker', recipient: 'vault' })).toEqual({ allowed: false, rule: 'no-vault', message: '[no-vault] vault is sealed' })
    expect(gate.evaluate({ sender: 'auditor', recipient: 'vault' })).toEqual({ allowed: true, rule: 'auditor-vault' })
    expect(() => gate.check({ sender: 'intern', recipient: 'vault' })).toThrow(new CommunicationDeniedError({ sender: 'intern', recipient: 'vault' }, 'no-vault', '[no-vault] vault is sealed'))
  })

  it('equal priorities keep insertion order; Any/All/empty lists behave as documented', () => {
    const gate = new CommunicationPolicyGate()
      .addRule({ name: 'first', priority: 5, condition: Any(SenderIs('x'), SenderIs('y')), effect: Deny('first wins') })
      .addRule({ name: 'second', priority: 5, condition: Always(), effect: Allow() })
    expect(gate.evaluate({ sender: 'y', recipient: 'z' }).allowed).toBe(false)
    expect(gate.rules().map((r) => r.name)).toEqual(['first', 'second'])
    expect(new CommunicationPolicyGate([{ name: 'e', priority: 0, condition: All(), effect: Allow() }]).evaluate({ sender: 'a', recipient: 'b' }).allowed).toBe(true)
    expect(new CommunicationPolicyGate([{ name: 'e', priority: 0, condition: Any(), effect: Allow() }]).evaluate({ sender: 'a', recipient: 'b' }).allowed).toBe(false)
  })

  it('refuses malformed rules, naming them', () => {
    const bad: [unknown, RegExp][] = [
      [{ name: '', priority: 0, condition: Always(), effect: Allow() }, /rule #0: name/],
      [{ name: 'r', priority: Number.NaN, condition: Always(), effect: Allow() }, /rule 'r': priority/],
      [{ name: 'r', priority: 0, condition: { kind: 'TopicIs' }, effect: Allow() }, /rule 'r'.condition: unknown condition "TopicIs"/],
      [{ name: 'r', priority: 0, condition: All({ kind: 'SenderIs', agent: '' } as CommCondition), effect: Allow() }, /conditions\[0\]: SenderIs needs/],
      [{ name: 'r', priority: 0, condition: Always(), effect: { kind: 'Deny' } }, /Deny needs a string reason/],
      [{ name: 'r', priority: 0, condition: Always(), effect: { kind: 'Maybe' } }, /expected Allow or Deny/],
    ]
    for (const [rule, re] of bad) expect(() => new CommunicationPolicyGate([rule as CommRule])).toThrow(re)
    let deep: CommCondition = Always()
    for (let i = 0; i < 40; i++) deep = All(deep)
    expect(() => new CommunicationPolicyGate([{ name: 'd', priority: 0, condition: deep, effect: Allow() }])).toThrow(CommRuleError)
    expect(() => new CommunicationPolicyGate([{ name: 'd', priority: 0, condition: Always(), effect: Allow() }, { name: 'd', priority: 1, condition: Always(), effect: Allow() }])).toThrow(/duplicate/)
  })

  it('works as a PolicyDecider behind the message router', async () => {
    const gate = new CommunicationPolicyGate([
      { name: 'worker-no-delegate', priority: 10, condition: SenderIs('worker'), effect: Deny('workers may not message out') },
      { name: 'rest', priority: 0, condition: Always(), effect: Allow() },
    ])
    const router = new MessageRouter(new Enforcer({ decider: gate.asDecider(), audit: new MemorySink() }))
    await expect(router.ask({ sender: 'boss', recipient: 'worker', topic: 't' }, () => 'ok')).resolves.toMatchObject({ value: 'ok' })
    const err = await router.delegate({ sender: 'worker', recipient: 'boss', topic: 't' }, () => 'ok').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ForbiddenError)
    expect((err as ForbiddenError).reason).toBe('[worker-no-delegate] workers may not message out')
  })
})

/** A deliberately naive reference: scan for the highest priority, earliest-added matching rule. */
function reference(rules: readonly CommRule[], m: CommMessage): { allowed: boolean; rule: string } {
  const holds = (c: CommCondition): boolean =>
    c.kind === 'Always' ? true : c.kind === 'SenderIs' ? c.agent === m.sender : c.kind === 'RecipientIs' ? c.agent === m.recipient : c.kind === 'All' ? c.conditions.every(holds) : c.conditions.some(holds)
  let best: { rule: CommRule; index: number } | undefined
  rules.forEach((rule, index) => {
    if (holds(rule.condition) && (best === undefined || rule.priority > best.rule.priority)) best = { rule, index }
  })
  if (best === undefined) return { allowed: false, rule: 'default' }
  return { allowed: best.rule.effect.kind === 'Allow', rule: best.rule.name }
}

describe('gate priorities against a reference (property)', () => {
  it('agrees with the naive reference on random rule lists and messages', () => {
    fc.assert(
      fc.property(rules, agent, agent, (rs, sender, recipient) => {
        const got = new CommunicationPolicyGate(rs).evaluate({ sender, recipient })
        const want = reference(rs, { sender, recipient })
        expect({ allowed: got.allowed, rule: got.rule }).toEqual(want)
        if (!got.allowed) {
          const r = rs.find((x) => x.name === got.rule)
          expect(got.message).toBe(r === undefined ? '[default] no communication rule matched' : `[${r.name}] ${(r.effect as { reason: string }).reason}`)
        }
      }),
      { numRuns: RUNS * 3 },
    )
  })
})
