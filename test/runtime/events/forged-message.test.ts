/**
 * Issue 13's second scenario: a forged message → a signature-failure event → the response
 * policy revokes the key involved → further messages with that key are refused. Every step is
 * in a signed audit log that verifies.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine } from '../../../index.js'
import { openAuditLog } from '../../../runtime/audit/open.js'
import { verify } from '../../../runtime/audit/verify-log.js'
import { PolicyResponder, SecurityMonitor } from '../../../runtime/events/index.js'
import { FileKeyStore, KeyManager, keyManagerDirectory } from '../../../runtime/keys/index.js'
import { MessageError, SecureMessenger } from '../../../runtime/messaging/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const RESPONSE = readFileSync(new URL('../../../examples/incident_response.policy', import.meta.url), 'utf8')
const settle = () => new Promise((r) => setTimeout(r, 50))

describe('a forged message', () => {
  it('raises a signature-failure event, the response revokes the key, and that key is refused from then on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-forged-'))
    dirs.push(dir)
    const { privateKey: auditKey, publicKey: auditPublic } = generateKeyPairSync('ed25519')
    const trail = await openAuditLog(join(dir, 'audit.log'), { signingKey: auditKey, mode: 'every' })
    const km = new KeyManager(new FileKeyStore(join(dir, 'keys')))
    await km.generate('alice')
    await km.generate('bob')
    const responses = createEngine()
    expect(responses.load([{ name: 'incident_response.policy', source: RESPONSE }]).ok).toBe(true)
    const revoked: string[] = []
    const monitor = new SecurityMonitor({
      audit: trail,
      responder: new PolicyResponder(responses, {
        revokeKey: async (id, reason) => {
          await km.revoke(id, reason)
          revoked.push(id)
        },
      }),
    })
    const sharedKey = randomBytes(32)
    const aliceKey = km.signer('alice')
    const alice = new SecureMessenger({ identity: { id: 'alice', signingKey: aliceKey.privateKey }, directory: keyManagerDirectory(km), sharedKey })
    const bob = new SecureMessenger({ identity: { id: 'bob', signingKey: km.signer('bob').privateKey }, directory: keyManagerDirectory(km), sharedKey, security: monitor })
    expect(bob.open(alice.seal({ recipient: 'bob', payload: 'hello' })).payload.toString()).toBe('hello')

    // Someone signs as alice with a key of their own: refused at once, reported as an event.
    const forger = new SecureMessenger({ identity: { id: 'alice', signingKey: generateKeyPairSync('ed25519').privateKey }, directory: keyManagerDirectory(km), sharedKey })
    expect(() => bob.open(forger.seal({ recipient: 'bob', payload: 'wire the money' }))).toThrow(expect.objectContaining({ code: 'bad_signature' }))
    await settle()
    expect(revoked).toEqual([aliceKey.keyId])

    // alice's key is revoked: what it signs from now on is refused, naming the revocation.
    await settle()
    const after = (() => {
      try {
        bob.open(alice.seal({ recipient: 'bob', payload: 'still me' }))
        return undefined
      } catch (e) {
        return e as MessageError
      }
    })()
    expect(after?.code).toBe('key_revoked')
    expect(after?.message).toContain('signature_failure')
    await trail.close()

    expect((await verify(join(dir, 'audit.log'), { publicKey: auditPublic })).ok).toBe(true)
    const records = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; details: Record<string, unknown> })
    const steps = records.filter((r) => r.type === 'security_event' || r.type === 'incident_response').map((r) => `${r.type}:${String(r.details['category'] ?? '')}:${String(r.details['action'] ?? '')}`)
    expect(steps[0]).toBe('security_event:signature_failure:')
    expect(steps).toContain('incident_response:signature_failure:revoke_key')
  })
})
