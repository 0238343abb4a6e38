import { describe, it, expect } from 'vitest'
import {
  AuditTrail,
  AuditTrailError,
  GENESIS_HASH,
  MemoryStore,
  verifyEvents,
  type AuditEvent,
  type AuditStore,
  type StoreState,
} from '../../../runtime/audit/index.js'
import type { AuditSink } from '../../../runtime/audit-sink.js'
import { keyPair } from './helpers.js'

const { privateKey, publicKey } = keyPair()

/** A store that records batch sizes and can be made to fail or to hold writes. */
class ProbeStore implements AuditStore {
  readonly batches: number[] = []
  readonly records: AuditEvent[] = []
  failNext = false
  gate: Promise<void> | undefined
  async open(): Promise<StoreState> {
    return { head: GENESIS_HASH, count: 0 }
  }
  async write(records: readonly AuditEvent[]): Promise<void> {
    if (this.gate !== undefined) await this.gate
    if (this.failNext) throw new Error('disk full')
    this.batches.push(records.length)
    this.records.push(...records)
  }
  async close(): Promise<void> {}
}

describe('AuditTrail', () => {
  it('implements AuditSink and resolves append with the stored, chained event', async () => {
    const store = new MemoryStore()
    const trail = await AuditTrail.open(store)
    const sink: AuditSink = trail
    const e = (await sink.append({ agentId: 'a1', type: 'policy_decision', details: { decision: 'allow' } })) as AuditEvent
    expect(e).toMatchObject({ agentId: 'a1', type: 'policy_decision', details: { decision: 'allow' }, previousHash: GENESIS_HASH })
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(e.signature).toBeUndefined()
    expect(store.records).toEqual([e])
    expect(trail.head).toBe(e.hash)
    await trail.close()
  })

  it('masks details before hashing and writing: the secret is nowhere in the stored record', async () => {
    const store = new MemoryStore()
    const trail = await AuditTrail.open(store, { signingKey: privateKey })
    const e = await trail.append({ agentId: 'a1', type: 'tool_invocation', details: { tool: 'http', args: { headers: { Authorization: 'Bearer s3cr3t' }, list: [{ api_key: 's3cr3t' }] } } })
    expect(JSON.stringify(store.records)).not.toContain('s3cr3t')
    expect(e.details).toEqual({ tool: 'http', args: { headers: { Authorization: '[REDACTED:Authorization]' }, list: [{ api_key: '[REDACTED:api_key]' }] } })
    expect(verifyEvents(store.records, { publicKey }).ok).toBe(true)
    await trail.close()
  })

  it('uses a custom sensitive key list and depth when given', async () => {
    const store = new MemoryStore()
    const trail = await AuditTrail.open(store, { sensitiveKeys: ['pin'], maxDepth: 2 })
    const e = await trail.append({ agentId: 'a', type: 'message', details: { pin: '1234', password: 'kept', deep: { a: { b: 1 } } } })
    expect(e.details).toEqual({ pin: '[REDACTED:pin]', password: 'kept', deep: { a: '[TRUNCATED:depth]' } })
    await trail.close()
  })

  it('every mode signs every record; checkpoint mode signs only checkpoints every N events', async () => {
    const s1 = new MemoryStore()
    const every = await AuditTrail.open(s1, { signingKey: privateKey, mode: 'every' })
    for (let i = 0; i < 5; i++) await every.append({ agentId: 'a', type: 'message', details: { i } })
    await every.close()
    expect(s1.records.every((r) => r.signature !== undefined)).toBe(true)

    const s2 = new MemoryStore()
    const cp = await AuditTrail.open(s2, { signingKey: privateKey, mode: 'checkpoint', checkpointEvery: 4, checkpointIntervalMs: 0 })
    for (let i = 0; i < 10; i++) await cp.append({ agentId: 'a', type: 'message', details: { i } })
    await cp.close()
    const kinds = s2.records.map((r) => (r.type === 'checkpoint' ? 'C' : r.type === 'session_start' ? 'S' : r.signature === undefined ? 'e' : '?')).join('')
    // A signed session start names the mode and interval; then checkpoints cover each run of 4.
    expect(kinds).toBe('SeeeeCeeeeCeeC')
    expect(s2.records[0]).toMatchObject({ type: 'session_start', details: { mode: 'checkpoint', interval: { events: 4, ms: 0 } } })
    expect(s1.records[0]).toMatchObject({ type: 'session_start', details: { mode: 'every' } })
    expect(s2.records[5]?.details).toMatchObject({ head: s2.records[4]?.hash, index: 5, interval: { events: 4, ms: 0 } })
    expect(verifyEvents(s2.records, { publicKey })).toMatchObject({ ok: true, signatures: 4 })
  })

  it('every mode signs on a worker thread or on the caller thread, with the same result', async () => {
    for (const signingThread of [true, false]) {
      const store = new MemoryStore()
      const trail = await AuditTrail.open(store, { signingKey: privateKey, mode: 'every', signingThread })
      const returned = await Promise.all(Array.from({ length: 50 }, (_, i) => trail.append({ agentId: 'a', type: 'message', details: { i } })))
      await trail.close()
      expect(returned.every((r) => typeof r.signature === 'string' && r.signature.length === 128), `signingThread ${signingThread}`).toBe(true)
      expect(store.records.slice(1)).toEqual(returned)
      expect(verifyEvents(store.records, { publicKey })).toMatchObject({ ok: true, count: 51, signatures: 51 })
    }
  })

  it('checkpoint mode also checkpoints on a timer', async () => {
    const store = new MemoryStore()
    const trail = await AuditTrail.open(store, { signingKey: privateKey, mode: 'checkpoint', checkpointEvery: 1000, checkpointIntervalMs: 20 })
    await trail.append({ agentId: 'a', type: 'message', details: {} })
    const deadline = Date.now() + 2000
    while (store.records.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(store.records.map((r) => r.type)).toEqual(['session_start', 'message', 'checkpoint'])
    await trail.close()
    expect(store.records.length).toBe(3)
  })

  it('continues an existing chain from the store head', async () => {
    const store = new MemoryStore()
    const t1 = await AuditTrail.open(store, { signingKey: privateKey, mode: 'checkpoint', checkpointIntervalMs: 0 })
    await t1.append({ agentId: 'a', type: 'message', details: { n: 1 } })
    await t1.close()
    const t2 = await AuditTrail.open(store, { signingKey: privateKey })
    await t2.append({ agentId: 'a', type: 'message', details: { n: 2 } })
    await t2.close()
    // session start, event, closing checkpoint; session start (every), event.
    expect(store.records.map((r) => r.type)).toEqual(['session_start', 'message', 'checkpoint', 'session_start', 'message'])
    expect(verifyEvents(store.records, { publicKey })).toMatchObject({ ok: true, count: 5 })
  })

  it('serializes concurrent appends into one unforked chain in call order, group-committing them', async () => {
    const store = new ProbeStore()
    const trail = await AuditTrail.open(store)
    const first = trail.append({ agentId: 'a', type: 'message', details: { i: 0 } })
    let release!: () => void
    store.gate = new Promise((r) => (release = r))
    await Promise.resolve()
    const rest = Array.from({ length: 99 }, (_, i) => trail.append({ agentId: 'a', type: 'message', details: { i: i + 1 } }))
    release()
    const events = await Promise.all([first, ...rest])
    expect(events.map((e) => e.details['i'])).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(store.records.map((r) => r.id)).toEqual(events.map((e) => e.id))
    expect(verifyEvents(store.records).ok).toBe(true)
    // 100 appends issued within one tick share a handful of writes, not 100.
    expect(store.batches.length).toBeLessThanOrEqual(3)
    await trail.close()
  })

  it('a store failure rejects the batch and poisons the trail (fail closed)', async () => {
    const store = new ProbeStore()
    const trail = await AuditTrail.open(store)
    await trail.append({ agentId: 'a', type: 'message', details: {} })
    store.failNext = true
    await expect(trail.append({ agentId: 'a', type: 'message', details: {} })).rejects.toMatchObject({ code: 'AUDIT_STORE_FAILED' })
    store.failNext = false
    await expect(trail.append({ agentId: 'a', type: 'message', details: {} })).rejects.toBeInstanceOf(AuditTrailError)
    expect(store.records.length).toBe(1)
  })

  it('rejects bad input without breaking the chain', async () => {
    const store = new MemoryStore()
    const trail = await AuditTrail.open(store)
    await expect(trail.append({ agentId: '', type: 'message', details: {} })).rejects.toMatchObject({ code: 'AUDIT_BAD_INPUT' })
    await expect(trail.append({ agentId: 'a', type: 'checkpoint' as never, details: {} })).rejects.toMatchObject({ code: 'AUDIT_BAD_INPUT' })
    await expect(trail.append({ agentId: 'a', type: 'message', details: [] as never })).rejects.toMatchObject({ code: 'AUDIT_BAD_INPUT' })
    await expect(trail.append(null as never)).rejects.toMatchObject({ code: 'AUDIT_BAD_INPUT' })
    await trail.append({ agentId: 'a', type: 'message', details: {} })
    expect(verifyEvents(store.records)).toMatchObject({ ok: true, count: 1 })
    await trail.close()
    await expect(trail.append({ agentId: 'a', type: 'message', details: {} })).rejects.toMatchObject({ code: 'AUDIT_CLOSED' })
  })

  it('appendMany chains its events in order with one promise, checkpoints included', async () => {
    const store = new ProbeStore()
    const trail = await AuditTrail.open(store, { signingKey: privateKey, mode: 'checkpoint', checkpointEvery: 4, checkpointIntervalMs: 0 })
    const single = trail.append({ agentId: 'a', type: 'message', details: { i: -1 } })
    const events = await trail.appendMany(Array.from({ length: 10 }, (_, i) => ({ agentId: 'a', type: 'message' as const, details: { i } })))
    await single
    // Returned in input order, the checkpoints written between them left out.
    expect(events.map((e) => e.details['i'])).toEqual(Array.from({ length: 10 }, (_, i) => i))
    const stored = store.records.filter((r) => r.type === 'message')
    expect(stored.map((r) => r.details['i'])).toEqual([-1, ...Array.from({ length: 10 }, (_, i) => i)])
    expect(events.map((e) => e.id)).toEqual(stored.slice(1).map((r) => r.id))
    expect(store.records.filter((r) => r.type === 'checkpoint').length).toBeGreaterThanOrEqual(2)
    // Closing signs the tail; then the whole log verifies.
    await trail.close()
    expect(verifyEvents(store.records, { publicKey })).toMatchObject({ ok: true })
  })

  it('appendMany appends the inputs before a malformed one, then rejects naming it', async () => {
    const store = new MemoryStore()
    const trail = await AuditTrail.open(store)
    const inputs = [{ agentId: 'a', type: 'message', details: { i: 0 } }, { agentId: 'a', type: 'message', details: { i: 1 } }, { agentId: '', type: 'message', details: {} }, { agentId: 'a', type: 'message', details: { i: 3 } }]
    await expect(trail.appendMany(inputs as never)).rejects.toMatchObject({ code: 'AUDIT_BAD_INPUT', message: expect.stringContaining('audit input 2') })
    await trail.flush()
    expect(store.records.map((r) => r.details['i'])).toEqual([0, 1])
    await expect(trail.appendMany([{ agentId: '', type: 'message', details: {} }] as never)).rejects.toMatchObject({ code: 'AUDIT_BAD_INPUT' })
    await expect(trail.appendMany('x' as never)).rejects.toMatchObject({ code: 'AUDIT_BAD_INPUT' })
    await expect(trail.appendMany([])).resolves.toEqual([])
    expect(verifyEvents(store.records)).toMatchObject({ ok: true, count: 2 })
    await trail.close()
    await expect(trail.appendMany([{ agentId: 'a', type: 'message', details: {} }])).rejects.toMatchObject({ code: 'AUDIT_CLOSED' })
  })

  it('refuses inconsistent options', async () => {
    await expect(AuditTrail.open(new MemoryStore(), { mode: 'every' })).rejects.toMatchObject({ code: 'AUDIT_BAD_OPTIONS' })
    await expect(AuditTrail.open(new MemoryStore(), { signingKey: privateKey, mode: 'checkpoint', checkpointEvery: 0 })).rejects.toMatchObject({ code: 'AUDIT_BAD_OPTIONS' })
    await expect(AuditTrail.open(new MemoryStore(), { signingKey: publicKey })).rejects.toMatchObject({ code: 'AUDIT_KEY_TYPE' })
  })
})
