import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../../cli/io.js'
import { main } from '../../../cli/main.js'
import { chainHash } from '../../../runtime/audit/canonical.js'
import { openAuditLog } from '../../../runtime/audit/open.js'
import { applyRetention, RetentionError } from '../../../runtime/audit/retention.js'
import { signHash } from '../../../runtime/audit/signing.js'
import { verify } from '../../../runtime/audit/verify-log.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const DAY = 86_400_000
const T0 = Date.UTC(2020, 0, 1)

/** A checkpoint-mode log over 10 days, 20 records a day, checkpoints every 7. */
async function seed(mode: 'checkpoint' | 'every' = 'checkpoint') {
  const dir = mkdtempSync(join(tmpdir(), 'symbi-retention-'))
  dirs.push(dir)
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  writeFileSync(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
  let now = T0
  const trail = await openAuditLog(join(dir, 'audit.log'), { signingKey: privateKey, mode, checkpointEvery: 7, clock: () => now })
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < 20; i++) {
      await trail.append({ agentId: `a${i % 3}`, type: 'policy_decision', details: { day: d, i } })
      now += 1000
    }
    now = T0 + (d + 1) * DAY
  }
  await trail.close()
  return { dir, log: join(dir, 'audit.log'), privateKey, publicKey }
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; timestamp: string; details: Record<string, unknown>; signature?: string })

describe('retention', () => {
  it('deletes records before the cut behind a signed tombstone; the log still verifies, twice over', async () => {
    const { log, privateKey, publicKey } = await seed()
    const before = await verify(log, { publicKey })
    expect(before.ok).toBe(true)
    const r = await applyRetention(log, { before: T0 + 4 * DAY, signingKey: privateKey, clock: () => T0 + 20 * DAY })
    expect(r.removed).toBeGreaterThan(70)
    const after = await verify(log, { publicKey })
    expect(after).toMatchObject({ ok: true, pruned: { deleted: r.deleted } })
    const recs = lines(log)
    expect(recs[0]?.type).toBe('retention_tombstone')
    // The cut is just after a signed record; nothing at or after the retention time was deleted.
    expect(recs.slice(1).every((x) => Date.parse(x.timestamp) >= T0 + 3 * DAY)).toBe(true)
    expect(recs.some((x) => x.details['day'] === 4 && x.details['i'] === 0)).toBe(true)
    // The same head: nothing after the cut changed.
    expect(after.ok && after.head).toBe(before.ok && before.head)
    // An anchor taken at the last deleted record is vouched for by the tombstone; one deleted
    // before it can no longer be checked, and says so.
    const tombDetails = recs[0]?.details as { last_hash: string }
    expect(await verify(log, { publicKey, anchor: tombDetails.last_hash })).toMatchObject({ ok: true, anchorIndex: 0 })
    expect(await verify(log, { publicKey, anchor: 'ab'.repeat(32) })).toMatchObject({ ok: false, code: 'AUDIT_TRUNCATED' })

    // A second run moves the tombstone forward and counts all deleted records.
    const r2 = await applyRetention(log, { before: T0 + 7 * DAY, signingKey: privateKey })
    expect(r2.deleted).toBe(r.deleted + r2.removed)
    expect(await verify(log, { publicKey })).toMatchObject({ ok: true, pruned: { deleted: r2.deleted } })
  })

  it('archives the deleted records as a log that verifies on its own, with its hash in the tombstone', async () => {
    const { dir, log, privateKey, publicKey } = await seed('every')
    const archive = join(dir, 'archive.log')
    const r = await applyRetention(log, { before: T0 + 5 * DAY, signingKey: privateKey, archive })
    expect(await verify(archive, { publicKey })).toMatchObject({ ok: true, count: r.removed })
    expect(lines(log)[0]?.details['archive_sha256']).toBe(r.archiveSha256)
    expect(await verify(log, { publicKey })).toMatchObject({ ok: true })
    // Never over an existing archive.
    await expect(applyRetention(log, { before: T0 + 8 * DAY, signingKey: privateKey, archive })).rejects.toThrow(/EEXIST/)
  })

  it('refuses to prune a log that does not verify, and refuses forged or misplaced tombstones', async () => {
    const { dir, log, privateKey, publicKey } = await seed()
    const text = readFileSync(log, 'utf8')
    writeFileSync(log, text.replace('"day":2,"i":5', '"day":2,"i":6'))
    await expect(applyRetention(log, { before: T0 + 4 * DAY, signingKey: privateKey })).rejects.toThrow(RetentionError)
    writeFileSync(log, text)
    await applyRetention(log, { before: T0 + 4 * DAY, signingKey: privateKey })
    const pruned = readFileSync(log, 'utf8').split('\n')

    // An attacker without the key cuts more records and re-signs nothing: the tombstone's hash breaks.
    const tomb = JSON.parse(pruned[0] as string) as Record<string, unknown> & { details: Record<string, unknown> }
    const shorter = [JSON.stringify({ ...tomb, details: { ...tomb.details, deleted: 1 } }), ...pruned.slice(1)].join('\n')
    writeFileSync(join(dir, 'forged.log'), shorter)
    expect(await verify(join(dir, 'forged.log'), { publicKey })).toMatchObject({ ok: false })

    // A tombstone signed with another key is refused.
    const other = generateKeyPairSync('ed25519').privateKey
    const fields = { id: tomb['id'] as string, timestamp: tomb['timestamp'] as string, agentId: tomb['agentId'] as string, type: 'retention_tombstone', details: tomb.details as never }
    const hash = chainHash('0'.repeat(64), fields)
    const resigned = { ...fields, previousHash: '0'.repeat(64), hash, signature: signHash(hash, other) }
    const { serializeEvent } = await import('../../../runtime/audit/event.js')
    writeFileSync(join(dir, 'resigned.log'), [serializeEvent(resigned as never), ...pruned.slice(1)].join('\n'))
    expect(await verify(join(dir, 'resigned.log'), { publicKey })).toMatchObject({ ok: false, code: 'AUDIT_BAD_SIGNATURE' })

    // A tombstone anywhere but first is refused.
    const moved = [pruned[1], pruned[0], ...pruned.slice(2)].join('\n')
    writeFileSync(join(dir, 'moved.log'), moved)
    expect(await verify(join(dir, 'moved.log'), { publicKey })).toMatchObject({ ok: false })
  })

  it('symbi-policy audit prune and verify from the command line', async () => {
    const { dir } = await seed()
    let out = ''
    const io: CliIO = { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd: dir }
    expect(await main(['audit', 'prune', 'audit.log', '--before', new Date(T0 + 6 * DAY).toISOString(), '--signing-key', 'private.pem', '--archive', 'old.log'], io)).toBe(0)
    expect(out).toMatch(/^pruned \d+ records \(\d+ deleted in all\); \d+ kept after a signed tombstone; archive sha256 [0-9a-f]{64}/)
    expect(existsSync(join(dir, 'old.log'))).toBe(true)
    expect(await main(['audit', 'prune', 'audit.log', '--before', 'soon', '--signing-key', 'private.pem'], io)).toBe(2)
  })
})

describe('evidence export', () => {
  it('writes the segment around an incident as a log that verifies on its own, from the command line too', async () => {
    const { dir, log, privateKey, publicKey } = await seed()
    const { exportEvidence } = await import('../../../runtime/audit/retention.js')
    const out = join(dir, 'incident.log')
    const r = await exportEvidence(log, { from: T0 + 3 * DAY, to: T0 + 3 * DAY + 10_000, signingKey: privateKey, out })
    expect(r.before).toBeGreaterThan(50)
    const v = await verify(out, { publicKey })
    expect(v).toMatchObject({ ok: true, pruned: { deleted: r.before } })
    const recs = lines(out)
    expect(recs[0]?.type).toBe('retention_tombstone')
    expect(recs.some((x) => x.details['day'] === 3 && x.details['i'] === 5)).toBe(true)
    expect(recs.some((x) => x.details['day'] === 5)).toBe(false)
    // A changed record in the export is caught by verifying the export alone.
    writeFileSync(out + '.bad', readFileSync(out, 'utf8').replace('"day":3,"i":5', '"day":3,"i":6'))
    expect((await verify(out + '.bad', { publicKey })).ok).toBe(false)

    let text = ''
    const io: CliIO = { out: (t) => void (text += t), err: (t) => void (text += t), readStdin: async () => '', env: {}, cwd: dir }
    expect(await main(['audit', 'export', 'audit.log', '--from', new Date(T0 + 6 * DAY).toISOString(), '--to', new Date(T0 + 6 * DAY + 5000).toISOString(), '--signing-key', 'private.pem', '-o', 'e.log'], io)).toBe(0)
    expect(text).toMatch(/^exported \d+ records/)
    text = ''
    writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }))
    expect(await main(['audit', 'verify', 'e.log', '--public-key', 'public.pem'], io)).toBe(0)
  })
})
