import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CanonicalJsonError, SchemaKeyError, canonicalJson, keyIdOf, schemaSigningInput, signSchema, verifySchema, withSignature } from '../../../runtime/tools/index.js'
import vectors from './fixtures/schemapin-vectors.json' with { type: 'json' }

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 100)

describe('canonical JSON', () => {
  it('sorts keys, drops whitespace and escapes like JSON.stringify', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x"y'], c: { z: 0.5, y: -0 } })).toBe('{"a":[true,null,"x\\"y"],"b":1,"c":{"y":0,"z":0.5}}')
    expect(canonicalJson({ é: 1, Z: 2, a: 3 })).toBe('{"Z":2,"a":3,"é":1}')
  })
  it('refuses values with no JSON form, naming the path', () => {
    expect(() => canonicalJson({ a: { b: undefined } })).toThrow(new CanonicalJsonError('$.a.b', 'undefined field'))
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n: NaN/)
    expect(() => canonicalJson([1, () => 1])).toThrow(/\$\[1\]: a function/)
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/plain objects/)
    const cyc: Record<string, unknown> = {}
    cyc['self'] = cyc
    expect(() => canonicalJson(cyc)).toThrow(/cyclic/)
    let deep: unknown = 1
    for (let i = 0; i < 200; i++) deep = [deep]
    expect(() => canonicalJson(deep)).toThrow(/deeper than/)
  })
  it('is JSON that parses back to the same value, independent of key insertion order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalJson(v)
        expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(v)))
        expect(canonicalJson(JSON.parse(c))).toBe(c)
        expect(c).not.toMatch(/^\s|\s$/)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('SchemaPin test vectors', () => {
  it('the canonical form of the vector schema matches the independently generated one', () => {
    expect(schemaSigningInput(vectors.signedSchema).toString('utf8')).toBe(vectors.canonical)
  })
  it('the key id is sha256 of the SPKI DER', () => {
    expect(keyIdOf(vectors.publicKeyPem)).toBe(vectors.keyId)
  })
  it('the vector signature verifies', () => {
    expect(verifySchema(vectors.signedSchema, vectors.publicKeyPem)).toEqual({ valid: true, keyId: vectors.keyId })
  })
  it('a one-character change anywhere in the schema text fails verification', () => {
    const text = JSON.stringify(vectors.signedSchema)
    const sigStart = text.indexOf('"signature"')
    let checked = 0
    for (let i = 0; i < text.length; i++) {
      if (i >= sigStart) break
      const ch = text[i] as string
      const replacement = ch === 'a' ? 'b' : /[0-9]/.test(ch) ? String((Number(ch) + 1) % 10) : /[A-Za-z]/.test(ch) ? 'a' : undefined
      if (replacement === undefined) continue
      const mutated = text.slice(0, i) + replacement + text.slice(i + 1)
      let parsed: unknown
      try {
        parsed = JSON.parse(mutated)
      } catch {
        continue
      }
      expect(verifySchema(parsed, vectors.publicKeyPem).valid, `changed char ${i}: ${mutated.slice(Math.max(0, i - 10), i + 10)}`).toBe(false)
      checked++
    }
    expect(checked).toBeGreaterThan(100)
  })
  it('a one-character change in the signature fails verification', () => {
    const sig = vectors.signedSchema.signature
    const flipped = (sig[10] === 'A' ? 'B' : 'A') + ''
    const bad = { ...vectors.signedSchema, signature: sig.slice(0, 10) + flipped + sig.slice(11) }
    expect(verifySchema(bad, vectors.publicKeyPem)).toMatchObject({ valid: false, reason: 'bad_signature' })
  })
})

describe('signing and verification', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  it('round-trips and ignores only the top-level signature field', () => {
    const s = withSignature({ name: 't', nested: { signature: 'kept' } }, privateKey)
    expect(verifySchema(s, publicKey).valid).toBe(true)
    expect(verifySchema({ ...s, nested: { signature: 'changed' } }, publicKey).valid).toBe(false)
  })
  it('reports unsigned, malformed and wrong-key schemas without throwing', () => {
    expect(verifySchema({ name: 't' }, publicKey)).toMatchObject({ valid: false, reason: 'unsigned' })
    expect(verifySchema({ name: 't', signature: 'not base64!' }, publicKey)).toMatchObject({ valid: false, reason: 'bad_signature' })
    expect(verifySchema({ name: 't', signature: 42 }, publicKey)).toMatchObject({ valid: false, reason: 'bad_signature' })
    expect(verifySchema([1], publicKey)).toMatchObject({ valid: false, reason: 'bad_schema' })
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(verifySchema(withSignature({ name: 't' }, other.privateKey), publicKey)).toMatchObject({ valid: false, reason: 'bad_signature' })
  })
  it('accepts only P-256 keys', () => {
    const ed = generateKeyPairSync('ed25519')
    const k384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    expect(() => verifySchema({ name: 't' }, ed.publicKey)).toThrow(SchemaKeyError)
    expect(() => signSchema({ name: 't' }, k384.privateKey)).toThrow(/P-256/)
    expect(() => keyIdOf('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(SchemaKeyError)
  })
  it('property: any change to any field value breaks the signature', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== 'signature'), fc.jsonValue(), { minKeys: 1 }), fc.nat(), fc.jsonValue(), (schema, pick, replacement) => {
        const signed = withSignature(schema, privateKey)
        const keys = Object.keys(schema)
        const key = keys[pick % keys.length] as string
        fc.pre(canonicalJson(replacement) !== canonicalJson(schema[key]))
        expect(verifySchema({ ...signed, [key]: replacement }, publicKey).valid).toBe(false)
      }),
      { numRuns: Math.max(20, Math.floor(RUNS / 4)) },
    )
  })
})
