import { describe, expect, it } from 'vitest'
import {
  AgentLoadError,
  DeciderPolicyGate,
  EnforcementInputError,
  Enforcer,
  ForbiddenError,
  MessageRouter,
  guardAgentCreation,
  guardDataOperation,
  guardResourceAccess,
  resolveSandboxTier,
} from '../../../runtime/enforce/index.js'
import { MemorySink, allow, decider, deny, spy } from './helpers.js'

const agent = { id: 'agent-7', type: 'agent' }

describe('agent creation', () => {
  it('maps tier spellings and refuses unknown tiers as load errors, never reaching the engine', async () => {
    expect(['tier1', 'docker', 'tier2', 'gvisor'].map((t) => resolveSandboxTier('a', t))).toEqual(['tier1', 'tier1', 'tier2', 'tier2'])
    for (const bad of ['tier3', 'Docker', 'none', '', '__proto__', 'toString', undefined, 2]) {
      const d = decider(allow)
      const create = spy<unknown[], string>('made')
      const err = await guardAgentCreation(new Enforcer({ decider: d, audit: new MemorySink() }), { id: 'a', capabilities: [], sandbox: bad as string }, create).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AgentLoadError)
      expect((err as AgentLoadError).field).toBe('sandbox')
      expect(d.calls).toHaveLength(0)
      expect(create.calls).toHaveLength(0)
    }
  })

  it('asks create_agent on the definition with capabilities and resolved tier', async () => {
    const d = decider((r) => (r.resource?.['sandbox_tier'] === 'tier2' ? allow() : deny('needs gvisor')))
    const sink = new MemorySink()
    const e = new Enforcer({ decider: d, audit: sink })
    const r = await guardAgentCreation(e, { id: 'a1', capabilities: ['net'], sandbox: 'gvisor' }, (def, tier) => `${def.id}@${tier}`)
    expect(r.value).toBe('a1@tier2')
    expect(d.calls[0]).toMatchObject({ action: { name: 'create_agent' }, resource: { id: 'a1', type: 'agent', capabilities: ['net'], sandbox_tier: 'tier2' } })
    expect(sink.events[0]).toMatchObject({ agentId: 'a1', type: 'agent_lifecycle' })
    await expect(guardAgentCreation(e, { id: 'a2', capabilities: [], sandbox: 'docker' }, () => 1)).rejects.toThrow(ForbiddenError)
  })
})

describe('resource access and data operations', () => {
  it('builds verb(resource) requests with the resource kind as type', async () => {
    const d = decider(allow)
    const e = new Enforcer({ decider: d, audit: new MemorySink() })
    await guardResourceAccess(e, { principal: agent, operation: 'connect', kind: 'network', resource: 'api.example.com:443', context: { session: { mfa: true } } }, () => 1)
    expect(d.calls[0]).toEqual({
      principal: agent,
      action: { name: 'connect', args: [{ id: 'api.example.com:443', type: 'network' }] },
      resource: { id: 'api.example.com:443', type: 'network' },
      context: { session: { mfa: true } },
    })
  })

  it('refuses unknown operations and kinds as input errors before deciding', async () => {
    const d = decider(allow)
    const e = new Enforcer({ decider: d, audit: new MemorySink() })
    await expect(guardResourceAccess(e, { principal: agent, operation: 'chmod' as 'read', kind: 'file', resource: '/x' }, () => 1)).rejects.toThrow(EnforcementInputError)
    await expect(guardResourceAccess(e, { principal: agent, operation: 'read', kind: 'socket' as 'file', resource: '/x' }, () => 1)).rejects.toThrow(/unknown resource kind 'socket'/)
    await expect(guardDataOperation(e, { principal: agent, operation: 'export', data: { id: 'd' } as never }, () => 1)).rejects.toThrow(/no classification/)
    expect(d.calls).toHaveLength(0)
  })

  it('data operations carry classification attributes and groups', async () => {
    const d = decider((r) => (r.resource?.['contains_pii'] === true ? deny('pii') : allow()))
    const e = new Enforcer({ decider: d, audit: new MemorySink() })
    const op = spy<unknown[], number>(1)
    await expect(guardDataOperation(e, { principal: agent, operation: 'export', data: { id: 'd', classification: 'secret', contains_pii: true } }, op)).rejects.toThrow(/pii/)
    expect(op.calls).toHaveLength(0)
    await guardDataOperation(e, { principal: agent, operation: 'aggregate', groups: ['statistical_operations'], data: { id: 'd2', classification: 'internal' } }, op)
    expect(d.calls[1]?.action).toEqual({ name: 'aggregate', args: [{ type: 'data', id: 'd2', classification: 'internal' }], groups: ['statistical_operations'] })
    expect(op.calls).toHaveLength(1)
  })
})

describe('message routing', () => {
  const denyTo = (who: string) => decider((r) => (r.resource?.id === who ? deny(`no messages to ${who}`) : allow()))

  it('ask/delegate/send_to put sender, recipient and topic in the request', async () => {
    const d = decider(allow)
    const router = new MessageRouter(new Enforcer({ decider: d, audit: new MemorySink() }))
    await router.delegate({ sender: 'worker', recipient: 'boss', topic: 'report' }, () => 1)
    expect(d.calls[0]).toMatchObject({ principal: { id: 'worker' }, action: { name: 'delegate' }, resource: { id: 'boss' }, context: { sender: 'worker', recipient: 'boss', topic: 'report' } })
  })

  for (const verb of ['parallel', 'race'] as const) {
    it(`${verb}: one refused target (in any position) means no target is started`, async () => {
      for (const blocked of ['b', 'c', 'd']) {
        const d = denyTo(blocked)
        const router = new MessageRouter(new Enforcer({ decider: d, audit: new MemorySink() }))
        const start = spy<unknown[], Promise<string>>(Promise.resolve('x'))
        const targets = ['b', 'c', 'd'].map((recipient) => ({ recipient, topic: 't' }))
        await expect(router[verb]('a', targets, start)).rejects.toThrow(`no messages to ${blocked}`)
        expect(start.calls).toHaveLength(0)
      }
    })
  }

  it('parallel starts every target when all are allowed; race returns the first', async () => {
    const router = new MessageRouter(new Enforcer({ decider: decider(allow), audit: new MemorySink() }))
    const targets = [{ recipient: 'b', topic: 't' }, { recipient: 'c', topic: 't' }]
    const p = await router.parallel('a', targets, async (t) => t.recipient)
    expect(p.values).toEqual(['b', 'c'])
    const r = await router.race('a', targets, (t) => new Promise<string>((res) => setTimeout(() => res(t.recipient), t.recipient === 'c' ? 1 : 30)))
    expect(r.value).toBe('c')
  })
})

describe('reasoning-loop PolicyGate', () => {
  it('maps each proposal kind to a request and never throws', async () => {
    const d = decider((r) => (typeof r.action === 'string' && r.action === 'terminate' ? deny('keep going') : allow()))
    const sink = new MemorySink()
    const gate = new DeciderPolicyGate(new Enforcer({ decider: d, audit: sink }))
    expect(await gate.evaluateAction({ kind: 'tool_call', tool: 'web_search', arguments: { query: 'q', api_key: 'k' } }, agent)).toMatchObject({ allowed: true })
    expect(d.calls[0]).toMatchObject({ action: { name: 'tool_call::web_search' }, resource: { id: 'web_search', type: 'tool' }, context: { arguments: { query: 'q', api_key: 'k' } } })
    expect(JSON.stringify(sink.events)).not.toContain('"k"')
    expect(sink.events[0]?.details['arguments']).toEqual({ query: 'q', api_key: '[REDACTED:api_key]' })
    expect(await gate.evaluateAction({ kind: 'delegate', target: 'b' }, agent)).toMatchObject({ allowed: true })
    expect(d.calls[1]).toMatchObject({ action: { name: 'delegate' }, context: { sender: 'agent-7', recipient: 'b' } })
    expect(await gate.evaluateAction({ kind: 'respond', content: 'hi' }, agent)).toMatchObject({ allowed: true })
    expect(await gate.evaluateAction({ kind: 'terminate' }, agent)).toEqual(expect.objectContaining({ allowed: false, reason: 'keep going' }))
    expect(await gate.evaluateAction({ kind: 'launch_missiles' } as never, agent)).toMatchObject({ allowed: false, reason: expect.stringMatching(/unknown proposal kind/) })
    expect(d.calls).toHaveLength(4)
  })
})
