import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  DEFAULT_SENSITIVE_KEYS,
  MASK_CIRCULAR,
  MASK_TOO_DEEP,
  MASK_TOO_LARGE,
  isSensitiveKey,
  maskSensitive,
} from '../../runtime/masking.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 200)

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k])
    Object.freeze(v)
  }
  return v
}

describe('isSensitiveKey', () => {
  it('matches listed keys case-insensitively and by normalised substring', () => {
    for (const k of ['password', 'PASSWORD', 'db_password', 'x-api-key', 'X-Api-Key', 'apiKey', 'Authorization', 'proxy-authorization', 'client_secret', 'access_token', 'refreshToken', 'private-key', 'credentials', 'set-cookie', 'SSN', 'credit-card-number', 'session_id']) {
      expect(isSensitiveKey(k), k).toBe(true)
    }
  })
  it('leaves ordinary keys alone', () => {
    for (const k of ['user', 'path', 'amount', 'id', 'description', 'session', 'key', 'api', 'host']) {
      expect(isSensitiveKey(k), k).toBe(false)
    }
  })
  it('uses a custom list when given one', () => {
    expect(isSensitiveKey('pin', ['pin'])).toBe(true)
    expect(isSensitiveKey('password', ['pin'])).toBe(false)
  })
})

describe('maskSensitive', () => {
  it('redacts at every depth, through arrays, with the key in the marker', () => {
    const input = {
      user: 'ann',
      password: 'hunter2',
      headers: { 'X-Api-Key': 'k-123', accept: 'json' },
      steps: [{ tool: 'db', args: { db_password: 'pw', rows: [1, 2, { token: 't' }] } }],
      auth: { credentials: { user: 'u', pass: 'p' } },
    }
    expect(maskSensitive(input)).toEqual({
      user: 'ann',
      password: '[REDACTED:password]',
      headers: { 'X-Api-Key': '[REDACTED:X-Api-Key]', accept: 'json' },
      steps: [{ tool: 'db', args: { db_password: '[REDACTED:db_password]', rows: [1, 2, { token: '[REDACTED:token]' }] } }],
      auth: { credentials: '[REDACTED:credentials]' },
    })
  })

  it('never mutates its input', () => {
    const input = deepFreeze({ password: 'x', nested: [{ secret: 's', keep: 1 }] })
    const before = JSON.stringify(input)
    const out = maskSensitive(input)
    expect(JSON.stringify(input)).toBe(before)
    expect(out).not.toBe(input)
  })

  it('replaces cycles by a marker instead of looping', () => {
    const a: Record<string, unknown> = { name: 'a' }
    a['self'] = a
    a['list'] = [a, { back: a }]
    expect(maskSensitive(a)).toEqual({ name: 'a', self: MASK_CIRCULAR, list: [MASK_CIRCULAR, { back: MASK_CIRCULAR }] })
  })

  it('keeps shared, non-cyclic subtrees', () => {
    const shared = { v: 1 }
    expect(maskSensitive({ a: shared, b: shared })).toEqual({ a: { v: 1 }, b: { v: 1 } })
  })

  it('bounds depth: very deep input does not crash and the deep part becomes a marker', () => {
    let deep: unknown = { password: 'deep-secret' }
    for (let i = 0; i < 100_000; i++) deep = { next: deep }
    const out = maskSensitive(deep, undefined, { maxDepth: 10 })
    const text = JSON.stringify(out)
    expect(text).toContain(MASK_TOO_DEEP)
    expect(text).not.toContain('deep-secret')
    expect(text.split('next').length - 1).toBe(10)
  })

  it('uses depth 64 by default', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 70; i++) deep = [deep]
    const text = JSON.stringify(maskSensitive(deep))
    expect(text.replace(MASK_TOO_DEEP, '').split('[').length - 1).toBe(64)
    expect(text).toContain(MASK_TOO_DEEP)
  })

  it('produces JSON-clean output that survives a JSON round trip', () => {
    const input = {
      n: Number.NaN,
      inf: -Infinity,
      negZero: -0,
      u: undefined,
      f: () => 1,
      arr: [undefined, () => 2, 1n],
      d: new Date(0),
      s: 'a\ud800b',
      ['\udc00k']: 1,
      ['__proto__']: { polluted: true },
    }
    const out = maskSensitive(input as unknown)
    expect(JSON.parse(JSON.stringify(out))).toEqual(out)
    expect(out).toEqual({ n: null, inf: null, negZero: 0, arr: [null, null, '1'], d: '1970-01-01T00:00:00.000Z', s: 'a\uFFFDb', ['\uFFFDk']: 1, ['__proto__']: { polluted: true } })
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('redacts non-string values whole', () => {
    expect(maskSensitive({ token: { a: [1, 2] }, secret: 42, password: null })).toEqual({
      token: '[REDACTED:token]',
      secret: '[REDACTED:secret]',
      password: '[REDACTED:password]',
    })
  })

  it('a throwing getter does not crash masking', () => {
    const o = { ok: 1 }
    Object.defineProperty(o, 'bad', { enumerable: true, get: () => { throw new Error('boom') } })
    expect(maskSensitive(o)).toEqual({ ok: 1, bad: '[UNREADABLE]' })
  })

  it('rejects a nonsensical maxDepth or maxValues', () => {
    expect(() => maskSensitive({}, undefined, { maxDepth: -1 })).toThrow(/maxDepth/)
    expect(() => maskSensitive({}, undefined, { maxValues: 0 })).toThrow(/maxValues/)
  })

  it('bounds the copy by values: shared sub-objects cannot make it exponential', () => {
    // 40 levels of [x, x] would copy as 2^40 values.
    let shared: unknown = { password: 'hunter2', n: 1 }
    for (let i = 0; i < 40; i++) shared = [shared, shared]
    const text = JSON.stringify(maskSensitive({ args: shared }))
    expect(text).toContain(MASK_TOO_LARGE)
    expect(text).not.toContain('hunter2')
    expect(text.length).toBeLessThan(5_000_000)
    // Exactly at the budget nothing is cut; one value over, the next container is.
    expect(maskSensitive({ a: [1, 2] }, undefined, { maxValues: 4 })).toEqual({ a: [1, 2] })
    expect(maskSensitive({ a: [1, 2], b: { c: 1 } }, undefined, { maxValues: 4 })).toEqual({ a: [1, 2], b: MASK_TOO_LARGE })
  })
})

describe('maskSensitive properties', () => {
  const SECRET_PREFIX = 'SECRET§'
  const sensitiveKey = fc
    .tuple(fc.constantFrom(...DEFAULT_SENSITIVE_KEYS), fc.constantFrom('', 'x-', 'db_', 'My'), fc.constantFrom('', '_v2', 'S', '-id'), fc.boolean())
    .map(([k, pre, post, upper]) => {
      const key = pre + k + post
      return upper ? key.toUpperCase() : key
    })
  const plainKey = fc.constantFrom('a', 'b', 'name', 'list', 'args', 'value', 'meta', 'id', 'n')
  const scalar = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 8 }).filter((s) => !s.includes('§')))

  /** Random nested data where each secret sits under a sensitive key at a random depth. */
  const tree = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('node'), { maxLength: 4 }),
      fc.array(
        fc.oneof(
          fc.tuple(plainKey, tie('node')),
          fc.tuple(sensitiveKey, fc.oneof(fc.nat().map((n) => `${SECRET_PREFIX}${n}`), fc.nat().map((n) => ({ inner: `${SECRET_PREFIX}${n}` })))),
        ),
        { maxLength: 5 },
      ).map((entries) => Object.fromEntries(entries)),
    ),
  })).node

  it('never leaks a secret at any depth', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 80 }), (data, maxDepth) => {
        const out = JSON.stringify(maskSensitive({ root: data }, undefined, { maxDepth }))
        expect(out).not.toContain(SECRET_PREFIX)
      }),
      { numRuns: RUNS },
    )
  })

  it('leaves data without sensitive keys unchanged', () => {
    const clean = fc.jsonValue({ maxDepth: 6 }).filter((v) => !/password|secret|token|key|auth|credential|ssn|card|cookie|cvv|pass|session/i.test(JSON.stringify(v)))
    fc.assert(
      fc.property(clean, (data) => {
        // fc.jsonValue yields -0, which JSON (and the mask) writes as 0.
        const normalised = JSON.parse(JSON.stringify(data)) as unknown
        expect(maskSensitive(normalised)).toEqual(normalised)
      }),
      { numRuns: RUNS },
    )
  })
})
