import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { KeyDirectory, MessageCipher, SealedEnvelope } from '../../../runtime/messaging/index.js'
import { EnvelopeError, MessageError, ReplayCache, SecureMessenger, StaticKeyDirectory, generateAgentKeys } from '../../../runtime/messaging/index.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 100)
const alice = generateAgentKeys('alice')
const bob = generateAgentKeys('bob')
const mallory = generateAgentKeys('mallory')
const directory = new StaticKeyDirectory().add('alice', alice.signingPublic, alice.agreementPublic).add('bob', bob.signingPublic, bob.agreementPublic)
const sharedKey = randomBytes(32)
const T0 = Date.UTC(2026, 0, 1)

function pair(clock: () => number = () => T0, extra: { maxPayloadBytes?: number; directory?: KeyDirectory; replayCache?: ReplayCache } = {}) {
  const dir = extra.directory ?? directory
  const base = { directory: dir, sharedKey, clock, ...(extra.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: extra.maxPayloadBytes }) }
  return {
    a: new SecureMessenger({ ...base, identity: alice.identity }),
    b: new SecureMessenger({ ...base, identity: bob.identity, ...(extra.replayCache === undefined ? {} : { replayCache: extra.replayCache }) }),
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** The same bytes with an unused padding bit set: decodes identically, so it must be refused as non-canonical. */
function nonCanonical(b64: string): string {
  expect(b64.endsWith('=') && !b64.endsWith('==')).toBe(true)
  const i = b64.length - 2
  const flipped = B64[B64.indexOf(b64[i] as string) ^ 1] as string
  const out = b64.slice(0, i) + flipped + '='
  expect(Buffer.from(out, 'base64')).toEqual(Buffer.from(b64, 'base64'))
  return out
}

const HEADER_FIELDS = ['id', 'sender', 'recipient', 'type', 'topic', 'timestamp', 'ttl', 'nonce', 'cipher'] as const

describe('SecureMessenger', () => {
  for (const cipher of ['aes-256-gcm', 'x25519-chacha20-poly1305'] as MessageCipher[]) {
    it(`${cipher}: seals and opens; the payload is not readable on the wire`, () => {
      const { a, b } = pair()
      const env = a.seal({ recipient: 'bob', topic: 'status', type: 'request', payload: 'attack at dawn', cipher })
      expect(env).toMatchObject({ version: 1, sender: 'alice', recipient: 'bob', topic: 'status', type: 'request', timestamp: T0, ttl: 60_000, cipher })
      expect(Buffer.from(env.payload, 'base64').toString('latin1')).not.toContain('attack')
      const opened = b.open(JSON.stringify(env))
      expect(opened.payload.toString('utf8')).toBe('attack at dawn')
      expect(opened.header.id).toBe(env.id)
    })
  }

  it('X25519: a third agent cannot decrypt even with a valid signature path', () => {
    const dir = new StaticKeyDirectory().add('alice', alice.signingPublic, alice.agreementPublic).add('mallory', mallory.signingPublic, mallory.agreementPublic).add('bob', bob.signingPublic, bob.agreementPublic)
    const env = new SecureMessenger({ identity: alice.identity, directory: dir }).seal({ recipient: 'bob', payload: 'x' })
    const eve = new SecureMessenger({ identity: { ...mallory.identity, id: 'bob' }, directory: dir })
    expect(() => eve.open(env)).toThrow(expect.objectContaining({ code: 'decrypt' }))
  })

  it('property: changing any header field or any payload byte never verifies', () => {
    const { a } = pair()
    fc.assert(
      fc.property(fc.constantFrom<MessageCipher>('aes-256-gcm', 'x25519-chacha20-poly1305'), fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.constantFrom(...HEADER_FIELDS, 'payload' as const), fc.nat(), fc.integer({ min: 1, max: 255 }), (cipher, payload, field, pos, delta) => {
        const env = a.seal({ recipient: 'bob', payload, topic: 'tp', cipher })
        const { b } = pair()
        const tampered = { ...env } as Record<string, unknown>
        if (field === 'payload') {
          const bytes = Buffer.from(env.payload, 'base64')
          const i = pos % bytes.length
          bytes[i] = ((bytes[i] as number) + delta) % 256
          tampered['payload'] = bytes.toString('base64')
        } else if (field === 'timestamp' || field === 'ttl') {
          tampered[field] = (env[field] as number) - 1 - (pos % 1000)
        } else if (field === 'cipher') {
          tampered[field] = env.cipher === 'aes-256-gcm' ? 'x25519-chacha20-poly1305' : 'aes-256-gcm'
        } else if (field === 'recipient') {
          tampered[field] = 'bob'
          tampered['sender'] = 'bob'
        } else if (field === 'nonce') {
          tampered[field] = randomBytes(16).toString('base64url')
        } else {
          tampered[field] = `${String(env[field])}x`
        }
        expect(() => b.open(tampered)).toThrow(MessageError)
        // The untampered message still opens: the failure was caused by the change.
        expect(b.open(env).payload).toEqual(Buffer.from(payload))
      }),
      { numRuns: RUNS },
    )
  })

  it('property: a replayed message is rejected (also with a fresh id, since the nonce repeats)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), fc.integer({ min: 0, max: 59_999 }), (text, later) => {
        let now = T0
        const { a, b } = pair(() => now)
        const env = a.seal({ recipient: 'bob', payload: text })
        b.open(env)
        now = T0 + later
        expect(() => b.open(env)).toThrow(expect.objectContaining({ code: 'replay' }))
      }),
      { numRuns: RUNS },
    )
  })

  it('expired and future messages are refused', () => {
    let now = T0
    const { a, b } = pair(() => now)
    const env = a.seal({ recipient: 'bob', payload: 'x', ttl: 1000 })
    now = T0 + 1000
    expect(() => b.open(env)).toThrow(expect.objectContaining({ code: 'expired' }))
    now = T0 - 60_000
    expect(() => b.open(env)).toThrow(expect.objectContaining({ code: 'not_yet_valid' }))
  })

  it('checks the payload size before any crypto or key lookup', () => {
    let lookups = 0
    const counting: KeyDirectory = { signingKey: (id) => (lookups++, directory.signingKey(id)), agreementKey: (id) => directory.agreementKey(id) }
    const { a } = pair(undefined, { maxPayloadBytes: 10_000 })
    const big = a.seal({ recipient: 'bob', payload: randomBytes(10_000) })
    const { b } = pair(undefined, { maxPayloadBytes: 1000, directory: counting })
    expect(() => b.open(big)).toThrow(expect.objectContaining({ code: 'too_large' }))
    expect(() => b.open(JSON.stringify(big))).toThrow(expect.objectContaining({ code: 'too_large' }))
    expect(lookups).toBe(0)
    expect(() => pair(undefined, { maxPayloadBytes: 5 }).a.seal({ recipient: 'bob', payload: '123456' })).toThrow(/6 bytes, more than the limit of 5/)
  })

  it('refuses wrong recipients, unknown senders and forged signatures', () => {
    const { a, b } = pair()
    const env = a.seal({ recipient: 'bob', payload: 'x' })
    expect(() => a.open(env)).toThrow(expect.objectContaining({ code: 'wrong_recipient' }))
    const forger = new SecureMessenger({ identity: { ...mallory.identity, id: 'alice' }, directory, sharedKey, clock: () => T0 })
    expect(() => b.open(forger.seal({ recipient: 'bob', payload: 'x' }))).toThrow(expect.objectContaining({ code: 'bad_signature' }))
    const stranger = new SecureMessenger({ identity: mallory.identity, directory, sharedKey, clock: () => T0 })
    expect(() => b.open(stranger.seal({ recipient: 'bob', payload: 'x' }))).toThrow(expect.objectContaining({ code: 'unknown_sender' }))
  })

  it('parses envelopes strictly and names the bad field', () => {
    const { a, b } = pair()
    const env = a.seal({ recipient: 'bob', payload: 'x' })
    const cases: [unknown, string][] = [
      [{ ...env, extra: 1 }, 'extra'],
      [{ ...env, ttl: undefined }, 'ttl'],
      [{ ...env, ttl: '60' }, 'ttl'],
      [{ ...env, ttl: 0 }, 'ttl'],
      [{ ...env, timestamp: 1.5 }, 'timestamp'],
      [{ ...env, nonce: 'short' }, 'nonce'],
      [{ ...env, sender: '' }, 'sender'],
      [{ ...env, type: 'has space' }, 'type'],
      [{ ...env, cipher: 'rot13' }, 'cipher'],
      [{ ...env, version: 2 }, 'version'],
      [{ ...env, signature: 'AAAA' }, 'signature'],
      [{ ...env, payload: '!!!!' }, 'payload'],
      [{ ...env, payload: nonCanonical(env.payload) }, 'payload'],
      [[], 'envelope'],
      ['{not json', 'envelope'],
    ]
    for (const [input, field] of cases) {
      const raw = input !== null && typeof input === 'object' && !Array.isArray(input) ? JSON.parse(JSON.stringify(input)) : input
      const err = (() => {
        try {
          b.open(raw)
        } catch (e) {
          return e
        }
        return undefined
      })()
      expect(err, `case ${field}`).toBeInstanceOf(EnvelopeError)
      expect((err as EnvelopeError).field, JSON.stringify(input).slice(0, 80)).toBe(field)
    }
  })

  it('the replay cache is bounded and refuses (fails closed) rather than forgetting live entries', () => {
    let now = T0
    const cache = new ReplayCache({ maxEntries: 4, clock: () => now })
    const { a, b } = pair(() => now, { replayCache: cache })
    b.open(a.seal({ recipient: 'bob', payload: '1', ttl: 1000 }))
    b.open(a.seal({ recipient: 'bob', payload: '2', ttl: 1000 }))
    const third = a.seal({ recipient: 'bob', payload: '3', ttl: 5000 })
    expect(() => b.open(third)).toThrow(expect.objectContaining({ code: 'replay_cache_full' }))
    now = T0 + 1000
    expect(b.open(third).payload.toString()).toBe('3')
    expect(cache.size).toBe(2)
  })
})

describe('SealedEnvelope type', () => {
  it('has exactly the documented fields', () => {
    const env: SealedEnvelope = pair().a.seal({ recipient: 'bob', payload: '' })
    expect(Object.keys(env).sort()).toEqual(['cipher', 'id', 'nonce', 'payload', 'recipient', 'sender', 'signature', 'timestamp', 'topic', 'ttl', 'type', 'version'])
  })
})
