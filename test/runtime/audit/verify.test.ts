import { describe, it, expect, beforeAll } from 'vitest'
import type { KeyObject } from 'node:crypto'
import { GENESIS_HASH, chainHash, verifyEvents, verifyLogBytes, type AuditEvent, type AuditVerifyResult } from '../../../runtime/audit/index.js'
import { buildLog, keyPair, rechain, toBytes } from './helpers.js'

let privateKey: KeyObject
let publicKey: KeyObject
let plain: AuditEvent[]
let signed: AuditEvent[]
let checkpointed: AuditEvent[]

beforeAll(async () => {
  ;({ privateKey, publicKey } = keyPair())
  plain = await buildLog(8)
  signed = await buildLog(8, { key: privateKey, mode: 'every' })
  checkpointed = await buildLog(8, { key: privateKey, mode: 'checkpoint', checkpointEvery: 3 })
})

function failure(r: AuditVerifyResult): { index: number; code: string } {
  if (r.ok) throw new Error(`expected a failure, got ok (${r.count} events)`)
  return { index: r.index, code: r.code }
}

function edit(records: readonly AuditEvent[], i: number, patch: Partial<AuditEvent>): AuditEvent[] {
  return records.map((r, j) => (j === i ? { ...r, ...patch } : r))
}

describe('verify: valid logs', () => {
  it('accepts an empty log with the genesis head', () => {
    expect(verifyEvents([])).toEqual({ ok: true, count: 0, head: GENESIS_HASH, signaturesChecked: false, signatures: 0, unsignedTail: 0 })
  })

  it('accepts an unsigned log without a key and reports its head', () => {
    const r = verifyEvents(plain)
    expect(r).toMatchObject({ ok: true, count: 8, head: plain[7]?.hash, signaturesChecked: false })
  })

  it('accepts an every-event-signed log with its public key', () => {
    // The signed session start, then 8 signed events.
    expect(signed[0]).toMatchObject({ type: 'session_start', details: { mode: 'every' } })
    expect(verifyEvents(signed, { publicKey })).toMatchObject({ ok: true, count: 9, signatures: 9, unsignedTail: 0 })
  })

  it('accepts a checkpointed log: signed session start, one checkpoint every 3 events, final checkpoint', () => {
    const types = checkpointed.map((e) => e.type)
    expect(types.filter((t) => t === 'checkpoint').length).toBe(3)
    expect(types[0]).toBe('session_start')
    expect(types.at(-1)).toBe('checkpoint')
    expect(verifyEvents(checkpointed, { publicKey })).toMatchObject({ ok: true, count: 12, signatures: 4, unsignedTail: 0 })
  })

  it('accepts the same logs as file bytes', () => {
    expect(verifyLogBytes(toBytes(signed), { publicKey }).ok).toBe(true)
    expect(verifyLogBytes(toBytes(checkpointed), { publicKey }).ok).toBe(true)
  })
})

describe('verify: each reason', () => {
  it('AUDIT_HASH_MISMATCH for a changed field', () => {
    const details = { ...(plain[3] as AuditEvent).details, action: 'delete' }
    expect(failure(verifyEvents(edit(plain, 3, { details })))).toEqual({ index: 3, code: 'AUDIT_HASH_MISMATCH' })
    expect(failure(verifyEvents(edit(plain, 5, { agentId: 'mallory' })))).toEqual({ index: 5, code: 'AUDIT_HASH_MISMATCH' })
    expect(failure(verifyEvents(edit(plain, 0, { timestamp: '2000-01-01T00:00:00.000Z' })))).toEqual({ index: 0, code: 'AUDIT_HASH_MISMATCH' })
  })

  it('AUDIT_BROKEN_LINK for a deleted event, in the middle or at the start', () => {
    expect(failure(verifyEvents([...plain.slice(0, 4), ...plain.slice(5)]))).toEqual({ index: 4, code: 'AUDIT_BROKEN_LINK' })
    expect(failure(verifyEvents(plain.slice(2)))).toEqual({ index: 0, code: 'AUDIT_BROKEN_LINK' })
  })

  it('AUDIT_REORDERED for two swapped events', () => {
    const swapped = [...plain]
    ;[swapped[2], swapped[5]] = [swapped[5] as AuditEvent, swapped[2] as AuditEvent]
    expect(failure(verifyEvents(swapped))).toEqual({ index: 2, code: 'AUDIT_REORDERED' })
  })

  it('AUDIT_INSERTED for a forged event linked into the chain, a replayed copy, or a prepended chain', () => {
    const base = plain[2] as AuditEvent
    const fields = { id: 'forged', timestamp: base.timestamp, agentId: 'mallory', type: base.type, details: { grant: 'all' } }
    const forged: AuditEvent = { ...fields, previousHash: base.hash, hash: chainHash(base.hash, fields) }
    expect(failure(verifyEvents([...plain.slice(0, 3), forged, ...plain.slice(3)]))).toEqual({ index: 3, code: 'AUDIT_INSERTED' })
    expect(failure(verifyEvents([...plain.slice(0, 5), plain[1] as AuditEvent, ...plain.slice(5)]))).toEqual({ index: 5, code: 'AUDIT_INSERTED' })
    const other = rechain([{ ...(plain[0] as AuditEvent), id: 'other-log' }])
    expect(failure(verifyEvents([...other, ...plain]))).toEqual({ index: 0, code: 'AUDIT_INSERTED' })
  })

  it('AUDIT_BAD_SIGNATURE for a changed signature or the wrong key', () => {
    const sig = (signed[4] as AuditEvent).signature as string
    const flipped = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1)
    expect(failure(verifyEvents(edit(signed, 4, { signature: flipped }), { publicKey }))).toEqual({ index: 4, code: 'AUDIT_BAD_SIGNATURE' })
    expect(failure(verifyEvents(signed, { publicKey: keyPair().publicKey }))).toEqual({ index: 0, code: 'AUDIT_BAD_SIGNATURE' })
    expect(failure(verifyEvents(checkpointed, { publicKey: keyPair().publicKey }))).toEqual({ index: 0, code: 'AUDIT_BAD_SIGNATURE' })
  })

  it('AUDIT_MISSING_SIGNATURE for an unsigned event or checkpoint when a key is given', () => {
    expect(failure(verifyEvents(plain, { publicKey }))).toEqual({ index: 0, code: 'AUDIT_MISSING_SIGNATURE' })
    const stripped = signed.map((e, i) => (i === 6 ? { ...e, signature: undefined } : e)).map(({ signature, ...rest }) => (signature === undefined ? rest : { ...rest, signature }))
    // In an every-event session an unsigned event is a downgrade.
    expect(failure(verifyEvents(stripped, { publicKey }))).toEqual({ index: 6, code: 'AUDIT_MODE_DOWNGRADE' })
    const { signature: _s, ...unsignedCheckpoint } = checkpointed[4] as AuditEvent
    expect(checkpointed[4]?.type).toBe('checkpoint')
    expect(failure(verifyEvents(checkpointed.map((e, i) => (i === 4 ? unsignedCheckpoint : e)), { publicKey }))).toEqual({ index: 4, code: 'AUDIT_MISSING_SIGNATURE' })
  })

  it('AUDIT_MISSING_CHECKPOINT when a run of unsigned events exceeds the declared interval', () => {
    // Records: cp0, e1 e2 e3, cp4, e5 …; without cp4 the 4th unsigned event in a row (now index 4) is uncovered.
    expect(checkpointed[4]?.type).toBe('checkpoint')
    const relinked = rechain(checkpointed.filter((_, i) => i !== 4), privateKey, true)
    expect(verifyEvents(relinked)).toMatchObject({ ok: true })
    expect(failure(verifyEvents(relinked, { publicKey }))).toEqual({ index: 4, code: 'AUDIT_MISSING_CHECKPOINT' })
  })

  it('AUDIT_BAD_CHECKPOINT for a checkpoint whose details do not match its position', () => {
    const bad = rechain(checkpointed.map((e, i) => (i === 4 ? { ...e, details: { ...e.details, index: 99 } } : e)), privateKey)
    expect(failure(verifyEvents(bad, { publicKey }))).toEqual({ index: 4, code: 'AUDIT_BAD_CHECKPOINT' })
    const noInterval = rechain(checkpointed.map((e, i) => (i === 4 ? { ...e, details: { head: e.previousHash, index: 4 } } : e)), privateKey, false)
    expect(failure(verifyEvents(noInterval))).toEqual({ index: 4, code: 'AUDIT_BAD_CHECKPOINT' })
  })

  it('AUDIT_BAD_SESSION for a session start that names no known mode or a bad interval', () => {
    expect(checkpointed[0]?.type).toBe('session_start')
    for (const details of [{ mode: 'none' }, { mode: 'checkpoint' }, { mode: 'every', interval: { events: 3, ms: 0 } }, { mode: 'checkpoint', interval: { events: 0, ms: 0 } }]) {
      const bad = rechain(checkpointed.map((e, i) => (i === 0 ? { ...e, details } : e)), privateKey)
      expect(failure(verifyEvents(bad)), JSON.stringify(details)).toEqual({ index: 0, code: 'AUDIT_BAD_SESSION' })
    }
  })

  it('AUDIT_TRUNCATED when the anchor (expected head) is missing', () => {
    const anchor = (plain[7] as AuditEvent).hash
    expect(failure(verifyEvents(plain.slice(0, 6), { anchor }))).toEqual({ index: 6, code: 'AUDIT_TRUNCATED' })
    expect(verifyEvents(plain, { anchor })).toMatchObject({ ok: true, anchorIndex: 7 })
    expect(verifyEvents(plain, { anchor: (plain[3] as AuditEvent).hash })).toMatchObject({ ok: true, anchorIndex: 3 })
  })

  it('AUDIT_MALFORMED_RECORD for a record of the wrong shape', () => {
    expect(failure(verifyEvents(edit(plain, 2, { hash: (plain[2] as AuditEvent).hash.toUpperCase() })))).toEqual({ index: 2, code: 'AUDIT_MALFORMED_RECORD' })
    expect(failure(verifyEvents([...plain.slice(0, 3), { ...plain[3], extra: 1 }]))).toEqual({ index: 3, code: 'AUDIT_MALFORMED_RECORD' })
    expect(failure(verifyEvents([null]))).toEqual({ index: 0, code: 'AUDIT_MALFORMED_RECORD' })
    expect(failure(verifyEvents(edit(plain, 1, { details: { n: Number.NaN } })))).toEqual({ index: 1, code: 'AUDIT_MALFORMED_RECORD' })
    expect(failure(verifyEvents(edit(plain, 1, { details: { s: '\ud800' } })))).toEqual({ index: 1, code: 'AUDIT_MALFORMED_RECORD' })
  })

  it('AUDIT_MALFORMED_RECORD for a line not in canonical file form, AUDIT_TORN_RECORD for a missing final newline', () => {
    const text = toBytes(plain).toString('utf8')
    const lines = text.split('\n')
    lines[3] = (lines[3] as string).replace('{"id":', '{ "id":')
    expect(failure(verifyLogBytes(Buffer.from(lines.join('\n'))))).toEqual({ index: 3, code: 'AUDIT_MALFORMED_RECORD' })
    expect(failure(verifyLogBytes(Buffer.from(text.slice(0, -1))))).toEqual({ index: 7, code: 'AUDIT_TORN_RECORD' })
    expect(failure(verifyLogBytes(Buffer.from('\uFEFF' + text)))).toEqual({ index: 0, code: 'AUDIT_MALFORMED_RECORD' })
    expect(failure(verifyLogBytes(Buffer.concat([toBytes(plain.slice(0, 2)), Buffer.from([0xff, 0x0a])])))).toEqual({ index: 2, code: 'AUDIT_MALFORMED_RECORD' })
  })

  it('reports the earliest problem when a chain error precedes a malformed line', () => {
    const bytes = Buffer.concat([toBytes(edit(plain, 1, { agentId: 'x' }).slice(0, 4)), Buffer.from('garbage\n')])
    expect(failure(verifyLogBytes(bytes))).toEqual({ index: 1, code: 'AUDIT_HASH_MISMATCH' })
  })

  it('rejects an anchor that is not a hash', () => {
    expect(() => verifyEvents(plain, { anchor: 'abc' })).toThrow(/anchor/)
  })
})
