import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FileKeyStore, KeyManager, keyIdOf, keyManagerDirectory } from '../../../runtime/keys/index.js'
import { MessageError, SecureMessenger } from '../../../runtime/messaging/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function world() {
  const dir = mkdtempSync(join(tmpdir(), 'symbi-km-msg-'))
  dirs.push(dir)
  const time = { now: Date.UTC(2026, 5, 1) }
  const km = new KeyManager(new FileKeyStore(dir), { clock: () => time.now, overlapMs: 3_600_000 })
  await km.generate('alice')
  await km.generate('bob')
  const sharedKey = randomBytes(32)
  const clock = () => time.now
  const sender = (signingKey = km.signer('alice').privateKey) => new SecureMessenger({ identity: { id: 'alice', signingKey }, directory: keyManagerDirectory(km), sharedKey, clock })
  const bob = new SecureMessenger({ identity: { id: 'bob', signingKey: km.signer('bob').privateKey }, directory: keyManagerDirectory(km), sharedKey, clock })
  const refusal = (f: () => unknown): { code: string; message: string } | undefined => {
    try {
      f()
      return undefined
    } catch (e) {
      if (e instanceof MessageError) return { code: e.code, message: e.message }
      throw e
    }
  }
  return { dir, km, time, sender, bob, refusal }
}

describe('messaging verifies through the key manager', () => {
  it('accepts certified keys, refuses forged signatures, honours rotation overlap and revocation', async () => {
    const { km, time, sender, bob, refusal } = await world()
    const alice = sender()
    expect(bob.open(alice.seal({ recipient: 'bob', payload: 'hi' })).payload.toString()).toBe('hi')

    // A forged message: signed by a key the store does not hold for alice.
    const forger = sender(generateKeyPairSync('ed25519').privateKey)
    expect(refusal(() => bob.open(forger.seal({ recipient: 'bob', payload: 'pay mallory' })))?.code).toBe('bad_signature')

    // Rotation: the old key still works inside the overlap, the new one at once.
    const oldId = km.signer('alice').keyId
    await km.rotate(oldId)
    expect(bob.open(alice.seal({ recipient: 'bob', payload: 'old key, in overlap' })).payload.toString()).toBe('old key, in overlap')
    const alice2 = sender()
    expect(bob.open(alice2.seal({ recipient: 'bob', payload: 'new key' })).payload.toString()).toBe('new key')
    time.now += 2 * 3_600_000
    const retired = refusal(() => bob.open(alice.seal({ recipient: 'bob', payload: 'old key, after overlap' })))
    expect(retired?.code).toBe('key_untrusted')
    expect(retired?.message).toContain('was rotated')

    // Revocation: messages signed after it are refused, naming the revocation.
    await km.revoke(km.signer('alice').keyId, 'key leaked in a log')
    time.now += 1
    const revoked = refusal(() => bob.open(alice2.seal({ recipient: 'bob', payload: 'after revocation' })))
    expect(revoked?.code).toBe('key_revoked')
    expect(revoked?.message).toContain('key leaked in a log')
  })

  it('refuses a key placed in the store without the root’s certification', async () => {
    const { dir, bob, sender, refusal } = await world()
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    const id = keyIdOf(publicKey)
    const record = {
      id,
      kind: 'agent',
      agent: 'alice',
      algorithm: 'ed25519',
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      privateKey: { encoding: 'plain', pkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64') },
      createdAt: Date.UTC(2026, 5, 2),
      status: 'active',
    }
    writeFileSync(join(dir, 'keys', `${id.replace(':', '-')}.json`), JSON.stringify(record))
    const r = refusal(() => bob.open(sender(privateKey).seal({ recipient: 'bob', payload: 'x' })))
    expect(r?.code).toBe('key_untrusted')
    expect(r?.message).toContain('no valid certification')
    expect(refusal(() => bob.open(sender().seal({ recipient: 'bob', payload: 'x' })))).toBeUndefined()
  })

  it('encrypts to managed X25519 agreement keys: certified, rotated and revoked like signing keys', async () => {
    const { km, time, refusal } = await world()
    const clock = () => time.now
    await km.generate('alice', { agreement: true })
    const bobAgreement = await km.generate('bob', { agreement: true })
    expect(bobAgreement).toMatchObject({ kind: 'agreement', algorithm: 'x25519', agent: 'bob' })
    const messenger = (id: string) => new SecureMessenger({ identity: { id, signingKey: km.signer(id).privateKey, agreementKey: km.agreementIdentity(id).privateKey }, directory: keyManagerDirectory(km), clock })
    const alice = messenger('alice')
    const bob = messenger('bob')
    const sealed = alice.seal({ recipient: 'bob', payload: 'for bob only', cipher: 'x25519-chacha20-poly1305' })
    expect(bob.open(sealed).payload.toString()).toBe('for bob only')

    // An agreement key signs nothing: a signature claimed by it is refused by kind, not tried.
    expect(km.verify({ keyId: bobAgreement.id, data: 'x', signature: 'AAAA', signedAt: time.now, agent: 'bob' })).toMatchObject({ ok: false, code: 'not_a_signing_key' })
    expect(() => km.signer('carol')).toThrow(/no active key/)

    // Rotation: the successor is what senders encrypt to, and what bob now opens with.
    const { next } = await km.rotate(bobAgreement.id)
    expect(km.agreementKey('bob')?.keyId).toBe(next.id)
    expect(messenger('bob').open(messenger('alice').seal({ recipient: 'bob', payload: 'after rotation', cipher: 'x25519-chacha20-poly1305' })).payload.toString()).toBe('after rotation')

    // Revocation: nothing is encrypted to a revoked key (fail closed: no key known for bob).
    await km.revoke(next.id, 'device lost')
    time.now += 1
    expect(km.agreementKey('bob')).toBeUndefined()
    expect(refusal(() => messenger('alice').seal({ recipient: 'bob', payload: 'x', cipher: 'x25519-chacha20-poly1305' }))?.code).toBe('unknown_recipient_key')
    expect(() => km.agreementIdentity('bob')).toThrow(/no active agreement key/)
    await expect(km.generate(undefined, { agreement: true })).rejects.toThrow(/belongs to an agent/)
  })

  it('never encrypts to an agreement key the root did not certify', async () => {
    const { dir, km, time, refusal } = await world()
    const { publicKey, privateKey } = generateKeyPairSync('x25519')
    const id = keyIdOf(publicKey)
    writeFileSync(
      join(dir, 'keys', `${id.replace(':', '-')}.json`),
      JSON.stringify({ id, kind: 'agreement', agent: 'bob', algorithm: 'x25519', publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), privateKey: { encoding: 'plain', pkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64') }, createdAt: time.now, status: 'active' }),
      { mode: 0o600 },
    )
    expect(km.agreementKey('bob')).toBeUndefined()
    await km.generate('alice', { agreement: true })
    const alice = new SecureMessenger({ identity: { id: 'alice', signingKey: km.signer('alice').privateKey, agreementKey: km.agreementIdentity('alice').privateKey }, directory: keyManagerDirectory(km), clock: () => time.now })
    expect(refusal(() => alice.seal({ recipient: 'bob', payload: 'x', cipher: 'x25519-chacha20-poly1305' }))?.code).toBe('unknown_recipient_key')

    // The root certifies what a key is for: relabelling a certified record's kind uncertifies it.
    const bobSigning = km.signer('bob').keyId
    const agreementOfAlice = km.agreementKey('alice')?.keyId as string
    const file = (keyId: string) => join(dir, 'keys', `${keyId.replace(':', '-')}.json`)
    const relabel = (keyId: string, kind: string) => writeFileSync(file(keyId), JSON.stringify({ ...JSON.parse(readFileSync(file(keyId), 'utf8')), kind }), { mode: 0o600 })
    relabel(bobSigning, 'agreement')
    expect(km.agreementKey('bob')).toBeUndefined()
    relabel(agreementOfAlice, 'agent')
    expect(km.standing(agreementOfAlice, time.now, 'alice')).toMatchObject({ ok: false, code: 'uncertified' })
    expect(km.agreementKey('alice')).toBeUndefined()
  })
})
