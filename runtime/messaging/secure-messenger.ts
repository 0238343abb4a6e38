import { generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { MessageCipher, MessageHeader, SealedEnvelope } from './envelope.js'
import { CIPHER_OVERHEAD, parseEnvelope } from './envelope.js'
import type { SecurityEventSink } from '../events/security-event.js'
import { EnvelopeError, MessageError, type MessageErrorCode } from './errors.js'
import { agreementKey, decryptPayload, encryptPayload } from './payload-cipher.js'
import { ReplayCache } from './replay-cache.js'
import { associatedData, signingInput } from './signing-input.js'

/** An agent's own keys. */
export interface AgentIdentity {
  /** Agent id. */
  readonly id: string
  /** Ed25519 private key that signs its messages. */
  readonly signingKey: KeyObject
  /** X25519 private key for agent-to-agent encryption. */
  readonly agreementKey?: KeyObject
}

/** Where other agents' public keys are found. */
export interface KeyDirectory {
  /** The Ed25519 public key of an agent, if known. */
  signingKey(agentId: string): KeyObject | undefined
  /** The X25519 public key of an agent, if known. */
  agreementKey(agentId: string): KeyObject | undefined
  /**
   * Verifies a sender's signature as of the time it claims, when the directory manages keys
   * (rotation, revocation, certification: runtime/keys). When present it replaces the check
   * against `signingKey`, and its reason is the message's refusal.
   */
  verifySender?(sender: string, data: Buffer, signature: Buffer, signedAt: number): SenderVerdict
}

/** A key-managing directory's answer. */
export type SenderVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'unknown_sender' | 'bad_signature' | 'key_revoked' | 'key_untrusted'; readonly reason: string; /** Ids of the sender's keys involved. */ readonly keys?: readonly string[] }

/** Options of a messenger. */
export interface SecureMessengerOptions {
  /** This agent. */
  readonly identity: AgentIdentity
  /** Public keys of the other agents. */
  readonly directory: KeyDirectory
  /** 32-byte key shared by the group, for `aes-256-gcm`. */
  readonly sharedKey?: Uint8Array
  /** Replay cache; default a fresh one with the same clock. */
  readonly replayCache?: ReplayCache
  /** Clock; default `Date.now`. */
  readonly clock?: () => number
  /** Largest plaintext payload in bytes; default 1 MiB. */
  readonly maxPayloadBytes?: number
  /** Largest TTL in ms; default 24 h. */
  readonly maxTtlMs?: number
  /** How far in the future a timestamp may be; default 30 s. */
  readonly maxClockSkewMs?: number
  /**
   * Told about every refused signature (bad, revoked or untrusted key) as a security event
   * (runtime/events). Reported without waiting: `open` still refuses at once.
   */
  readonly security?: SecurityEventSink
}

/** What to send. */
export interface OutgoingMessage {
  /** Receiving agent id. */
  readonly recipient: string
  /** Message type; default `message`. */
  readonly type?: string
  /** Topic; default empty. */
  readonly topic?: string
  /** Lifetime in ms; default 60 s. */
  readonly ttl?: number
  /** Payload bytes or text (UTF-8). */
  readonly payload: Uint8Array | string
  /** Cipher; default `aes-256-gcm` when a shared key is configured, else X25519. */
  readonly cipher?: MessageCipher
}

/** A delivered message. */
export interface OpenedMessage {
  /** The verified header. */
  readonly header: MessageHeader
  /** The cipher it came with. */
  readonly cipher: MessageCipher
  /** Decrypted payload. */
  readonly payload: Buffer
}

/**
 * Seals and opens inter-agent messages. `open` checks, in this order and before any
 * decryption: envelope size and shape, recipient, lifetime, sender key and signature, replay.
 */
export class SecureMessenger {
  private readonly clock: () => number
  private readonly replay: ReplayCache
  private readonly limits: { maxPayloadBytes: number; maxTtlMs: number }
  private readonly skew: number

  constructor(private readonly options: SecureMessengerOptions) {
    if (options.identity?.signingKey?.asymmetricKeyType !== 'ed25519' || options.identity.signingKey.type !== 'private') {
      throw new MessageError('config', 'identity.signingKey must be an Ed25519 private key')
    }
    if (options.sharedKey !== undefined && options.sharedKey.length !== 32) throw new MessageError('config', `sharedKey must be 32 bytes (got ${options.sharedKey.length})`)
    this.clock = options.clock ?? Date.now
    this.replay = options.replayCache ?? new ReplayCache({ clock: this.clock })
    this.limits = { maxPayloadBytes: options.maxPayloadBytes ?? 1024 * 1024, maxTtlMs: options.maxTtlMs ?? 86_400_000 }
    this.skew = options.maxClockSkewMs ?? 30_000
  }

  /** Encrypts and signs a message. */
  seal(msg: OutgoingMessage): SealedEnvelope {
    const plaintext = typeof msg.payload === 'string' ? Buffer.from(msg.payload, 'utf8') : msg.payload
    if (plaintext.length > this.limits.maxPayloadBytes) throw new MessageError('too_large', `payload is ${plaintext.length} bytes, more than the limit of ${this.limits.maxPayloadBytes}`)
    const cipher = msg.cipher ?? (this.options.sharedKey !== undefined ? 'aes-256-gcm' : 'x25519-chacha20-poly1305')
    const header: MessageHeader = {
      id: randomUUID(),
      sender: this.options.identity.id,
      recipient: msg.recipient,
      type: msg.type ?? 'message',
      topic: msg.topic ?? '',
      timestamp: this.clock(),
      ttl: msg.ttl ?? 60_000,
      nonce: randomBytes(16).toString('base64url'),
    }
    const key = this.key(cipher, header, 'seal')
    const payload = encryptPayload(cipher, key, plaintext, associatedData(header, cipher)).toString('base64')
    const signature = sign(null, signingInput(header, cipher, payload), this.options.identity.signingKey).toString('base64')
    const envelope: SealedEnvelope = { version: 1, ...header, cipher, payload, signature }
    // Parsing our own output catches a bad recipient, type or TTL at the sender, with the field named.
    parseEnvelope(envelope, this.limits)
    return envelope
  }

  /** The refusal of a signature, reported as a security event on the way out. */
  private signatureRefused(code: MessageErrorCode, reason: string, sender: string, messageId: string, keys: readonly string[]): MessageError {
    const sink = this.options.security
    if (sink !== undefined && code !== 'unknown_sender') {
      sink
        .emit({
          severity: 'error',
          category: 'signature_failure',
          description: `message ${messageId} from '${sender}' to '${this.options.identity.id}' refused: ${reason}`,
          agent: sender,
          affected: [sender, ...keys],
          recommendedActions: ['revoke the sender’s key if it was not the sender', 'check the sender for compromise'],
          source: `messaging:${this.options.identity.id}`,
        })
        .catch(() => undefined)
    }
    return new MessageError(code, reason)
  }

  /** Verifies and decrypts an incoming envelope (object or JSON text); throws `MessageError` naming why not. */
  open(input: unknown): OpenedMessage {
    const env = parseEnvelope(input, this.limits)
    if (env.recipient !== this.options.identity.id) throw new MessageError('wrong_recipient', `message is addressed to '${env.recipient}', not '${this.options.identity.id}'`)
    const now = this.clock()
    if (now >= env.timestamp + env.ttl) throw new MessageError('expired', `message expired ${now - env.timestamp - env.ttl} ms ago`)
    if (env.timestamp > now + this.skew) throw new MessageError('not_yet_valid', `message timestamp is ${env.timestamp - now} ms in the future (allowed skew ${this.skew} ms)`)
    const header: MessageHeader = { id: env.id, sender: env.sender, recipient: env.recipient, type: env.type, topic: env.topic, timestamp: env.timestamp, ttl: env.ttl, nonce: env.nonce }
    const directory = this.options.directory
    if (directory.verifySender !== undefined) {
      const verdict = directory.verifySender(env.sender, signingInput(header, env.cipher, env.payload), Buffer.from(env.signature, 'base64'), env.timestamp)
      if (!verdict.ok) throw this.signatureRefused(verdict.code, verdict.reason, env.sender, env.id, verdict.keys ?? [])
    } else {
      const senderKey = directory.signingKey(env.sender)
      if (senderKey === undefined) throw new MessageError('unknown_sender', `no signing key known for sender '${env.sender}'`)
      let ok = false
      try {
        ok = verify(null, signingInput(header, env.cipher, env.payload), senderKey, Buffer.from(env.signature, 'base64'))
      } catch {
        ok = false
      }
      if (!ok) throw this.signatureRefused('bad_signature', `signature does not verify for sender '${env.sender}'`, env.sender, env.id, [])
    }
    this.replay.checkAndRecord(env.id, env.sender, env.nonce, env.timestamp + env.ttl)
    const key = this.key(env.cipher, header, 'open')
    const payload = decryptPayload(env.cipher, key, Buffer.from(env.payload, 'base64'), associatedData(header, env.cipher))
    return { header, cipher: env.cipher, payload }
  }

  private key(cipher: MessageCipher, h: MessageHeader, side: 'seal' | 'open'): Uint8Array {
    if (cipher === 'aes-256-gcm') {
      if (this.options.sharedKey === undefined) throw new MessageError('config', 'aes-256-gcm needs a shared key')
      return this.options.sharedKey
    }
    const own = this.options.identity.agreementKey
    if (own === undefined) throw new MessageError('config', 'x25519-chacha20-poly1305 needs identity.agreementKey')
    const peerId = side === 'seal' ? h.recipient : h.sender
    const peer = this.options.directory.agreementKey(peerId)
    if (peer === undefined) throw new MessageError('unknown_recipient_key', `no X25519 key known for '${peerId}'`)
    return agreementKey(own, peer, h.sender, h.recipient, h.nonce)
  }
}

/** Fresh Ed25519 and X25519 key pairs for an agent, and its public half for a directory. */
export function generateAgentKeys(id: string): { identity: AgentIdentity; signingPublic: KeyObject; agreementPublic: KeyObject } {
  const s = generateKeyPairSync('ed25519')
  const a = generateKeyPairSync('x25519')
  return { identity: { id, signingKey: s.privateKey, agreementKey: a.privateKey }, signingPublic: s.publicKey, agreementPublic: a.publicKey }
}

/** A key directory over fixed maps. */
export class StaticKeyDirectory implements KeyDirectory {
  private readonly signing = new Map<string, KeyObject>()
  private readonly agreement = new Map<string, KeyObject>()

  /** Registers an agent's public keys; an Ed25519 key is required. */
  add(agentId: string, signingPublic: KeyObject, agreementPublic?: KeyObject): this {
    if (signingPublic.asymmetricKeyType !== 'ed25519' || signingPublic.type !== 'public') throw new EnvelopeError('sender', `key for '${agentId}' is not an Ed25519 public key`)
    this.signing.set(agentId, signingPublic)
    if (agreementPublic !== undefined) this.agreement.set(agentId, agreementPublic)
    return this
  }

  /** The registered Ed25519 public key of `agentId`. */
  signingKey(agentId: string): KeyObject | undefined {
    return this.signing.get(agentId)
  }

  /** The registered X25519 public key of `agentId`. */
  agreementKey(agentId: string): KeyObject | undefined {
    return this.agreement.get(agentId)
  }
}

/** Overhead in bytes that sealing adds to the plaintext (IV and tag), before base64. */
export const SEAL_OVERHEAD = CIPHER_OVERHEAD
