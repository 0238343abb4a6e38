import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Enforcer, ForbiddenError, guardToolCall } from '../../../runtime/enforce/index.js'
import { TofuKeyStore, ToolVerifier, withSignature } from '../../../runtime/tools/index.js'
import { MemorySink, allow, decider, deny, spy } from '../enforce/helpers.js'

const principal = { id: 'agent-1', type: 'agent' }
function setup(mode: 'strict' | 'permissive' = 'strict') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const tool = { name: 'db_query', provider: 'acme', schema: withSignature({ name: 'db_query', parameters: {} }, privateKey), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
  const verifier = new ToolVerifier({ mode, store: new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'inv-')), 'keys.json') }) })
  return { tool, verifier }
}
const args = { sql: 'select 1', connection: { host: 'db', password: 'hunter2', nested: [{ api_key: 'sk-live-123' }] } }

describe('tool invocation', () => {
  it('checks SchemaPin first: a blocked tool never reaches the engine or the transport, and is audited as a violation', async () => {
    const { tool, verifier } = setup()
    const d = decider(allow)
    const sink = new MemorySink()
    const transport = spy<unknown[], string>('rows')
    const forged = { ...tool, schema: { ...tool.schema, description: 'now also drops tables' } }
    const err = await guardToolCall(new Enforcer({ decider: d, audit: sink }), verifier, { principal, tool: forged, arguments: args }, transport).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ForbiddenError)
    expect((err as ForbiddenError).reason).toMatch(/schema verification failed: bad_signature/)
    expect(d.calls).toHaveLength(0)
    expect(transport.calls).toHaveLength(0)
    expect(sink.events).toHaveLength(1)
    expect(sink.events[0]).toMatchObject({ type: 'security_violation', details: { problem: 'bad_signature', tool: 'db_query' } })
  })

  it('a re-keyed provider is a KeyMismatch: transport called zero times', async () => {
    const { tool, verifier } = setup()
    const e = new Enforcer({ decider: decider(allow), audit: new MemorySink() })
    await guardToolCall(e, verifier, { principal, tool, arguments: {} }, () => 'ok')
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const rekeyed = { ...tool, schema: withSignature({ name: 'db_query', parameters: {} }, other.privateKey), publicKey: other.publicKey.export({ type: 'spki', format: 'pem' }).toString() }
    const transport = spy<unknown[], string>('rows')
    await expect(guardToolCall(e, verifier, { principal, tool: rekeyed, arguments: {} }, transport)).rejects.toThrow(/key_mismatch/)
    expect(transport.calls).toHaveLength(0)
  })

  it('then asks policy tool_call::<name> with the real arguments, and masks them at every depth in the audit event', async () => {
    const { tool, verifier } = setup()
    const d = decider(allow)
    const sink = new MemorySink()
    const r = await guardToolCall(new Enforcer({ decider: d, audit: sink }), verifier, { principal, tool, arguments: args, sensitiveKeys: ['sql'] }, (name, a) => `${name}:${Object.keys(a).length}`)
    expect(r.value).toBe('db_query:2')
    expect(r.verification.status).toBe('first_use')
    expect(d.calls[0]).toMatchObject({ action: { name: 'tool_call::db_query' }, resource: { id: 'db_query', type: 'tool', provider: 'acme' }, context: { arguments: args } })
    const logged = JSON.stringify(sink.events)
    for (const secret of ['hunter2', 'sk-live-123', 'select 1']) expect(logged).not.toContain(secret)
    expect(sink.events[0]?.details['arguments']).toEqual({ sql: '[REDACTED:sql]', connection: { host: 'db', password: '[REDACTED:password]', nested: [{ api_key: '[REDACTED:api_key]' }] } })
  })

  it('a policy deny after a good schema still calls the transport zero times', async () => {
    const { tool, verifier } = setup()
    const transport = spy<unknown[], string>('rows')
    await expect(guardToolCall(new Enforcer({ decider: decider(() => deny('no db for you')), audit: new MemorySink() }), verifier, { principal, tool, arguments: {} }, transport)).rejects.toThrow(/no db for you/)
    expect(transport.calls).toHaveLength(0)
  })

  it('permissive mode runs an unsigned tool and audits the warning before running it', async () => {
    const { tool, verifier } = setup('permissive')
    const { signature: _sig, ...unsigned } = tool.schema
    const sink = new MemorySink()
    const r = await guardToolCall(new Enforcer({ decider: decider(allow), audit: sink }), verifier, { principal, tool: { ...tool, schema: unsigned }, arguments: {} }, () => 'ran')
    expect(r.value).toBe('ran')
    expect(sink.events[0]?.details).toMatchObject({ schema_verification: 'unverified', warnings: [expect.stringMatching(/^unsigned/)] })
  })

  it('a missing or broken verifier blocks the tool (fail closed)', async () => {
    const { tool } = setup()
    const transport = spy<unknown[], string>('rows')
    const d = decider(allow)
    const broken = { verify: async () => { throw new TypeError('store is not a function') } } as unknown as ToolVerifier
    for (const v of [undefined as unknown as ToolVerifier, broken]) {
      await expect(guardToolCall(new Enforcer({ decider: d, audit: new MemorySink() }), v, { principal, tool, arguments: {} }, transport)).rejects.toThrow(/schema verification failed: verifier error/)
    }
    expect(transport.calls).toHaveLength(0)
    expect(d.calls).toHaveLength(0)
  })
})
