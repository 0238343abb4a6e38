/**
 * Issue 9 item 3 (SEMANTICS.md §6): agent- and channel-embedded policies govern their agent or
 * channel only. On dbb8d23 `agent janitor { policy r { allow: delete } }` let every principal
 * delete. Checked through the engine, explain, and a compiled module, plus a property over
 * arbitrary principals and channels.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compilePolicySet } from '../../compiler/index.js'
import { createEngine } from '../../index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { importModule } from '../codegen/helpers.js'

const SOURCES = [
  {
    name: 'scoped.symbi',
    source: `agent janitor {
    policy cleanup {
        allow: delete
        deny: delete if resource.protected == true
    }
}
channel finance_ops {
    policy finance { allow: send_to }
}
policy everyone { allow: read }
`,
  },
]

function engine() {
  const e = createEngine()
  const r = e.load(SOURCES)
  if (!r.ok) throw new Error(JSON.stringify(r.files))
  return e
}

const del = (id: string, protectedDoc = false): AuthzRequest => ({ principal: { id }, action: 'delete', resource: { id: 'r', protected: protectedDoc } })
const send = (channel: unknown): AuthzRequest => ({ principal: { id: 'a' }, action: 'send_to', context: channel === undefined ? {} : { channel: channel as never } })

describe('policy scope (SEMANTICS.md §6)', () => {
  it('an agent policy grants its agent only; its deny binds its agent', () => {
    const e = engine()
    expect(e.evaluate(del('janitor')).effect).toBe('allow')
    expect(e.evaluate(del('mallory')).effect).toBe('deny')
    expect(e.evaluate(del('janitor', true)).effect).toBe('deny')
    expect(e.evaluate({ principal: { id: 'mallory' }, action: 'read' }).effect).toBe('allow')
  })

  it('a channel policy governs its channel only, and only a string channel', () => {
    const e = engine()
    expect(e.evaluate(send('finance_ops')).effect).toBe('allow')
    for (const other of [undefined, 'general', 'FINANCE_OPS', ['finance_ops'], { name: 'finance_ops' }]) expect(e.evaluate(send(other)).effect, JSON.stringify(other)).toBe('deny')
  })

  it('explain names the scope that made a rule apply or not', () => {
    const e = engine()
    const out = e.evaluate(del('mallory'), { explain: true })
    const step = out.trace?.find((s) => s.rule.policy === 'cleanup' && s.rule.rule === 0)
    expect(step?.outcome).toBe('not_applicable')
    expect(step?.detail).toMatch(/out of scope: .*agent "janitor".*principal\.id is "mallory"/)
    const ok = e.evaluate(del('janitor'), { explain: true })
    const fired = ok.trace?.find((s) => s.rule.policy === 'cleanup' && s.outcome === 'fired')
    expect(fired?.detail).toMatch(/in scope: .*agent "janitor"/)
    const ch = e.evaluate(send('general'), { explain: true })
    expect(ch.trace?.find((s) => s.rule.policy === 'finance')?.detail).toMatch(/channel "finance_ops".*context\.channel is "general"/)
  })

  it('a compiled module keeps the scope', async () => {
    const e = engine()
    const { module } = await importModule(e, SOURCES)
    for (const r of [del('janitor'), del('mallory'), del('janitor', true), send('finance_ops'), send('general'), send(undefined)]) expect(module.evaluate(r)).toEqual(e.evaluate(r))
    expect(module.evaluate(del('mallory')).effect).toBe('deny')
  })

  it('policies inside schedules, memories and webhooks are refused (CHECK019)', () => {
    for (const kind of ['schedule', 'memory', 'webhook']) {
      const r = compilePolicySet([{ name: 'x.symbi', source: `${kind} nightly {\n  policy p { allow: any }\n}\n` }])
      expect(r.value, kind).toBeUndefined()
      expect(r.files.flatMap((f) => f.diagnostics.map((d) => d.code)), kind).toContain('CHECK019')
    }
  })

  it('property: an agent policy never grants anything to another principal, nor a channel policy on another channel', () => {
    const e = engine()
    const action = fc.constantFrom('delete', 'send_to', 'DELETE', 'Send_To')
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.option(fc.string({ maxLength: 12 }), { nil: undefined }), action, (id, channel, name) => {
        const d = e.evaluate({ principal: { id }, action: name, resource: { id: 'r', protected: false }, context: channel === undefined ? {} : { channel } })
        const agentMay = id === 'janitor' && name === 'delete'
        const channelMay = channel === 'finance_ops' && name === 'send_to'
        return (d.effect === 'allow') === (agentMay || channelMay)
      }),
      { numRuns: 2000 },
    )
  })
})
