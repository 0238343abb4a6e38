import { describe, it, expect, beforeAll } from 'vitest'
import fc from 'fast-check'
import type { KeyObject } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import { chainHash, signHash, verify, verifyLogBytes, type AuditEvent, type AuditVerifyOptions } from '../../../runtime/audit/index.js'
import { buildLog, keyPair, tempDir, toBytes } from './helpers.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 200)

interface Fixture {
  readonly name: string
  readonly records: AuditEvent[]
  readonly bytes: Buffer
  readonly opts: AuditVerifyOptions
  /** Whether a forged record appended at the very end must be detected (only signatures can). */
  readonly tailProtected: boolean
}

let fixtures: Fixture[] = []
let small: Fixture
let otherKey: KeyObject

beforeAll(async () => {
  const { privateKey, publicKey } = keyPair()
  otherKey = keyPair().privateKey
  const make = async (name: string, records: AuditEvent[], key: boolean, tailProtected: boolean): Promise<Fixture> => {
    const bytes = toBytes(records)
    const head = records.at(-1)?.hash as string
    const opts: AuditVerifyOptions = key ? { publicKey, anchor: head } : { anchor: head }
    expect(verifyLogBytes(bytes, opts).ok).toBe(true)
    return { name, records, bytes, opts, tailProtected }
  }
  fixtures = [
    await make('unsigned', await buildLog(6), false, false),
    await make('every event signed', await buildLog(6, { key: privateKey, mode: 'every' }), true, true),
    await make('checkpoints', await buildLog(7, { key: privateKey, mode: 'checkpoint', checkpointEvery: 3 }), true, false),
  ]
  small = await make('small signed', await buildLog(2, { key: privateKey, mode: 'every' }), true, true)
})

const fixtureIndex = fc.nat({ max: 2 })

function lines(f: Fixture): string[] {
  return f.bytes.toString('utf8').split('\n').slice(0, -1)
}

function join(ls: readonly string[]): Buffer {
  return Buffer.from(ls.map((l) => l + '\n').join(''), 'utf8')
}

describe('tampering with a serialized log is detected', () => {
  it('any single-byte change', () => {
    fc.assert(
      fc.property(fixtureIndex, fc.nat(), fc.integer({ min: 1, max: 255 }), (fi, pos, delta) => {
        const f = fixtures[fi] as Fixture
        const bytes = Buffer.from(f.bytes)
        const p = pos % bytes.length
        bytes[p] = ((bytes[p] as number) + delta) % 256
        expect(verifyLogBytes(bytes, f.opts).ok).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })

  it('every byte position matters (exhaustive over positions of a small signed log, three deltas each)', () => {
    const f = small
    const missed: number[] = []
    for (let p = 0; p < f.bytes.length; p++) {
      for (const delta of [1, 0x20, 0x80]) {
        const bytes = Buffer.from(f.bytes)
        bytes[p] = ((bytes[p] as number) ^ delta) & 0xff
        if (verifyLogBytes(bytes, f.opts).ok) missed.push(p)
      }
    }
    expect(missed).toEqual([])
  })

  it('any single-byte deletion or insertion', () => {
    fc.assert(
      fc.property(fixtureIndex, fc.nat(), fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), (fi, pos, inserted) => {
        const f = fixtures[fi] as Fixture
        const p = pos % (f.bytes.length + (inserted === undefined ? 0 : 1))
        const bytes =
          inserted === undefined
            ? Buffer.concat([f.bytes.subarray(0, p), f.bytes.subarray(p + 1)])
            : Buffer.concat([f.bytes.subarray(0, p), Buffer.from([inserted]), f.bytes.subarray(p)])
        expect(verifyLogBytes(bytes, f.opts).ok).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })

  it('deleting any event (verified against the anchor)', () => {
    fc.assert(
      fc.property(fixtureIndex, fc.nat(), (fi, k) => {
        const f = fixtures[fi] as Fixture
        const ls = lines(f)
        ls.splice(k % ls.length, 1)
        expect(verifyLogBytes(join(ls), f.opts).ok).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })

  it('inserting an event: a copy of another, or a forged one linked in (unsigned or signed by another key)', () => {
    fc.assert(
      fc.property(fixtureIndex, fc.nat(), fc.nat(), fc.constantFrom('copy', 'forged', 'forged-signed'), (fi, at, src, how) => {
        const f = fixtures[fi] as Fixture
        const ls = lines(f)
        const k = at % (f.tailProtected ? ls.length + 1 : ls.length)
        let line: string
        if (how === 'copy') line = ls[src % ls.length] as string
        else {
          const prev = k === 0 ? '0'.repeat(64) : (f.records[k - 1] as AuditEvent).hash
          const fields = { id: `forged-${src}`, timestamp: '2030-01-01T00:00:00.000Z', agentId: 'mallory', type: 'policy_decision' as const, details: { decision: 'allow' } }
          const hash = chainHash(prev, fields)
          const forged: AuditEvent = how === 'forged' ? { ...fields, previousHash: prev, hash } : { ...fields, previousHash: prev, hash, signature: signHash(hash, otherKey) }
          line = JSON.stringify(forged)
        }
        ls.splice(k, 0, line)
        expect(verifyLogBytes(join(ls), f.opts).ok).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })

  it('swapping any two events', () => {
    fc.assert(
      fc.property(fixtureIndex, fc.nat(), fc.nat(), (fi, a, b) => {
        const f = fixtures[fi] as Fixture
        const ls = lines(f)
        const i = a % ls.length
        const j = b % ls.length
        fc.pre(i !== j)
        ;[ls[i], ls[j]] = [ls[j] as string, ls[i] as string]
        expect(verifyLogBytes(join(ls), f.opts).ok).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })

  it('an unsigned log can be extended at its tail by anyone: the documented limit that signatures close', () => {
    const f = fixtures[0] as Fixture
    const prev = (f.records.at(-1) as AuditEvent).hash
    const fields = { id: 'appended', timestamp: '2030-01-01T00:00:00.000Z', agentId: 'x', type: 'message' as const, details: {} }
    const extended = Buffer.concat([f.bytes, Buffer.from(JSON.stringify({ ...fields, previousHash: prev, hash: chainHash(prev, fields) }) + '\n')])
    expect(verifyLogBytes(extended, f.opts)).toMatchObject({ ok: true, count: f.records.length + 1, anchorIndex: f.records.length - 1 })
  })

  it('streaming file verification gives the same verdict as in-memory verification (property)', async () => {
    const dir = tempDir()
    let n = 0
    await fc.assert(
      fc.asyncProperty(fixtureIndex, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'drop-line', 'swap-lines'), async (fi, pos, byte, how) => {
        const f = fixtures[fi] as Fixture
        let bytes: Buffer
        if (how === 'set') {
          bytes = Buffer.from(f.bytes)
          bytes[pos % bytes.length] = byte
        } else {
          const ls = lines(f)
          const i = pos % ls.length
          const j = (i + 1 + (byte % (ls.length - 1))) % ls.length
          if (how === 'drop-line') ls.splice(i, 1)
          else [ls[i], ls[j]] = [ls[j] as string, ls[i] as string]
          bytes = join(ls)
        }
        const path = joinPath(dir, `log-${n++}`)
        writeFileSync(path, bytes)
        expect(await verify(path, f.opts)).toEqual(verifyLogBytes(bytes, f.opts))
      }),
      { numRuns: Math.max(20, Math.floor(RUNS / 4)) },
    )
  })
})
