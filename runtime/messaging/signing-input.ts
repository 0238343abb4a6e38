import type { MessageCipher, MessageHeader } from './envelope.js'

const DOMAIN = Buffer.from('symbi-msg/v1', 'utf8')

/**
 * Length-prefixed encoding: each part as a 4-byte big-endian length followed by its bytes,
 * after a domain tag. Field boundaries cannot shift, so no two different envelopes share an
 * encoding (`a|bc` and `ab|c` differ).
 */
export function lengthPrefixed(parts: readonly (string | Uint8Array)[]): Buffer {
  const bufs: Buffer[] = []
  for (const p of [DOMAIN, ...parts]) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p.buffer, p.byteOffset, p.byteLength)
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.length)
    bufs.push(len, b)
  }
  return Buffer.concat(bufs)
}

/** The header fields in signing order, numbers as decimal text. */
export function headerParts(h: MessageHeader, cipher: MessageCipher): string[] {
  return ['1', h.id, h.sender, h.recipient, h.type, h.topic, String(h.timestamp), String(h.ttl), h.nonce, cipher]
}

/** Associated data of the payload cipher: every header field, so a ciphertext cannot be moved to another header. */
export function associatedData(h: MessageHeader, cipher: MessageCipher): Buffer {
  return lengthPrefixed(['aad', ...headerParts(h, cipher)])
}

/** What the Ed25519 signature covers: every header field and the encrypted payload exactly as sent (base64 text). */
export function signingInput(h: MessageHeader, cipher: MessageCipher, sealedPayload: string): Buffer {
  return lengthPrefixed(['sig', ...headerParts(h, cipher), sealedPayload])
}
