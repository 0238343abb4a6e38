/**
 * Messaging verifies through key management: a `KeyDirectory` whose `verifySender` tries each of
 * the sender's keys (newest first) with `KeyManager.verify`, so a rotated key keeps working for
 * its overlap, a revoked key stops at its revocation time, and an uncertified key never works.
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import type { KeyDirectory, SenderVerdict } from '../messaging/secure-messenger.js'
import type { KeyManager, KeyVerdict } from './key-manager.js'

/**
 * Agreement (X25519) keys are the agent's current certified agreement key in the store
 * (`keys generate --agent a --agreement`); `agreementKeys` overrides it per agent.
 */
export function keyManagerDirectory(km: KeyManager, agreementKeys: ReadonlyMap<string, KeyObject> = new Map()): KeyDirectory {
  return {
    signingKey(agentId) {
      const newest = km.keysFor(agentId).filter((r) => r.status === 'active').pop()
      return newest === undefined ? undefined : createPublicKey({ key: Buffer.from(newest.publicKey, 'base64'), format: 'der', type: 'spki' })
    },
    agreementKey(agentId) {
      const given = agreementKeys.get(agentId)
      if (given !== undefined) return given
      try {
        return km.agreementKey(agentId)?.publicKey
      } catch {
        // A store that cannot be read (no root, a bad record) knows no key: nothing is encrypted to it.
        return undefined
      }
    },
    verifySender(sender, data, signature, signedAt): SenderVerdict {
      const keys = km.keysFor(sender).reverse()
      if (keys.length === 0) return { ok: false, code: 'unknown_sender', reason: `no key of sender '${sender}' is in the key store` }
      const failures: Exclude<KeyVerdict, { ok: true }>[] = []
      for (const k of keys) {
        const v = km.verify({ keyId: k.id, data, signature: signature.toString('base64'), signedAt, agent: sender })
        if (v.ok) return { ok: true }
        failures.push(v)
      }
      // The key that really made the signature failed for a reason other than the signature.
      const specific = failures.find((f) => f.code !== 'bad_signature')
      // Someone signing as the sender with none of its keys: the sender's current keys are what
      // a response may want to replace, so they are named.
      if (specific === undefined) return { ok: false, code: 'bad_signature', reason: `signature does not verify with any of the ${keys.length} key(s) of sender '${sender}'`, keys: keys.filter((k) => k.status !== 'revoked').map((k) => k.id) }
      const signer = keys[failures.indexOf(specific)]
      return { ok: false, code: specific.code === 'revoked' ? 'key_revoked' : 'key_untrusted', reason: `sender '${sender}': ${specific.reason}`, keys: signer === undefined ? [] : [signer.id] }
    },
  }
}
