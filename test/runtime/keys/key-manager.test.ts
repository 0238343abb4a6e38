import { createPublicKey, sign } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FileKeyStore, KeyError, KeyManager, keyIdOf } from '../../../runtime/keys/index.js'

const DAY = 86_400_000
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function setup(options: { passphrase?: string; overlapMs?: number } = {}): { km: KeyManager; dir: string; time: { now: number } } {
  const dir = mkdtempSync(join(tmpdir(), 'symbi-keys-'))
  dirs.push(dir)
  const time = { now: Date.UTC(2026, 0, 1) }
  const km = new KeyManager(new FileKeyStore(dir), { ...options, clock: () => time.now })
  return { km, dir, time }
}

/** A signature by an agent's current key over `data`, claiming the current time. */
function signNow(km: KeyManager, agent: string, data: string, at: number) {
  const s = km.signer(agent)
  return { keyId: s.keyId, data, signature: sign(null, Buffer.from(data), s.privateKey).toString('base64'), signedAt: at, agent }
}

describe('KeyManager', () => {
  it('certifies agent keys with the root; an uncertified or foreign key is refused', async () => {
    const { km, dir, time } = setup()
    const rec = await km.generate('alice')
    expect(rec.certification?.issuer).toBe(km.root().id)
    const claim = signNow(km, 'alice', 'hello', time.now)
    expect(km.verify(claim)).toEqual({ ok: true, keyId: rec.id, agent: 'alice' })
    expect(km.verify({ ...claim, agent: 'bob' })).toMatchObject({ ok: false, code: 'wrong_agent' })
    expect(km.verify({ ...claim, data: 'hellO' })).toMatchObject({ ok: false, code: 'bad_signature' })

    // A key put in the store without the root's certification (or with a forged one) verifies nothing.
    const file = join(dir, 'keys', `${rec.id.replace(':', '-')}.json`)
    const record = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({ ...record, certification: undefined }))
    expect(km.verify(claim)).toMatchObject({ ok: false, code: 'uncertified' })
    writeFileSync(file, JSON.stringify({ ...record, certification: { ...record.certification, agent: 'mallory' }, agent: 'mallory' }))
    expect(km.verify({ ...claim, agent: 'mallory' })).toMatchObject({ ok: false, code: 'uncertified' })
    // A record whose public key was swapped no longer matches its id.
    const other = await km.generate('bob')
    writeFileSync(file, JSON.stringify({ ...record, publicKey: other.publicKey }))
    expect(km.verify(claim)).toMatchObject({ ok: false, code: 'unknown_key' })
    expect(km.verify({ ...claim, keyId: `sha256:${'0'.repeat(64)}` })).toMatchObject({ ok: false, code: 'unknown_key' })
  })

  it('rotation: old signatures verify during the overlap and after; new ones only with the new key', async () => {
    const { km, time } = setup({ overlapMs: 2 * DAY })
    const first = await km.generate('alice')
    const before = signNow(km, 'alice', 'before rotation', time.now)
    const priv = km.signer('alice').privateKey
    time.now += DAY
    const { next, previous } = await km.rotate(first.id)
    expect(previous.status).toBe('retiring')
    expect(previous.retiresAt).toBe(time.now + 2 * DAY)
    expect(km.signer('alice').keyId).toBe(next.id)
    // During the overlap the old key still verifies new signatures (in-flight senders).
    time.now += DAY
    const during = { keyId: first.id, data: 'during', signature: sign(null, Buffer.from('during'), priv).toString('base64'), signedAt: time.now, agent: 'alice' }
    expect(km.verify(during).ok).toBe(true)
    time.now += 2 * DAY
    const after = { ...during, data: 'after', signedAt: time.now, signature: sign(null, Buffer.from('after'), priv).toString('base64') }
    expect(km.verify(after)).toMatchObject({ ok: false, code: 'retired' })
    expect(km.verify(before).ok).toBe(true)
    expect(km.verify(signNow(km, 'alice', 'new', time.now))).toEqual({ ok: true, keyId: next.id, agent: 'alice' })
    await expect(km.rotate(first.id)).rejects.toThrow(/already rotated/)
    expect(km.list().map((k) => [k.agent ?? 'root', k.status])).toEqual([['root', 'active'], ['alice', 'retiring'], ['alice', 'active']])
  })

  it('scheduled rotation: rotates the active agent keys that reached the age, and nothing else', async () => {
    const { km, time } = setup({ overlapMs: DAY })
    const alice = await km.generate('alice')
    time.now += 10 * DAY
    const bob = await km.generate('bob')
    const carol = await km.generate('carol')
    await km.revoke(carol.id, 'lost laptop')
    time.now += 80 * DAY
    // alice's key is 90 days old, bob's 80: only alice's is due; the root never rotates; a revoked key is not renewed.
    const first = await km.rotateDue(90 * DAY)
    expect(first.map((r) => [r.previous.id, r.next.agent])).toEqual([[alice.id, 'alice']])
    expect(km.signer('alice').keyId).toBe(first[0]?.next.id)
    expect(km.signer('bob').keyId).toBe(bob.id)
    // Exactly at the age counts; a rerun does not rotate the fresh successor (nor the retiring key) again.
    time.now += 10 * DAY
    const second = await km.rotateDue(90 * DAY)
    expect(second.map((r) => r.previous.id)).toEqual([bob.id])
    expect(await km.rotateDue(90 * DAY)).toEqual([])
    for (const bad of [0, -1, Number.NaN]) await expect(km.rotateDue(bad)).rejects.toThrow(/positive duration/)
  })

  it('revocation: signatures after the revocation time fail naming it; earlier ones still verify', async () => {
    const { km, dir, time } = setup()
    const rec = await km.generate('alice')
    const early = signNow(km, 'alice', 'early', time.now)
    const priv = km.signer('alice').privateKey
    time.now += 1000
    const r = await km.revoke(rec.id, 'laptop stolen')
    expect(r.revokedAt).toBe(time.now)
    const late = { ...early, data: 'late', signedAt: time.now + 1, signature: sign(null, Buffer.from('late'), priv).toString('base64') }
    const v = km.verify(late)
    expect(v).toMatchObject({ ok: false, code: 'revoked' })
    expect(v.ok ? '' : v.reason).toContain('laptop stolen')
    expect(km.verify(early).ok).toBe(true)
    expect(() => km.signer('alice')).toThrow(KeyError)
    expect(km.list().find((k) => k.id === rec.id)).toMatchObject({ status: 'revoked', reason: 'laptop stolen' })

    // The list is signed by the root: editing it out, or deleting it, does not un-revoke.
    const listFile = join(dir, 'revocations.json')
    const list = JSON.parse(readFileSync(listFile, 'utf8'))
    writeFileSync(listFile, JSON.stringify({ ...list, entries: [] }))
    expect(km.verify(late)).toMatchObject({ ok: false, code: 'revocations_tampered' })
    rmSync(listFile)
    expect(km.verify(late)).toMatchObject({ ok: false, code: 'revocations_tampered' })
  })

  it('encrypts private keys at rest; a wrong or missing passphrase is refused', async () => {
    const { km, dir, time } = setup({ passphrase: 'correct horse' })
    const rec = await km.generate('alice')
    expect(rec.privateKey.encoding).toBe('scrypt-aes-256-gcm')
    const text = readFileSync(join(dir, 'keys', `${rec.id.replace(':', '-')}.json`), 'utf8')
    expect(text).not.toContain('MC4CAQAw') // the PKCS#8 prefix of an Ed25519 key in base64
    expect(km.verify(signNow(km, 'alice', 'x', time.now)).ok).toBe(true)
    const wrong = new KeyManager(new FileKeyStore(dir), { passphrase: 'wrong horse' })
    expect(() => wrong.signer('alice')).toThrow(expect.objectContaining({ code: 'wrong_passphrase' }))
    const none = new KeyManager(new FileKeyStore(dir))
    expect(() => none.signer('alice')).toThrow(expect.objectContaining({ code: 'passphrase_required' }))
    // Verifying needs no passphrase: only public halves are read.
    expect(none.verify(signNow(km, 'alice', 'y', time.now)).ok).toBe(true)
  })

  it('writes 0600 files in a 0700 directory, atomically, and pins the root when asked', async () => {
    const { km, dir } = setup()
    const rec = await km.generate('alice')
    await km.revoke(rec.id, 'test')
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700)
    for (const f of readdirSync(join(dir, 'keys'))) expect(statSync(join(dir, 'keys', f)).mode & 0o777, f).toBe(0o600)
    expect(statSync(join(dir, 'revocations.json')).mode & 0o777).toBe(0o600)
    expect(readdirSync(join(dir, 'keys')).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const root = km.root()
    expect(keyIdOf(createPublicKey(km.exportPublic(root.id)))).toBe(root.id)
    expect(() => new KeyManager(new FileKeyStore(dir), { rootKeyId: `sha256:${'1'.repeat(64)}` }).root()).toThrow(/pinned/)
    expect(() => km.store.get('../../etc/passwd')).toThrow(/not a key id/)
  })
})
