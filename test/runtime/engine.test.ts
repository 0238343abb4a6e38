/**
 * The engine (runtime/engine.ts via createEngine): versions, all-or-nothing loads, rollback,
 * the decision and compile caches, batches, explain, and evaluation that never throws.
 */
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

const P = { id: 'alice' }
const read: AuthzRequest = { principal: P, action: 'read', context: { user: { level: 3 } } }
const ALLOW_READ = { name: 'a.policy', source: 'policy a { allow: read if user.level > 2 }' }
const DENY_READ = { name: 'b.policy', source: 'policy b { deny: read }' }
const BROKEN = { name: 'c.policy', source: 'policy c { allow: read if user.level > }' }
const BAD_CHECK = { name: 'd.policy', source: 'policy d { allow: user.level > 2 }' }

describe('loading', () => {
  it('starts at version 0 and denies everything before the first load', () => {
    const e = createEngine()
    expect(e.version).toBe(0)
    expect(e.policySet).toBeUndefined()
    expect(e.evaluate(read)).toMatchObject({ effect: 'deny', reason: 'no policy set is loaded', version: 0 })
  })

  it('bumps the version on every successful load', () => {
    const e = createEngine()
    expect(e.load([ALLOW_READ])).toMatchObject({ ok: true, version: 1 })
    expect(e.load([ALLOW_READ, DENY_READ])).toMatchObject({ ok: true, version: 2 })
    expect(e.version).toBe(2)
    expect(e.evaluate(read)).toMatchObject({ effect: 'deny', version: 2 })
  })

  it('continues the versions of an engine it replaces (versionsAfter), and refuses a bad start', () => {
    const e = createEngine({ versionsAfter: 41 })
    // Nothing serves yet: that is version 0, as for any engine.
    expect(e.version).toBe(0)
    expect(e.load([ALLOW_READ])).toMatchObject({ ok: true, version: 42 })
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 42 })
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => createEngine({ versionsAfter: bad })).toThrow(/versionsAfter must be a non-negative integer/)
  })

  it('is all-or-nothing across several files: one parse error keeps the old set', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    const r = e.load([DENY_READ, BROKEN])
    expect(r.ok).toBe(false)
    expect(r.version).toBe(1)
    expect(r.files.find((f) => f.name === 'c.policy')?.diagnostics.some((d) => d.severity === 'error' && d.code.startsWith('PARSE'))).toBe(true)
    expect(e.version).toBe(1)
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 1 })
  })

  it('is all-or-nothing across several files: one check error keeps the old set', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    const r = e.load([DENY_READ, BAD_CHECK])
    expect(r.ok).toBe(false)
    expect(r.files.find((f) => f.name === 'd.policy')?.diagnostics.map((d) => d.code)).toContain('CHECK001')
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 1 })
  })

  it('rejects two files defining the same policy', () => {
    const e = createEngine()
    const r = e.load([ALLOW_READ, { name: 'again.policy', source: 'policy a { deny: read }' }])
    expect(r.ok).toBe(false)
    expect(r.files.find((f) => f.name === 'again.policy')?.diagnostics.map((d) => d.code)).toEqual(['CHECK003'])
    expect(e.version).toBe(0)
  })

  it('reports a bad schema as a failed load, not an exception', () => {
    const e = createEngine({ schema: { context: { user: 'strnig' } } })
    const r = e.load([ALLOW_READ])
    expect(r.ok).toBe(false)
    expect(r.files[0]?.diagnostics[0]?.code).toBe('CHECK050')
    expect(r.files[0]?.diagnostics[0]?.message).toContain('$.context.user')
  })

  it('does not throw for garbage sources', () => {
    const e = createEngine()
    expect(e.load(null as never).ok).toBe(false)
    expect(e.load([{ name: 'x', source: 42 } as never]).ok).toBe(false)
    expect(e.version).toBe(0)
  })
})

describe('rollback', () => {
  it('serves the previous set again under a new version number', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    e.load([ALLOW_READ, DENY_READ])
    expect(e.evaluate(read).effect).toBe('deny')
    const r = e.rollback()
    expect(r).toEqual({ ok: true, version: 3, files: [] })
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 3 })
  })

  it('goes back through history one set at a time, then refuses', () => {
    const e = createEngine()
    e.load([{ name: 'v1', source: 'policy v { allow: v1 }' }])
    e.load([{ name: 'v2', source: 'policy v { allow: v2 }' }])
    e.load([{ name: 'v3', source: 'policy v { allow: v3 }' }])
    expect(e.rollback().version).toBe(4)
    expect(e.evaluate({ principal: P, action: 'v2' }).effect).toBe('allow')
    expect(e.rollback().version).toBe(5)
    expect(e.evaluate({ principal: P, action: 'v1' }).effect).toBe('allow')
    expect(e.evaluate({ principal: P, action: 'v2' }).effect).toBe('deny')
    expect(e.rollback()).toEqual({ ok: false, version: 5, files: [] })
    expect(e.version).toBe(5)
  })

  it('keeps only `history` superseded sets', () => {
    const e = createEngine({ history: 1 })
    e.load([{ name: 'v1', source: 'policy v { allow: v1 }' }])
    e.load([{ name: 'v2', source: 'policy v { allow: v2 }' }])
    e.load([{ name: 'v3', source: 'policy v { allow: v3 }' }])
    expect(e.rollback().ok).toBe(true)
    expect(e.evaluate({ principal: P, action: 'v2' }).effect).toBe('allow')
    expect(e.rollback().ok).toBe(false)
  })

  it('does nothing before any swap', () => {
    expect(createEngine().rollback()).toEqual({ ok: false, version: 0, files: [] })
  })
})

describe('decision cache', () => {
  it('never serves a decision from before a swap', () => {
    const e = createEngine({ decisionCache: true })
    e.load([ALLOW_READ])
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 1 })
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 1 })
    expect(e.stats.cachedDecisions).toBe(1)
    e.load([ALLOW_READ, DENY_READ])
    expect(e.stats.cachedDecisions).toBe(0)
    expect(e.evaluate(read)).toMatchObject({ effect: 'deny', version: 2 })
    e.rollback()
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 3 })
  })

  it('keys on the whole request, whatever the key order', () => {
    const e = createEngine({ decisionCache: true })
    e.load([ALLOW_READ])
    expect(e.evaluate({ principal: P, action: 'read', context: { user: { level: 3 } } }).effect).toBe('allow')
    expect(e.evaluate({ principal: P, action: 'read', context: { user: { level: 1 } } }).effect).toBe('deny')
    expect(e.evaluate({ context: { user: { level: 3 } }, action: 'read', principal: P }).effect).toBe('allow')
    expect(e.stats.cachedDecisions).toBe(2)
  })

  it('hands out decisions a caller cannot change for the next caller', () => {
    const e = createEngine({ decisionCache: true })
    e.load([{ name: 'o', source: 'policy o { allow: read  require: [encrypt, watermark] }' }])
    const first = e.evaluate(read)
    expect(first.effect).toBe('allow_with_conditions')
    try {
      if (first.effect === 'allow_with_conditions') (first.conditions as unknown as unknown[]).length = 0
    } catch {
      // frozen: the mutation is refused
    }
    const second = e.evaluate(read)
    expect(second.effect === 'allow_with_conditions' && second.conditions.map((c) => c.name)).toEqual(['encrypt', 'watermark'])
  })

  it('does not freeze the caller\'s own data that a condition carries', () => {
    const e = createEngine({ decisionCache: true })
    e.load([{ name: 'o', source: 'policy o { allow: read  audit: [who = user] }' }])
    const user = { level: 3 }
    const d = e.evaluate({ principal: P, action: 'read', context: { user } })
    expect(d.effect === 'allow_with_conditions' && d.conditions[0]?.value).toBe(user)
    expect(Object.isFrozen(d)).toBe(true)
    expect(Object.isFrozen(user)).toBe(false)
  })

  it('never serves one request\'s decision to a request that differs only in a hidden property', () => {
    const e = createEngine({ decisionCache: true })
    e.load([{ name: 'h', source: 'policy h { allow: read if has(user, "admin") }' }])
    const hidden = { name: 'mallory' }
    Object.defineProperty(hidden, 'admin', { value: true, enumerable: false })
    expect(e.evaluate({ principal: P, action: 'read', context: { user: hidden } }).effect).toBe('allow')
    expect(e.evaluate({ principal: P, action: 'read', context: { user: { name: 'mallory' } } }).effect).toBe('deny')
  })

  it('does not cache requests it cannot key (cycles) and still decides them', () => {
    const e = createEngine({ decisionCache: true })
    e.load([ALLOW_READ])
    const user: Record<string, unknown> = { level: 3 }
    user['self'] = user
    expect(e.evaluate({ principal: P, action: 'read', context: { user } as never }).effect).toBe('allow')
    expect(e.stats.cachedDecisions).toBe(0)
  })

  it('bounds its memory: a huge request is decided but not cached', () => {
    const e = createEngine({ decisionCache: { max: 10 } })
    e.load([{ name: 'x', source: 'policy x { allow: read }' }])
    const big = { principal: P, action: 'read', context: { blob: 'x'.repeat(1_000_000) } }
    expect(e.evaluate(big).effect).toBe('allow')
    expect(e.stats.cachedDecisions).toBe(0)
  })
})

describe('compile cache', () => {
  it('hits when identical content is loaded again, including rollback', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    expect(e.stats).toMatchObject({ compileHits: 0, compileMisses: 1 })
    e.load([{ ...ALLOW_READ }])
    expect(e.stats).toMatchObject({ compileHits: 1, compileMisses: 1 })
    e.load([ALLOW_READ, DENY_READ])
    expect(e.stats).toMatchObject({ compileHits: 1, compileMisses: 2 })
    e.rollback()
    expect(e.stats).toMatchObject({ compileHits: 2, compileMisses: 2 })
    expect(e.evaluate(read)).toMatchObject({ effect: 'allow', version: 4 })
  })

  it('misses when only formatting changes the source position of rules', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    e.load([{ name: 'a.policy', source: `\n\n${ALLOW_READ.source}` }])
    // Spans are part of the IR, and decisions carry spans: a moved rule is different content.
    expect(e.stats.compileMisses).toBe(2)
    expect(e.evaluate(read).determining[0]?.span.start).toBe(2 + ALLOW_READ.source.indexOf('allow'))
  })
})

describe('evaluateBatch', () => {
  it('decides every request against one version', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    const ds = e.evaluateBatch([read, { principal: P, action: 'write' }, read])
    expect(ds.map((d) => [d.effect, d.version])).toEqual([['allow', 1], ['deny', 1], ['allow', 1]])
  })

  it('keeps the version it started with when a load happens during the batch', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    let swapped = false
    const sneaky = {
      principal: P,
      get action() {
        // A getter runs during evaluation: swap the set in the middle of the batch.
        if (!swapped) {
          swapped = true
          e.load([ALLOW_READ, DENY_READ])
        }
        return 'read'
      },
      context: { user: { level: 3 } },
    } as unknown as AuthzRequest
    const ds = e.evaluateBatch([read, sneaky, read])
    expect(swapped).toBe(true)
    expect(ds.map((d) => [d.effect, d.version])).toEqual([['allow', 1], ['allow', 1], ['allow', 1]])
    expect(e.evaluate(read)).toMatchObject({ effect: 'deny', version: 2 })
  })

  it('applies explain to every request', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    expect(e.evaluateBatch([read, read], { explain: true }).every((d) => Array.isArray(d.trace))).toBe(true)
  })
})

describe('explain', () => {
  it('returns a trace of every rule considered, and the same decision otherwise', () => {
    const e = createEngine()
    e.load([ALLOW_READ, DENY_READ, { name: 'r.policy', source: 'policy r { require: [encrypt] for read  audit: access_log for write }' }])
    const plain = e.evaluate(read)
    const explained = e.evaluate(read, { explain: true })
    expect(plain.trace).toBeUndefined()
    const { trace, ...rest } = explained
    expect(rest).toEqual(plain)
    expect(trace?.map((s) => [`${s.rule.policy}[${s.rule.rule}]`, s.outcome])).toEqual([['b[0]', 'fired']])
    const e2 = createEngine()
    e2.load([ALLOW_READ, { name: 'r.policy', source: 'policy r { require: [encrypt] for read  audit: access_log for write }' }])
    const t2 = e2.evaluate(read, { explain: true }).trace
    expect(t2?.map((s) => [`${s.rule.policy}[${s.rule.rule}]`, s.outcome])).toEqual([['a[0]', 'fired'], ['r[0]', 'met'], ['r[1]', 'not_applicable']])
  })

  it('traces errors with their message', () => {
    const e = createEngine()
    e.load([ALLOW_READ])
    const d = e.evaluate({ principal: P, action: 'read', context: { user: {} } }, { explain: true })
    expect(d.trace).toEqual([{ rule: expect.objectContaining({ policy: 'a', rule: 0 }), outcome: 'error', detail: expect.stringContaining("missing attribute 'level'") }])
  })
})

describe('evaluate never throws', () => {
  const e = createEngine({ decisionCache: true })
  e.load([
    ALLOW_READ,
    { name: 'g.policy', source: 'policy g { allow: scan if any(doc.tags, |t| t == "x")  allow: cmp if a == b  allow: big(xs) if xs.contains(3) }' },
  ])
  // Each row: the request, the decision it must get (effect, reason, error codes), from the
  // compiled path and from explain alike. Only the cyclic context is allowed: the cycle is in an
  // attribute no rule reads, and `user.level` is a plain 3.
  const NOT_AN_OBJECT = /^invalid request: request: request must be an object$/
  const garbage: [string, unknown, Decision['effect'], RegExp | undefined, readonly string[]][] = [
    ['null', null, 'deny', NOT_AN_OBJECT, []],
    ['undefined', undefined, 'deny', NOT_AN_OBJECT, []],
    ['a number', 42, 'deny', NOT_AN_OBJECT, []],
    ['a string', 'read', 'deny', NOT_AN_OBJECT, []],
    ['an array', [read], 'deny', NOT_AN_OBJECT, []],
    ['a function', () => read, 'deny', NOT_AN_OBJECT, []],
    ['principal with a symbol id', { principal: { id: Symbol('x') }, action: 'read' }, 'deny', /^invalid request: principal\.id: /, []],
    ['action with a getter that throws', { principal: P, get action() { throw new Error('boom') } }, 'deny', /^invalid request: reading it threw: boom$/, []],
    ['a proxy that throws on every access', new Proxy({}, { get() { throw new Error('trap') }, has() { throw new Error('trap') }, ownKeys() { throw new Error('trap') } }), 'deny', /^invalid request: reading it threw: trap$/, []],
    ['a huge array for a builtin', { principal: P, action: 'scan', context: { doc: { tags: new Array(200_000).fill('y') } } }, 'deny', /^no allow rule matched$/, ['EVAL116']],
    ['a huge action argument', { principal: P, action: { name: 'big', args: [new Array(500_000).fill(1)] } }, 'deny', /^no allow rule matched$/, ['EVAL116']],
    ['deeply nested data', { principal: P, action: 'read', context: { user: JSON.parse(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`) } }, 'deny', /^no allow rule matched$/, ['EVAL105']],
    ['NaN in data', { principal: P, action: 'read', context: { user: { level: Number.NaN } } }, 'deny', /^no allow rule matched$/, ['EVAL118']],
    ['Infinity in data', { principal: P, action: 'read', context: { user: { level: Infinity } } }, 'deny', /^no allow rule matched$/, ['EVAL118']],
    ['a malformed action name', { principal: P, action: 'read\u200b' }, 'deny', /^invalid request: action\.name: .*U\+200B/, []],
    ['a cyclic context', (() => { const c: Record<string, unknown> = { user: { level: 3 } }; c['me'] = c; return { principal: P, action: 'read', context: c } })(), 'allow', undefined, []],
  ]
  for (const [name, req, effect, reason, codes] of garbage) {
    it(`decides ${name}: ${effect}`, () => {
      for (const explain of [false, true]) {
        let d: Decision | undefined
        expect(() => {
          d = e.evaluate(req as AuthzRequest, { explain })
        }).not.toThrow()
        expect(d?.effect, `explain ${explain}`).toBe(effect)
        if (reason !== undefined) expect(d?.effect === 'deny' ? d.reason : '', `explain ${explain}`).toMatch(reason)
        expect(d?.errors.map((x) => x.code), `explain ${explain}`).toEqual(codes)
      }
    })
  }

  it('denies malformed requests with a reason naming the field', () => {
    expect(e.evaluate(null as never)).toMatchObject({ effect: 'deny', reason: 'invalid request: request: request must be an object', version: 1 })
    expect(e.evaluate({ principal: { id: 3 }, action: 'read' } as never)).toMatchObject({ effect: 'deny', reason: expect.stringContaining('principal.id') })
    expect(e.evaluate({ principal: P, action: { name: 'read', args: 'x' } } as never)).toMatchObject({ effect: 'deny', reason: expect.stringContaining('action.args') })
    expect(e.evaluate({ principal: P, action: 'read', context: { approvals: [1] } } as never)).toMatchObject({ effect: 'deny', reason: expect.stringContaining('context.approvals[0]') })
  })

  it('denies when a builtin meets a collection over the limit, with EVAL116', () => {
    const d = e.evaluate({ principal: P, action: 'scan', context: { doc: { tags: new Array(200_000).fill('y') } } })
    expect(d.effect).toBe('deny')
    expect(d.errors.map((x) => x.code)).toEqual(['EVAL116'])
  })

  it('the thrower cases deny rather than allow', () => {
    expect(e.evaluate({ principal: P, get action(): string { throw new Error('boom') } } as never).effect).toBe('deny')
  })
})

describe('watch on a missing directory', () => {
  it('throws an error naming the path instead of an fs error', () => {
    expect(() => createEngine().watch('/nonexistent/symbi-policy-dir')).toThrow(/cannot watch '\/nonexistent\/symbi-policy-dir': not a directory/)
  })
})
