import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { AuditTrail, CanonicalError, GENESIS_HASH, MemoryStore, canonical, canonicalEvent, chainHash } from '../../../runtime/audit/index.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 200)

describe('canonical form', () => {
  it('encodes each kind as documented in docs/audit.md', () => {
    expect(canonical(null)).toBe('n')
    expect(canonical(true)).toBe('t')
    expect(canonical(false)).toBe('f')
    expect(canonical(-0)).toBe('d1:0')
    expect(canonical(1.5e-7)).toBe('d6:1.5e-7')
    expect(canonical('é')).toBe('s2:é')
    expect(canonical('😀')).toBe('s4:😀')
    expect(canonical([1, 'a'])).toBe('a2:d1:1s1:a')
    expect(canonical({ b: 1, a: [true, null] })).toBe('r2:s1:aa2:tns1:bd1:1')
  })

  it('sorts keys by UTF-16 code units, whatever the insertion order', () => {
    expect(canonical({ b: 1, B: 2, a: 3, 'é': 4 })).toBe(canonical({ 'é': 4, a: 3, B: 2, b: 1 }))
    expect(canonical({ b: 1, B: 2 })).toBe('r2:s1:Bd1:2s1:bd1:1')
  })

  it('the event form is the record {agentId, details, id, timestamp, type}', () => {
    const e = { id: 'i', timestamp: 't', agentId: 'a', type: 'message', details: { k: 'v' } }
    expect(canonicalEvent(e)).toBe(canonical({ agentId: 'a', details: { k: 'v' }, id: 'i', timestamp: 't', type: 'message' }))
    expect(canonicalEvent(e)).toBe('r5:s7:agentIds1:as7:detailsr1:s1:ks1:vs2:ids1:is9:timestamps1:ts4:types7:message')
  })

  it('hash = SHA-256(previousHash hex ‖ canonical(event)), checked against an independent computation', () => {
    const e = { id: 'i', timestamp: 't', agentId: 'a', type: 'message', details: {} }
    const expected = createHash('sha256').update(GENESIS_HASH + canonicalEvent(e), 'utf8').digest('hex')
    expect(chainHash(GENESIS_HASH, e)).toBe(expected)
  })

  it('refuses values without a unique encoding', () => {
    expect(() => canonical(Number.NaN)).toThrow(CanonicalError)
    expect(() => canonical('\ud800')).toThrow(CanonicalError)
    expect(() => canonical(new Date())).toThrow(CanonicalError)
    expect(() => canonical(undefined)).toThrow(CanonicalError)
    let deep: unknown = 1
    for (let i = 0; i < 200; i++) deep = [deep]
    expect(() => canonical(deep)).toThrow(/deeper/)
  })

  it('is injective on JSON values: different values never share an encoding (property)', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown)
    fc.assert(
      fc.property(json, json, (a, b) => {
        if (JSON.stringify(sortDeep(a)) !== JSON.stringify(sortDeep(b))) expect(canonical(a)).not.toBe(canonical(b))
        else expect(canonical(a)).toBe(canonical(b))
      }),
      { numRuns: RUNS },
    )
  })

  it('survives the JSON round trip of the file format (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const once = JSON.parse(JSON.stringify({ v })) as unknown
        expect(canonical(JSON.parse(JSON.stringify(once)))).toBe(canonical(once))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('timestamps', () => {
  it('are ISO 8601 UTC from the trail clock', async () => {
    const store = new MemoryStore()
    const trail = await AuditTrail.open(store, { clock: () => Date.UTC(2026, 10, 26, 12, 0, 0, 5) })
    const e = await trail.append({ agentId: 'a', type: 'message', details: {} })
    expect(e.timestamp).toBe('2026-11-26T12:00:00.005Z')
    await trail.close()
  })
})

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]))
  return v
}
