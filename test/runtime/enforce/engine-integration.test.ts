/**
 * The enforcement points end to end with the project's engine (`createEngine` + `load`),
 * rather than hand-built deciders.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PolicyDecider } from '../../../stdlib/decision.js'
import { ApprovalQueue, ManualTimers } from '../../../runtime/approvals/index.js'
import { DeciderPolicyGate, Enforcer, ForbiddenError, MessageRouter, guardDataOperation, guardResourceAccess, guardToolCall } from '../../../runtime/enforce/index.js'
import { TofuKeyStore, ToolVerifier, withSignature } from '../../../runtime/tools/index.js'
import { createEngine } from '../../../index.js'
import { MemorySink, spy } from './helpers.js'
import { openAuditLog } from '../../../runtime/audit/open.js'
import { verify } from '../../../runtime/audit/verify-log.js'

function engine(source: string): PolicyDecider {
  const e = createEngine()
  const r = e.load([{ name: 'it.policy', source }])
  if (!r.ok) throw new Error(`policy did not compile: ${JSON.stringify(r.files)}`)
  return e
}

const RESOURCE_GOVERNANCE = `policy resource_governance {
  allow: execute
  deny: execute if system.maintenance_mode
  require: supervisor_approval for execute
}`
const agent = { id: 'agent-1', type: 'agent' }
const access = (maintenance: boolean) => ({ principal: agent, operation: 'execute' as const, kind: 'command' as const, resource: 'train.sh', context: { system: { maintenance_mode: maintenance } } })

describe('enforcement with the real engine', () => {
  it('require_approval parks; the wrong approver leaves it parked; the supervisor releases it', async () => {
    const decider = engine(RESOURCE_GOVERNANCE)
    const timers = new ManualTimers()
    const queue = new ApprovalQueue({ decider, audit: new MemorySink(), timers })
    let id = ''
    const e = new Enforcer({ decider, audit: new MemorySink(), approvals: queue, onApprovalPending: (x) => (id = x) })
    const op = spy<unknown[], string>('trained')
    const running = guardResourceAccess(e, access(false), op)
    await new Promise((r) => setImmediate(r))
    expect((await queue.approve(id, 'intern')).effect).toBe('require_approval')
    expect(op.calls).toHaveLength(0)
    expect((await queue.approve(id, 'supervisor')).effect).toBe('allow')
    expect((await running).value).toBe('trained')
  })

  it('approval never bypasses a deny the policy gives on re-evaluation', async () => {
    const decider = engine(RESOURCE_GOVERNANCE)
    const queue = new ApprovalQueue({ decider, audit: new MemorySink(), timers: new ManualTimers() })
    const d = decider.evaluate({ principal: agent, action: 'execute', resource: { id: 'x' }, context: { system: { maintenance_mode: true } } })
    expect(d).toMatchObject({ effect: 'deny' })
    const t = queue.submit({ principal: agent, action: 'execute', resource: { id: 'x' }, context: { system: { maintenance_mode: true } } }, { effect: 'require_approval', approver: 'supervisor', approvers: ['supervisor'], determining: [], errors: [], version: 1 }, 'agent-1')
    expect((await queue.approve(t.id, 'supervisor')).effect).toBe('deny')
  })

  it('data operations: PII export denied, obligations returned as conditions', async () => {
    const e = new Enforcer({
      decider: engine(`policy secure_data_access {
  allow: [read, export]
  deny: export(data) if data.contains_pii == true
  require: [audit_trail = "detailed"]
}`),
      audit: new MemorySink(),
    })
    const op = spy<unknown[], number>(1)
    await expect(guardDataOperation(e, { principal: agent, operation: 'export', data: { id: 'd', classification: 'secret', contains_pii: true } }, op)).rejects.toThrow(ForbiddenError)
    expect(op.calls).toHaveLength(0)
    const r = await guardDataOperation(e, { principal: agent, operation: 'export', data: { id: 'd', classification: 'internal', contains_pii: false } }, op)
    expect(r.decision.effect).toBe('allow_with_conditions')
    expect(r.conditions).toEqual([expect.objectContaining({ kind: 'obligation', name: 'audit_trail', value: 'detailed' })])
  })

  it('parallel: one target the policy refuses means no target is started', async () => {
    const e = new Enforcer({ decider: engine('policy comms {\n  allow: [parallel, ask]\n  deny: parallel(target) if target.id == "vault"\n}'), audit: new MemorySink() })
    const start = spy<unknown[], Promise<number>>(Promise.resolve(1))
    await expect(new MessageRouter(e).parallel('boss', [{ recipient: 'worker', topic: 't' }, { recipient: 'vault', topic: 't' }], start)).rejects.toThrow(ForbiddenError)
    expect(start.calls).toHaveLength(0)
    await new MessageRouter(e).parallel('boss', [{ recipient: 'worker', topic: 't' }, { recipient: 'auditor', topic: 't' }], start)
    expect(start.calls).toHaveLength(2)
  })

  it('tool calls: SchemaPin, then tool_call::<name> patterns and argument guards; the gate agrees', async () => {
    const decider = engine(`policy tools {
  allow: "tool_call::*"
  deny: "tool_call::shell"
  deny: "tool_call::web_fetch" if arguments.url.starts_with("http://")
}`)
    const sink = new MemorySink()
    const e = new Enforcer({ decider, audit: sink })
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const verifier = new ToolVerifier({ store: new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'it-')), 'keys.json') }) })
    const tool = (name: string) => ({ name, provider: 'acme', schema: withSignature({ name }, privateKey), publicKey: pem })
    const transport = spy<unknown[], string>('ok')
    await expect(guardToolCall(e, verifier, { principal: agent, tool: tool('shell'), arguments: { cmd: 'ls' } }, transport)).rejects.toThrow(ForbiddenError)
    await expect(guardToolCall(e, verifier, { principal: agent, tool: tool('web_fetch'), arguments: { url: 'http://x', token: 's3cret' } }, transport)).rejects.toThrow(ForbiddenError)
    expect(transport.calls).toHaveLength(0)
    expect((await guardToolCall(e, verifier, { principal: agent, tool: tool('web_fetch'), arguments: { url: 'https://x', token: 's3cret' } }, transport)).value).toBe('ok')
    expect(transport.calls).toHaveLength(1)
    expect(JSON.stringify(sink.events)).not.toContain('s3cret')
    const gate = new DeciderPolicyGate(e)
    expect((await gate.evaluateAction({ kind: 'tool_call', tool: 'shell', arguments: {} }, agent)).allowed).toBe(false)
    expect((await gate.evaluateAction({ kind: 'tool_call', tool: 'web_fetch', arguments: { url: 'https://x' } }, agent)).allowed).toBe(true)
    expect((await gate.evaluateAction({ kind: 'terminate' }, agent)).allowed).toBe(false)
  })

  it('arguments that share one sub-object (2^40 values as a tree) are denied and audited in bounded time, never walked whole', async () => {
    const e = createEngine({ decisionCache: true })
    expect(e.load([{ name: 'it.policy', source: 'policy tools {\n  allow: "tool_call::*"\n  deny: "tool_call::*" if arguments.rows == []\n}' }]).ok).toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'it-shared-'))
    const trail = await openAuditLog(join(dir, 'audit.log'))
    const enforcer = new Enforcer({ decider: e, audit: trail })
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const verifier = new ToolVerifier({ store: new TofuKeyStore({ path: join(dir, 'keys.json') }) })
    const tool = { name: 'load', provider: 'acme', schema: withSignature({ name: 'load' }, privateKey), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
    let rows: unknown = { password: 'hunter2' }
    for (let i = 0; i < 40; i++) rows = [rows, rows]
    const transport = spy<unknown[], string>('loaded')
    const err = await guardToolCall(enforcer, verifier, { principal: agent, tool, arguments: { rows: rows as never } }, transport).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(ForbiddenError)
    expect((err as ForbiddenError).decision.errors.map((x) => x.code)).toContain('EVAL116')
    expect(transport.calls).toHaveLength(0)
    await trail.close()
    const log = readFileSync(join(dir, 'audit.log'), 'utf8')
    expect(log).toContain('[TRUNCATED:size]')
    expect(log).not.toContain('hunter2')
    expect(await verify(join(dir, 'audit.log'))).toMatchObject({ ok: true })
  })
})
