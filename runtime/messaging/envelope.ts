import { EnvelopeError, MessageError } from './errors.js'

/** Payload ciphers. */
export type MessageCipher = 'aes-256-gcm' | 'x25519-chacha20-poly1305'

/** The signed header fields of a message. */
export interface MessageHeader {
  /** Unique message id. */
  readonly id: string
  /** Sending agent id. */
  readonly sender: string
  /** Receiving agent id. */
  readonly recipient: string
  /** Message type, e.g. `request`, `response`, `event`. */
  readonly type: string
  /** Topic; may be empty. */
  readonly topic: string
  /** Creation time, milliseconds since the epoch. */
  readonly timestamp: number
  /** Lifetime in milliseconds from `timestamp`. */
  readonly ttl: number
  /** 16 random bytes, base64url without padding. */
  readonly nonce: string
}

/** A sealed message on the wire. */
export interface SealedEnvelope extends MessageHeader {
  /** Envelope format version. */
  readonly version: 1
  /** How the payload is encrypted. */
  readonly cipher: MessageCipher
  /** base64 of IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
  readonly payload: string
  /** base64 of the Ed25519 signature over the signing input. */
  readonly signature: string
}

/** Size limits checked before any cryptography. */
export interface EnvelopeLimits {
  /** Largest plaintext payload, in bytes. */
  readonly maxPayloadBytes: number
  /** Largest TTL, in milliseconds. */
  readonly maxTtlMs: number
}

/** Bytes the cipher adds to a plaintext: 12-byte IV and 16-byte tag. */
export const CIPHER_OVERHEAD = 28

const FIELDS = ['version', 'id', 'sender', 'recipient', 'type', 'topic', 'timestamp', 'ttl', 'nonce', 'cipher', 'payload', 'signature'] as const
const CIPHERS: readonly string[] = ['aes-256-gcm', 'x25519-chacha20-poly1305']
const NAME = /^[A-Za-z0-9._:@\-/]{1,256}$/
const TYPE = /^[A-Za-z0-9._\-]{1,64}$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const BASE64URL_16 = /^[A-Za-z0-9_-]{22}$/

/** Longest base64 text a payload within the limit can have; longer is refused before decoding. */
export function maxEncodedPayload(limits: EnvelopeLimits): number {
  return Math.ceil((limits.maxPayloadBytes + CIPHER_OVERHEAD) / 3) * 4
}

/**
 * Parses an envelope strictly: JSON text or an object, exactly the known fields, each of the
 * right type and form. The payload's size is checked against the limit here, before any
 * decoding or cryptography. Errors name the field.
 */
export function parseEnvelope(input: unknown, limits: EnvelopeLimits): SealedEnvelope {
  let raw = input
  if (typeof input === 'string') {
    const cap = maxEncodedPayload(limits) + 4096
    if (input.length > cap) throw new MessageError('too_large', `envelope text is ${input.length} characters, more than the ${cap} a ${limits.maxPayloadBytes}-byte payload allows`)
    try {
      raw = JSON.parse(input)
    } catch (e) {
      throw new EnvelopeError('envelope', `not valid JSON (${(e as Error).message})`)
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EnvelopeError('envelope', 'expected a JSON object')
  const r = raw as Record<string, unknown>
  for (const k of Object.keys(r)) if (!(FIELDS as readonly string[]).includes(k)) throw new EnvelopeError(k, 'unknown field')
  for (const k of FIELDS) if (!Object.hasOwn(r, k)) throw new EnvelopeError(k, 'missing')

  const payload = r['payload']
  if (typeof payload !== 'string') throw new EnvelopeError('payload', `expected a base64 string, got ${kind(payload)}`)
  const maxEncoded = maxEncodedPayload(limits)
  if (payload.length > maxEncoded) throw new MessageError('too_large', `payload is ${payload.length} base64 characters; the limit of ${limits.maxPayloadBytes} bytes allows ${maxEncoded}`)
  if (!isCanonicalBase64(payload)) throw new EnvelopeError('payload', 'not canonical base64')
  if (payload.length < Math.ceil(CIPHER_OVERHEAD / 3) * 4) throw new EnvelopeError('payload', `shorter than the ${CIPHER_OVERHEAD}-byte IV and tag`)

  if (r['version'] !== 1) throw new EnvelopeError('version', `expected 1, got ${kind(r['version'])}`)
  const id = str(r, 'id', NAME, 'an id of 1–256 characters [A-Za-z0-9._:@-/]')
  const sender = str(r, 'sender', NAME, 'an agent id of 1–256 characters [A-Za-z0-9._:@-/]')
  const recipient = str(r, 'recipient', NAME, 'an agent id of 1–256 characters [A-Za-z0-9._:@-/]')
  const type = str(r, 'type', TYPE, 'a type of 1–64 characters [A-Za-z0-9._-]')
  const topic = r['topic']
  if (typeof topic !== 'string' || topic.length > 256) throw new EnvelopeError('topic', `expected a string of at most 256 characters, got ${kind(topic)}`)
  const timestamp = r['timestamp']
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) throw new EnvelopeError('timestamp', `expected a non-negative integer of milliseconds, got ${kind(timestamp)}`)
  const ttl = r['ttl']
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl <= 0 || ttl > limits.maxTtlMs) throw new EnvelopeError('ttl', `expected an integer of milliseconds in 1..${limits.maxTtlMs}, got ${kind(ttl)}`)
  const nonce = str(r, 'nonce', BASE64URL_16, '16 bytes as unpadded base64url (22 characters)')
  const cipher = r['cipher']
  if (typeof cipher !== 'string' || !CIPHERS.includes(cipher)) throw new EnvelopeError('cipher', `expected one of ${CIPHERS.join(', ')}, got ${kind(cipher)}`)
  const signature = r['signature']
  if (typeof signature !== 'string' || signature.length !== 88 || !isCanonicalBase64(signature)) throw new EnvelopeError('signature', 'expected 64 bytes as padded base64 (88 characters)')
  return { version: 1, id, sender, recipient, type, topic, timestamp, ttl, nonce, cipher: cipher as MessageCipher, payload, signature }
}

/** Padded base64 that decodes and re-encodes to itself, so two texts never carry the same bytes. */
export function isCanonicalBase64(s: string): boolean {
  return s.length % 4 === 0 && BASE64.test(s) && Buffer.from(s, 'base64').toString('base64') === s
}

function str(r: Record<string, unknown>, field: string, re: RegExp, what: string): string {
  const v = r[field]
  if (typeof v !== 'string' || !re.test(v)) throw new EnvelopeError(field, `expected ${what}, got ${kind(v)}`)
  return v
}

function kind(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return v.length > 32 ? `a string of ${v.length} characters` : JSON.stringify(v)
  if (typeof v === 'number') return String(v)
  return typeof v
}
