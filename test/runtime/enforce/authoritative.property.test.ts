/**
 * Issue 9 item 1 (SEMANTICS.md §7): caller-supplied objects never overwrite what a request's
 * authoritative fields say. For every wrapper, arbitrary extra keys — including `sender`,
 * `principal`, `recipient`, `tier`, `channel`, `context`, `approvals`, `time`, `__proto__` — in
 * every caller object either make the point refuse the input before anything is decided, or
 * leave principal, sender, recipient, topic, channel, tier, arguments and the reserved context
 * keys that the policy sees exactly as they are without the extras. On dbb8d23 a parallel
 * target carrying `sender` replaced the real sender, and `selection.tier` the tier.
 */
import fc from 'fast-check'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  DeciderPolicyGate,
  Enforcer,
  EnforcementInputError,
  MessageRouter,
  guardAgentCreation,
  guardDataOperation,
  guardResourceAccess,
  guardToolCall,
} from '../../../runtime/enforce/index.js'
import { resolveSandboxOptions } from '../../../runtime/sandbox/options.js'
import { sandboxRequest } from '../../../runtime/sandbox/request.js'
import { TofuKeyStore, ToolVerifier, withSignature } from '../../../runtime/tools/index.js'
import type { AuthzRequest } from '../../../stdlib/decision.js'
import vectors from '../tools/fixtures/schemapin-vectors.json' with { type: 'json' }
import { MemorySink, RUNS, allow, decider } from './helpers.js'

const HOSTILE_KEYS = ['sender', 'principal', 'recipient', 'topic', 'tier', 'channel', 'context', 'approvals', 'time', 'now', 'action', 'resource', 'arguments', 'sandbox', 'id', 'type', '__proto__', 'constructor', 'toString']
const value = fc.oneof(fc.constant('mallory'), fc.constant('tier2'), fc.constant(['boss']), fc.record({ id: fc.constant('admin') }), fc.integer(), fc.constant({ now: 0 }))
/** A record of extra keys, `__proto__` included as an own key. */
const extras = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 6 })), value), { maxLength: 5 }).map((pairs) => {
  const o: Record<string, unknown> = {}
  for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
})

const agent = { id: 'agent-7', type: 'agent' }
const schema = withSignature({ name: 'lookup', parameters: { type: 'object' } }, vectors.privateKeyPem)
const store = new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'auth-prop-')), 'keys.json') })
const verifier = new ToolVerifier({ mode: 'strict', store })

/** Context keys no caller may set at any point (runtime/enforce/caller-context.ts). */
const RESERVED = ['principal', 'action', 'resource', 'context', 'approvals', 'channel', 'time', 'now']

/** What the policy must see unchanged: the request's identity fields and the authoritative context keys. */
function projection(r: AuthzRequest, keys: readonly string[] = []): unknown {
  const c = (r.context ?? {}) as Record<string, unknown>
  const pick = (k: string): unknown => (Object.hasOwn(c, k) ? c[k] : '<absent>')
  return {
    principal: r.principal.id,
    action: typeof r.action === 'string' ? r.action : r.action.name,
    resource: r.resource === undefined ? undefined : [r.resource.id, r.resource['type']],
    context: Object.fromEntries([...RESERVED, ...keys].map((k) => [k, pick(k)])),
  }
}

type Run = (e: Enforcer, x: Record<string, unknown>) => Promise<unknown>

/** Each wrapper, the caller objects the extras go into, and the context keys it sets itself. */
const MESSAGE = ['sender', 'recipient', 'topic']
const WRAPPERS: Record<string, { run: Run; keys: readonly string[] }> = {
  'message ask (route and route.context)': { keys: MESSAGE, run: (e, x) => new MessageRouter(e).ask({ ...x, sender: 'a', recipient: 'b', topic: 't', channel: 'ops', context: { ...x } } as never, () => 1) },
  'message parallel (targets and context)': { keys: MESSAGE, run: (e, x) => new MessageRouter(e).parallel('a', [{ ...x, recipient: 'b', topic: 't' } as never, { ...x, recipient: 'c', topic: 'u' } as never], async () => 1, { ...x } as never, 'ops') },
  'message race (targets only)': { keys: MESSAGE, run: (e, x) => new MessageRouter(e).race('a', [{ ...x, recipient: 'b', topic: 't' } as never], async () => 1) },
  'tool call (call.context)': { keys: ['arguments'], run: (e, x) => guardToolCall(e, verifier, { principal: agent, tool: { name: 'lookup', provider: 'acme', schema, publicKey: vectors.publicKeyPem }, arguments: { q: 'x' }, context: { ...x } as never }, () => 1) },
  'resource access (attributes and context)': { keys: [], run: (e, x) => guardResourceAccess(e, { principal: agent, operation: 'read', kind: 'file', resource: '/data/x.csv', attributes: { ...x } as never, context: { ...x } as never }, () => 1) },
  'data operation (context)': { keys: [], run: (e, x) => guardDataOperation(e, { principal: agent, operation: 'export', data: { id: 'ds1', classification: 'secret' }, context: { ...x } as never }, () => 1) },
  'agent creation (attributes and context)': { keys: [], run: (e, x) => guardAgentCreation(e, { id: 'a1', capabilities: ['read'], sandbox: 'docker', attributes: { ...x } as never }, () => 1, { context: { ...x } as never } as never) },
  'reasoning loop (proposal context)': {
    keys: MESSAGE,
    run: async (e, x) => {
      const d = await new DeciderPolicyGate(e).evaluateAction({ kind: 'delegate', target: 'b', topic: 't', ...x } as never, agent, { ...x } as never)
      if (!d.allowed) throw new EnforcementInputError(d.reason)
    },
  },
}

describe('caller data never overwrites authoritative request fields (SEMANTICS.md §7)', () => {
  for (const [name, { run, keys }] of Object.entries(WRAPPERS)) {
    it(name, async () => {
      const base = decider(allow)
      await Promise.resolve().then(() => run(new Enforcer({ decider: base, audit: new MemorySink() }), {}))
      expect(base.calls.length).toBeGreaterThan(0)
      const want = base.calls.map((r) => projection(r, keys))
      await fc.assert(
        fc.asyncProperty(extras, async (x) => {
          const seen = decider(allow)
          const sink = new MemorySink()
          const outcome = await Promise.resolve().then(() => run(new Enforcer({ decider: seen, audit: sink }), x)).then(
            () => 'ran',
            (e: unknown) => e,
          )
          if (outcome !== 'ran') {
            // Refused input: refused before anything was decided.
            expect(outcome).toBeInstanceOf(EnforcementInputError)
            expect(seen.calls.length).toBe(0)
            return
          }
          expect(seen.calls.map((r) => projection(r, keys))).toEqual(want)
          // The audit trail records the real principal and agent.
          for (const ev of sink.events) {
            expect(['agent-7', 'a', 'a1']).toContain(ev.agentId)
            expect(['agent-7', 'a', 'system']).toContain((ev.details as Record<string, unknown>)['principal'])
          }
        }),
        { numRuns: RUNS },
      )
    })
  }

  it('sandbox: the tier actually used is what the policy sees, whatever selection and context say', () => {
    const options = resolveSandboxOptions({ command: ['true'] })
    const want = sandboxRequest({ agentId: 'a', tier: 'tier1', options })
    fc.assert(
      fc.property(extras, extras, (selection, context) => {
        let r: AuthzRequest
        try {
          r = sandboxRequest({ agentId: 'a', tier: 'tier1', options, selection: selection as never, context: context as never })
        } catch (e) {
          expect(e).toBeInstanceOf(EnforcementInputError)
          return
        }
        const sb = (r.context as Record<string, Record<string, unknown>>)['sandbox'] as Record<string, unknown>
        expect(sb['tier']).toBe('tier1')
        expect(r.resource?.['tier']).toBe('tier1')
        expect(projection(r)).toEqual(projection(want))
      }),
      { numRuns: RUNS },
    )
    // The exact exploit of the issue: a tier2 selection does not make a tier1 run look like tier2.
    const r = sandboxRequest({ agentId: 'a', tier: 'tier1', options, selection: { tier: 'tier2', source: 'risk' } })
    expect((r.context as Record<string, Record<string, unknown>>)['sandbox']?.['tier']).toBe('tier1')
  })

  it('the exact exploit of the issue: a parallel target carrying sender is not the sender', async () => {
    const seen = decider(allow)
    const sink = new MemorySink()
    await new MessageRouter(new Enforcer({ decider: seen, audit: sink })).parallel('worker', [{ recipient: 'b', topic: 't', sender: 'lead' } as never], async () => 1)
    expect(seen.calls.map((r) => [r.principal.id, r.context?.['sender']])).toEqual([['worker', 'worker']])
    expect(sink.events.map((e) => e.agentId)).toEqual(['worker'])
  })

  it('a caller context may not set the channel; the route channel is what the policy sees', async () => {
    const seen = decider(allow)
    const router = new MessageRouter(new Enforcer({ decider: seen, audit: new MemorySink() }))
    await expect(router.sendTo({ sender: 'a', recipient: 'b', topic: 't', context: { channel: 'finance_ops' } }, () => 1)).rejects.toBeInstanceOf(EnforcementInputError)
    await router.sendTo({ sender: 'a', recipient: 'b', topic: 't', channel: 'general' }, () => 1)
    expect(seen.calls.map((r) => r.context?.['channel'])).toEqual(['general'])
  })
})
