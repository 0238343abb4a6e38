import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PolicyDecider } from '../../../stdlib/decision.js'
import type { AuditSink } from '../../../runtime/audit-sink.js'
import {
  DeciderPolicyGate,
  Enforcer,
  ForbiddenError,
  MessageRouter,
  guardAgentCreation,
  guardDataOperation,
  guardResourceAccess,
  guardToolCall,
} from '../../../runtime/enforce/index.js'
import { TofuKeyStore, ToolVerifier, withSignature } from '../../../runtime/tools/index.js'
import vectors from '../tools/fixtures/schemapin-vectors.json' with { type: 'json' }
import { MemorySink, allow, decider, deny, needsApproval, spy } from './helpers.js'

const agent = { id: 'agent-7', type: 'agent' }
const schema = withSignature({ name: 'lookup', parameters: { type: 'object' } }, vectors.privateKeyPem)
const store = new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'fc-')), 'keys.json') })
const verifier = new ToolVerifier({ mode: 'strict', store })

type Guarded = ReturnType<typeof spy<unknown[], string>>
/** Every wrapper, driven so that `op` is what would run if the decision allowed it. */
const WRAPPERS: Record<string, (e: Enforcer, op: Guarded) => Promise<unknown>> = {
  agent_creation: (e, op) => guardAgentCreation(e, { id: 'a1', capabilities: ['read'], sandbox: 'docker' }, op),
  resource_access: (e, op) => guardResourceAccess(e, { principal: agent, operation: 'read', kind: 'file', resource: '/data/x.csv' }, op),
  data_operation: (e, op) => guardDataOperation(e, { principal: agent, operation: 'export', data: { id: 'ds1', classification: 'secret' } }, op),
  tool_invocation: (e, op) =>
    guardToolCall(e, verifier, { principal: agent, tool: { name: 'lookup', provider: 'acme', schema, publicKey: vectors.publicKeyPem }, arguments: { q: 'x', password: 'hunter2' } }, op),
  ask: (e, op) => new MessageRouter(e).ask({ sender: 'a', recipient: 'b', topic: 't' }, op),
  delegate: (e, op) => new MessageRouter(e).delegate({ sender: 'a', recipient: 'b', topic: 't' }, op),
  send_to: (e, op) => new MessageRouter(e).sendTo({ sender: 'a', recipient: 'b', topic: 't' }, op),
  parallel: (e, op) => new MessageRouter(e).parallel('a', [{ recipient: 'b', topic: 't' }, { recipient: 'c', topic: 't' }], async () => op()),
  race: (e, op) => new MessageRouter(e).race('a', [{ recipient: 'b', topic: 't' }, { recipient: 'c', topic: 't' }], async () => op()),
  reasoning_loop: async (e, op) => {
    const d = await new DeciderPolicyGate(e).evaluateAction({ kind: 'tool_call', tool: 'lookup', arguments: {} }, agent)
    if (d.allowed) return op()
    throw new ForbiddenError('reasoning_loop', 'tool_call::lookup', 'lookup', d.reason, d.decision)
  },
}

const never = () => new Promise<never>(() => {})
/** Every way the decision path can fail, and the reason the deny must carry. */
const FAILURES: Record<string, { decider: PolicyDecider | undefined; audit?: AuditSink | undefined; reason: RegExp }> = {
  'engine throws': { decider: decider(() => { throw new Error('kaboom') }), reason: /policy engine error: kaboom/ },
  'engine rejects': { decider: decider(async () => { throw new Error('remote down') }), reason: /policy engine error: remote down/ },
  'engine missing': { decider: undefined, reason: /policy engine unavailable/ },
  'engine without evaluate': { decider: {} as PolicyDecider, reason: /policy engine unavailable/ },
  'engine timeout': { decider: decider(never), reason: /timed out after 25 ms/ },
  'decision null': { decider: decider(() => null), reason: /malformed decision: decision is not an object/ },
  'decision string': { decider: decider(() => 'allow'), reason: /malformed decision/ },
  'unknown effect': { decider: decider(() => ({ effect: 'permit', determining: [], errors: [], version: 1 })), reason: /unknown decision effect "permit"/ },
  'deny without reason': { decider: decider(() => ({ effect: 'deny' })), reason: /no string 'reason'/ },
  'conditions missing': { decider: decider(() => ({ effect: 'allow_with_conditions' })), reason: /no 'conditions' array/ },
  'bad condition kind': { decider: decider(() => ({ effect: 'allow_with_conditions', conditions: [{ kind: 'magic', name: 'x' }] })), reason: /conditions\[0\]/ },
  'approval without approver': { decider: decider(() => ({ effect: 'require_approval' })), reason: /no 'approver'/ },
  'bad version': { decider: decider(() => ({ effect: 'allow', version: 'latest' })), reason: /'version' is not a number/ },
  'async malformed': { decider: decider(async () => ({ effect: 'ALLOW' })), reason: /unknown decision effect/ },
  'audit append fails': { decider: decider(allow), audit: new MemorySink(true), reason: /audit append failed: disk full/ },
  'audit missing': { decider: decider(allow), audit: undefined, reason: /audit trail unavailable/ },
  'explicit deny': { decider: decider(() => deny('no allow rule matched')), reason: /no allow rule matched/ },
  'approval without queue': { decider: decider(() => needsApproval('supervisor')), reason: /approval required from supervisor but no approval queue/ },
  // Issue 9 item 11: answers that throw when read escaped as a plain TypeError.
  'effect getter throws': { decider: decider(() => Object.defineProperty({}, 'effect', { get() { throw new TypeError('boom') }, enumerable: true }) as never), reason: /malformed decision: reading it threw: boom/ },
  'async answer getter throws': { decider: decider(async () => Object.defineProperty({}, 'effect', { get() { throw new TypeError('late boom') } }) as never), reason: /malformed decision: reading it threw: late boom/ },
  'revoked proxy': { decider: decider(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy as never }), reason: /malformed decision/ },
  'determining entries throw': { decider: decider(() => ({ effect: 'allow', determining: [Object.defineProperty({}, 'policy', { get() { throw new Error('rule boom') } })], errors: [], version: 1 }) as never), reason: /audit append failed|enforcement failed/ },
  'thrown value unprintable': { decider: decider(() => { throw { toString() { throw new Error('x') } } }), reason: /policy engine error: an unprintable value was thrown/ },
}

describe('every enforcement wrapper fails closed', () => {
  for (const [wrapper, run] of Object.entries(WRAPPERS)) {
    describe(wrapper, () => {
      for (const [failure, f] of Object.entries(FAILURES)) {
        it(`${failure} → ForbiddenError, guarded operation called zero times`, async () => {
          const audit = 'audit' in f ? f.audit : new MemorySink()
          const enforcer = new Enforcer({ decider: f.decider, audit, timeoutMs: 25 })
          const op = spy<unknown[], string>('ran')
          const err = await run(enforcer, op).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(err).toBeInstanceOf(ForbiddenError)
          expect((err as ForbiddenError).reason).toMatch(f.reason)
          expect((err as ForbiddenError).decision.effect).toBe('deny')
          expect(op.calls.length).toBe(0)
        })
      }
      it('control: a fixed allow runs the operation exactly once per target', async () => {
        const op = spy<unknown[], string>('ran')
        await run(new Enforcer({ decider: decider(allow), audit: new MemorySink() }), op)
        expect(op.calls.length).toBe(wrapper === 'parallel' || wrapper === 'race' ? 2 : 1)
      })
    })
  }
})
