/**
 * Plan functions (compiler/generate/plan.ts): after an action name's first request, generated
 * mode decides the name's common requests with one generated function over the raw request. It
 * must give exactly the decision of the full path — or leave the request to it. These tests warm
 * a name's plan function, then feed it requests built to make a shortcut go wrong (polluted
 * prototypes, own `undefined`, getters, non-plain objects, NaN, missing arguments) and compare
 * every decision with the reference interpreter and the closures.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, interpret, type Evaluator, type PolicySet } from '../../compiler/index.js'
import { compileSet } from '../../compiler/evaluator.js'
import type { CompiledRule } from '../../compiler/compile-rules.js'
import { literalConstants, planFunction, planSource, type UniformShape } from '../../compiler/generate/plan.js'
import { actionInfo } from '../../compiler/request.js'
import { createEngine } from '../../index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

const LADDERS = { clearance: ['public', 'internal', 'confidential', 'secret'] }

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 't.policy', source }], { ladders: LADDERS })
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

const SOURCE = `policy docs {
  deny: export(doc) if doc.contains_pii
  allow: [read(doc), export(doc)] if doc.type == "T0" && user.clearance >= doc.classification && user.department == doc.department
  allow: read(doc) if doc.owner == principal.id && principal.level >= 3 && doc.size <= 500
}`

const reference = (set: PolicySet, req: AuthzRequest): Decision => interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })

const doc = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id: 'd1', type: 'T0', classification: 'internal', department: 'eng', contains_pii: false, owner: 'alice', size: 10, ...extra })
const user = { clearance: 'secret', department: 'eng' }
const plain = (action: string, extra: Partial<Record<'principal' | 'resource' | 'context', unknown>> = {}): AuthzRequest =>
  ({ principal: { id: 'alice', level: 4 }, action, resource: doc(), context: { user }, ...extra }) as unknown as AuthzRequest

/**
 * Takes the requests a name needs before it has a plan function: the first takes the full path
 * and remembers the name, the second plans it on the common path and makes the function.
 */
function warm(e: Evaluator, action: string): void {
  e.evaluate(plain(action))
  e.evaluate(plain(action))
}

/** A generated evaluator whose plan functions for `read` and `export` exist. */
function warmed(set: PolicySet): Evaluator {
  const e = createEvaluator(set, 1)
  expect(e.mode).toBe('generated')
  warm(e, 'read')
  expect(e.fastPlans).toBe(1)
  warm(e, 'export')
  expect(e.fastPlans).toBe(2)
  return e
}

/**
 * Decides `req` through a Proxy that logs the request's top-level reads, and says whether the
 * plan function decided it alone: then the reads are exactly the entry's (`action`) and the
 * prologue's; a bail, or no plan function, adds the full path's reads. (Decisions are the same
 * either way, so this is how a test sees that the fast path was taken.)
 */
function alone(e: Evaluator, req: AuthzRequest): { decision: Decision; alone: boolean } {
  const log: string[] = []
  const traced = new Proxy(req as object, {
    get(t, k, r) {
      log.push(String(k))
      return Reflect.get(t, k, r) as unknown
    },
  }) as AuthzRequest
  const decision = e.evaluate(traced)
  return { decision, alone: log.join() === 'action,$duration,principal,resource,context' }
}

/** Decides `req` on a warmed evaluator (twice: a plan function must not keep state) and checks it against the interpreter and the closures. */
function agrees(set: PolicySet, e: Evaluator, req: AuthzRequest): Decision {
  const want = reference(set, req)
  const closures = createEvaluator(set, 1, undefined, { mode: 'closures' })
  const got = e.evaluate(req)
  expect(got).toEqual(want)
  expect(e.evaluate(req)).toEqual(want)
  expect(closures.evaluate(req)).toEqual(want)
  return got
}

describe('plan functions', () => {
  const set = compile(SOURCE)

  it('decide a name’s common requests after its first, returning the shared frozen decisions', () => {
    const e = warmed(set)
    const allow = agrees(set, e, plain('read'))
    expect(allow.effect).toBe('allow')
    // Decided by the plan functions alone: an allow, a deny by rule, a no-allow, an allow rule
    // whose exact name `READ` is not `read` (allow patterns do not fold).
    for (const [req, effect] of [
      [plain('read'), 'allow'],
      [plain('export', { resource: doc({ contains_pii: true }) }), 'deny'],
      [plain('read', { resource: doc({ type: 'T1', owner: 'bob' }) }), 'deny'],
      [plain('export', { resource: doc({ type: 'T1' }) }), 'deny'],
      // Allow patterns that name an argument the request lacks simply do not match.
      [plain('read', { resource: undefined }), 'deny'],
    ] as const) {
      const got = alone(e, req)
      expect(got.alone, JSON.stringify(req)).toBe(true)
      expect(got.decision).toEqual(reference(set, req))
      expect(got.decision.effect).toBe(effect)
    }
    warm(e, 'READ')
    const upper = alone(e, plain('READ'))
    expect(upper).toEqual({ decision: reference(set, plain('READ')), alone: true })
    expect(upper.decision.reason).toBe('no allow rule matched')
    // The same frozen object each time: nothing is built per request.
    expect(e.evaluate(plain('read'))).toBe(allow)
    expect(Object.isFrozen(allow)).toBe(true)
    expect(agrees(set, e, plain('export', { resource: doc({ contains_pii: true }) })).effect).toBe('deny')
    expect(agrees(set, e, plain('read', { resource: doc({ type: 'T1', owner: 'bob' }) })).reason).toBe('no allow rule matched')
    // A name no rule names has a plan function too: it denies at once.
    warm(e, 'delete')
    expect(e.fastPlans).toBe(4)
    expect(agrees(set, e, plain('delete')).reason).toBe('no allow rule matched')
  })

  it('leave every request a shortcut could misread to the full path, which decides it', () => {
    const e = warmed(set)
    const weird: [string, AuthzRequest][] = [
      ['missing attribute', plain('export', { resource: { id: 'd', type: 'T0' } })],
      ['NaN clearance', plain('read', { context: { user: { clearance: NaN, department: 'eng' } } })],
      ['0 and -0 levels', plain('read', { principal: { id: 'alice', level: -0 }, resource: doc({ type: 'T9' }) })],
      ['numbers against rungs', plain('read', { context: { user: { clearance: 3, department: 'eng' } } })],
      ['no resource (export must fail closed on its missing argument)', plain('export', { resource: undefined })],
      ['no resource for read', plain('read', { resource: undefined })],
      ['no context', plain('read', { context: undefined })],
      ['null context', plain('read', { context: null })],
      ['context of null prototype', plain('read', { context: Object.assign(Object.create(null), { user }) })],
      ['context of a class', plain('read', { context: new (class Ctx { user = user })() })],
      ['own undefined user', plain('read', { context: { user: undefined } })],
      ['context naming principal', plain('read', { context: { user, principal: { id: 'alice', level: 1 } }, resource: doc({ type: 'T1' }) })],
      ['context naming principal undefined', plain('read', { context: { user, principal: undefined }, resource: doc({ type: 'T1' }) })],
      ['principal as a class instance', plain('read', { principal: new (class P { id = 'alice'; level = 9 })() })],
      ['resource as a class instance', plain('read', { resource: new (class D { id = 'd'; type = 'T0'; classification = 'public'; department = 'eng'; owner = 'alice'; size = 1 })() })],
      ['array resource', plain('read', { resource: [doc()] })],
      ['resource id a number', plain('read', { resource: doc({ id: 5 }) })],
      ['principal id a number', plain('read', { principal: { id: 5, level: 4 } })],
      ['a duration as principal', plain('read', { principal: { id: 'alice', $duration: 5 } })],
      ['a container where a scalar is read', plain('read', { resource: doc({ type: ['T0'] }) })],
      ['approvals', plain('read', { context: { user, approvals: ['bob'] } })],
      ['malformed approvals', plain('read', { context: { user, approvals: 5 } })],
      ['request time', plain('read', { context: { user, time: { now: 5 } } })],
      ['malformed request time', plain('read', { context: { user, time: { now: 'soon' } } })],
      ['a context that inherits user', plain('read', { context: new (class Ctx {})() })],
      ['request of a $duration', { ...plain('read'), $duration: 1 } as unknown as AuthzRequest],
      ['action object form', { ...plain('read'), action: { name: 'read', args: [doc({ owner: 'bob' })] } } as unknown as AuthzRequest],
      ['groups of the request', { ...plain('read'), action: { name: 'read', groups: ['export'] } } as unknown as AuthzRequest],
      ['upper-case export', plain('EXPORT', { resource: doc({ contains_pii: true }) })],
      ['a principal getter that throws', Object.defineProperty(plain('read'), 'principal', { enumerable: true, get: () => { throw new Error('no principal') } })],
      ['a resource getter that throws', Object.defineProperty(plain('read'), 'resource', { enumerable: true, get: () => { throw new Error('no resource') } })],
      ['a context getter that throws', Object.defineProperty(plain('read'), 'context', { enumerable: true, get: () => { throw new Error('no context') } })],
      ['an id getter that throws', plain('read', { principal: Object.defineProperty({ level: 4 }, 'id', { enumerable: true, get: () => { throw new Error('no id') } }) })],
      ['a request Proxy that throws past its action', new Proxy(plain('read'), { get: (t, k) => { if (k === 'action') return 'read'; throw new Error(`no ${String(k)}`) } })],
    ]
    // `user` on the class's prototype: no attribute of the context, whatever a read of it finds.
    const inherits = (weird.find(([w]) => w === 'a context that inherits user') as [string, AuthzRequest])[1]
    Object.assign(Object.getPrototypeOf(inherits.context), { user })
    for (const [what, req] of weird) {
      try {
        agrees(set, e, req)
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}`)
      }
    }
  })

  it('are not fooled by a polluted Object.prototype or by getters', () => {
    const e = warmed(set)
    const closures = createEvaluator(set, 1, undefined, { mode: 'closures' })
    const proto = Object.prototype as Record<string, unknown>
    /** The three decisions of `req` with `key` on Object.prototype (removed before anything is asserted: vitest itself reads objects). */
    const polluted = (key: string, value: unknown, req: AuthzRequest): Decision[] => {
      proto[key] = value
      try {
        return [e.evaluate(req), reference(set, req), closures.evaluate(req)]
      } finally {
        delete proto[key]
      }
    }
    const cases: [string, unknown, AuthzRequest, string][] = [
      // The doc lacks contains_pii (an error), whatever Object.prototype lends it.
      ['contains_pii', false, plain('export', { resource: { id: 'd', type: 'T0', classification: 'public', department: 'eng' } }), 'deny'],
      // An inherited `user` must not stand in for the context's.
      ['user', { clearance: 'secret', department: 'eng' }, plain('read', { context: {}, resource: doc({ owner: 'bob' }) }), 'deny'],
      // An inherited level must not satisfy `principal.level >= 3`.
      ['level', 9, plain('read', { principal: { id: 'alice' }, resource: doc({ type: 'T1' }) }), 'deny'],
      // An inherited principal must not stand in for the request's.
      ['principal', { id: 'alice', level: 9 }, plain('read', { principal: { id: 'alice' }, resource: doc({ type: 'T1' }) }), 'deny'],
    ]
    for (const [key, value, req, effect] of cases) {
      const [got, want, viaClosures] = polluted(key, value, req)
      expect(got, key).toEqual(want)
      expect(viaClosures, key).toEqual(want)
      expect(got?.effect, key).toBe(effect)
    }
    // A getter that pollutes Object.prototype while it is read: the later read of the polluted
    // name is not taken as the record's own.
    const resource = doc({ type: 'T1' })
    Object.defineProperty(resource, 'owner', {
      enumerable: true,
      get() {
        proto['level'] = 9
        return 'alice'
      },
    })
    const outcome = (ev: Evaluator): Decision => {
      try {
        return ev.evaluate(plain('read', { principal: { id: 'alice' }, resource }))
      } finally {
        delete proto['level']
      }
    }
    const got = outcome(e)
    expect(got).toEqual(outcome(closures))
    expect(got.effect).toBe('deny')
    expect(got.errors).toHaveLength(1)
    // A getter that throws is the full path's to report.
    const throwing = plain('read', { principal: Object.defineProperty({ id: 'alice' }, 'level', { get: () => { throw new Error('boom') } }), resource: doc({ type: 'T1' }) })
    expect(e.evaluate(throwing)).toEqual(closures.evaluate(throwing))
    expect(e.evaluate(throwing).effect).toBe('deny')
  })

  it('are made only where they can decide alone', () => {
    const cases: [string, string, number][] = [
      ['a require rule on the action', 'policy p {\n  allow: read(doc) if doc.ok\n  require: audit_trail for read\n}', 0],
      ['now()', 'policy p {\n  allow: read(doc) if doc.until > now()\n}', 0],
      ['a glob', 'policy p {\n  allow: "re*"(doc) if doc.ok\n}', 0],
      ['a function call', 'policy p {\n  allow: read(doc) if contains(doc.tags, "a")\n}', 0],
      ['`action`', 'policy p {\n  allow: read(doc) if action.name == "read"\n}', 0],
      ['a binder not every pattern binds at one position', 'policy p {\n  allow: [read(d), write(_, d)] if d.ok\n}', 0],
      ['such a binder, and no guard to read it', 'policy p {\n  allow: [read(d), write(_, d)]\n}', 0],
      ['plain guards', 'policy p {\n  allow: read(doc) if doc.ok\n}', 1],
      ['any action', 'policy p {\n  allow: any if resource.ok\n  deny: any if resource.bad\n}', 1],
    ]
    for (const [what, source, n] of cases) {
      const s = compile(source)
      const e = createEvaluator(s, 1)
      const req = { principal: { id: 'a' }, action: 'read', resource: { id: 'd', ok: true, bad: false, until: 1e15, tags: ['a'] } } as AuthzRequest
      for (let i = 0; i < 2; i++) e.evaluate(req)
      expect(e.fastPlans, what).toBe(n)
      const got = alone(e, req)
      expect(got.decision, what).toEqual(reference(s, req))
      expect(got.decision.effect.startsWith('allow'), what).toBe(true)
      expect(got.alone, what).toBe(n === 1)
    }
    // Closures mode never makes any; the engine reports the count.
    const closures = createEvaluator(set, 1, undefined, { mode: 'closures' })
    warm(closures, 'read')
    expect(closures.fastPlans).toBe(0)
    const engine = createEngine({ ladders: LADDERS })
    expect(engine.load([{ name: 't.policy', source: SOURCE }]).ok).toBe(true)
    expect(engine.stats.fastPlans).toBe(0)
    for (let i = 0; i < 2; i++) engine.evaluate(plain('read'))
    expect(engine.stats.fastPlans).toBe(1)
  })

  it('bail on a deny whose verb matched but whose arguments did not (it may fail closed)', () => {
    const rules = compileSet(set)
    const info = actionInfo('export', set.checked.vocabulary)
    const steps = [...rules.filter((r) => r.checked.kind === 'deny'), ...rules.filter((r) => r.checked.kind === 'allow')].map((rule) => ({ rule }))
    const src = planSource(steps, info, { functions: set.functions, ladders: set.ladders })
    if (src === undefined) throw new Error('no plan source')
    const fn = planFunction(src.body)
    const c = { now: NaN, ladders: set.ladders, limits: set.limits }
    const D = src.K.map((_, i) => ({ effect: `rule ${i}` }) as unknown as Decision).concat([{ effect: 'none' } as unknown as Decision])
    expect(fn(plain('export', { resource: undefined }), c, src.K, D, [])).toBeUndefined()
    expect(fn(plain('export', { resource: doc({ contains_pii: true }) }), c, src.K, D, [])).toBe(D[0])
    expect(fn(plain('export'), c, src.K, D, [])).toBe(D[1])
    expect(fn(plain('export', { resource: doc({ type: 'T1' }) }), c, src.K, D, [])).toBe(D[3])
  })
})

describe('plan functions ≡ interpreter on random requests', () => {
  const set = compile(SOURCE)
  const value = fc.oneof(fc.constantFrom('T0', 'T1', 'public', 'internal', 'secret', 'eng', 'ops', 'alice', 'bob', true, false, 0, -0, 3, 600, NaN, null, undefined), fc.array(fc.constantFrom('a', 1), { maxLength: 2 }))
  const record = (keys: readonly string[]) => fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length })
  const request = fc.record({
    principal: fc.oneof(record(['id', 'level']).map((r) => ({ id: 'alice', ...r })), fc.constant({ id: 'alice', level: 4 })),
    action: fc.constantFrom('read', 'export', 'EXPORT', 'delete'),
    resource: fc.oneof(record(['id', 'type', 'classification', 'department', 'contains_pii', 'owner', 'size']), fc.constant(undefined), fc.constant(doc())),
    context: fc.oneof(fc.record({ user: fc.oneof(record(['clearance', 'department']), fc.constant(user)) }), fc.constant(undefined), record(['user', 'principal'])),
  })
  it(`agree on ${Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 2000)} requests`, () => {
    const e = warmed(set)
    fc.assert(
      fc.property(request, (r) => {
        const req = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as AuthzRequest
        expect(e.evaluate(req)).toEqual(reference(set, req))
      }),
      { numRuns: Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 2000) },
    )
    expect(e.fastPlans).toBeGreaterThanOrEqual(2)
  })
})

describe('plan functions over equality blocks', () => {
  // Allow and deny blocks (four or more rules with `path == literal` first), literals of every kind.
  const BLOCKS = `policy b {
  deny: export(doc) if doc.kind == "secret" && doc.size > 1
  deny: export(doc) if doc.kind == 1
  deny: export(doc) if doc.kind == true
  deny: export(doc) if doc.kind == "1" && doc.size > 5
  allow: [read(doc), export(doc)] if doc.type == "T0" && user.clearance >= doc.classification
  allow: [read(doc), export(doc)] if doc.type == "T1" && doc.size <= 10
  allow: [read(doc), export(doc)] if doc.type == 2
  allow: [read(doc), export(doc)] if doc.type == false && principal.level >= 3
  allow: [read(doc), export(doc)] if doc.type == "T1" && principal.level >= 9
}`
  const set = compile(BLOCKS)
  const values: unknown[] = ['T0', 'T1', 'T2', 2, '2', 0, -0, false, 'false', true, 1, '1', 'secret', null, ['T0'], { t: 'T0' }, NaN, undefined]
  const request = (action: string, type: unknown, kind: unknown, size: unknown = 3): AuthzRequest => {
    const resource: Record<string, unknown> = { id: 'd', classification: 'internal', size }
    if (type !== undefined) resource['type'] = type
    if (kind !== undefined) resource['kind'] = kind
    return { principal: { id: 'alice', level: 4 }, action, resource, context: { user } } as unknown as AuthzRequest
  }

  it('select the rules of the value’s literal, as the full path does', () => {
    const e = createEvaluator(set, 1)
    for (const a of ['read', 'export']) for (let i = 0; i < 2; i++) e.evaluate(request(a, 'T0', 'x'))
    expect(e.fastPlans).toBe(2)
    expect(e.indexedRules).toBe(9)
    const closures = createEvaluator(set, 1, undefined, { mode: 'closures' })
    for (const a of ['read', 'export', 'EXPORT']) {
      for (const type of values) {
        for (const kind of values) {
          const req = request(a, type, kind)
          const want = reference(set, req)
          expect(e.evaluate(req), `${a} type=${String(type)} kind=${String(kind)}`).toEqual(want)
          expect(closures.evaluate(req)).toEqual(want)
        }
      }
    }
    // The rules of a literal decide without the full path (here through sub-plan functions).
    for (const [a, type, kind] of [['read', 'T0', 'x'], ['read', 'T1', 'x'], ['read', 2, 'x'], ['export', 'T1', 1], ['export', 'T9', 'secret'], ['read', 'T9', 'x']] as const) {
      const req = request(a, type, kind)
      const got = alone(e, req)
      expect(got.alone, `${a} ${type} ${kind}`).toBe(true)
      expect(got.decision).toEqual(reference(set, req))
    }
    // The deny block names an argument: without a resource, export fails closed on it.
    const bare = { principal: { id: 'alice', level: 4 }, action: 'export' } as AuthzRequest
    expect(e.evaluate(bare)).toEqual(reference(set, bare))
    expect(e.evaluate(bare).errors).not.toHaveLength(0)
  })

  it('fail closed on a deny block whose patterns name an argument the request lacks, whatever the value selects', () => {
    // The block's path is rooted in the context, so reading it succeeds without a resource.
    const s = compile(`policy a {
  deny: export(doc) if user.tier == "t1"
  deny: export(doc) if user.tier == "t2"
  deny: export(doc) if user.tier == "t3"
  deny: export(doc) if user.tier == "t4"
  allow: export
}`)
    const e = createEvaluator(s, 1)
    const req = (tier: string, resource?: unknown): AuthzRequest => ({ principal: { id: 'alice' }, action: 'export', ...(resource === undefined ? {} : { resource }), context: { user: { tier } } }) as AuthzRequest
    for (let i = 0; i < 2; i++) e.evaluate(req('t9', { id: 'd' }))
    expect(e.fastPlans).toBe(1)
    for (const r of [req('t9'), req('t1'), req('t9', { id: 'd' }), req('t2', { id: 'd' })]) expect(e.evaluate(r)).toEqual(reference(s, r))
    expect(e.evaluate(req('t9')).effect).toBe('deny')
  })

  it('run one inline copy of a uniform block’s rules with each literal’s constants', () => {
    // One rule per literal, one shape: the typed workload of bench/evaluation.mjs.
    // String literals only: a literal of another type is another shape (and another closure).
    const literals = ['"T0"', '"T1"', '"2"', '"true"', '"0"', '"false"', '"secret"']
    const uniform = compile(`policy u {\n${literals.map((l, i) => `  allow: [read(doc), export(doc)] if doc.type == ${l} && user.clearance >= doc.classification && doc.size <= ${i * 2}`).join('\n')}\n  deny: export(doc) if doc.type == "T1" && doc.size > 4\n}`)
    // The allow rules form one uniform block (the deny rule a step of its own).
    const steps = [{ rule: compileSet(uniform).find((r) => r.checked.kind === 'deny') as CompiledRule }, { block: { rules: compileSet(uniform).filter((r) => r.checked.kind === 'allow'), arity: 0 } }]
    const src = planSource(steps, actionInfo('export', uniform.checked.vocabulary), { functions: uniform.functions, ladders: uniform.ladders })
    expect(src?.shapes[0]?.code).toBeTypeOf('string')
    // One inline copy, no sub-plan call.
    expect(src?.body).toContain('h = B[0].one(')
    expect(src?.body).not.toContain('.sub(')
    const e = createEvaluator(uniform, 1)
    for (const a of ['read', 'export']) for (let i = 0; i < 2; i++) e.evaluate(request(a, 'T0', 'x'))
    expect(e.fastPlans).toBe(2)
    expect(e.indexedRules).toBe(literals.length + 1)
    for (const [a, type, size] of [['read', 'T0', 0], ['read', 'T1', 3], ['export', '2', 5], ['read', 'T9', 1], ['export', 'T1', 9]] as const) {
      const req = request(a, type, 'x', size)
      const got = alone(e, req)
      expect(got.alone, `${a} ${type} ${size}`).toBe(true)
      expect(got.decision).toEqual(reference(uniform, req))
    }
    const closures = createEvaluator(uniform, 1, undefined, { mode: 'closures' })
    for (const a of ['read', 'export']) {
      for (const type of [...values, 'true', '2']) {
        for (const size of [0, 3, 5, 12, '3', undefined, NaN]) {
          const req = request(a, type, 'x', size)
          const want = reference(uniform, req)
          expect(e.evaluate(req), `${a} type=${String(type)} size=${String(size)}`).toEqual(want)
          expect(closures.evaluate(req)).toEqual(want)
        }
      }
    }
  })

  it('tell a uniform block from one that only looks uniform', () => {
    const env = (s: PolicySet) => ({ functions: s.functions, ladders: s.ladders })
    const shapesOf = (source: string): (UniformShape | undefined)[] | undefined => {
      const s = compile(source)
      const rules = compileSet(s).filter((r) => r.checked.kind === 'allow').map((rule) => ({ rule }))
      // The evaluator's plan would hold one block step: build it as toSteps does.
      const block = { rules: rules.map((r) => r.rule), arity: 0 }
      return planSource([{ block }], actionInfo('read', s.checked.vocabulary), env(s))?.shapes
    }
    const rule = (lit: string, rest = ' && doc.size > 1'): string => `  allow: read(doc) if doc.type == ${lit}${rest}`
    expect(shapesOf(`policy p {\n${['"a"', '"b"', '"c"', '"d"'].map((l) => rule(l)).join('\n')}\n}`)?.[0]?.code).toBeTypeOf('string')
    // A literal twice, another shape, other patterns: not uniform (the sub-plan path).
    expect(shapesOf(`policy p {\n${['"a"', '"b"', '"a"', '"d"'].map((l) => rule(l)).join('\n')}\n}`)?.[0]).toBeUndefined()
    expect(shapesOf(`policy p {\n${[rule('"a"'), rule('"b"'), rule('"c"', ' && doc.size < 1'), rule('"d"')].join('\n')}\n}`)?.[0]).toBeUndefined()
    expect(shapesOf(`policy p {\n${[rule('"a"'), rule('"b"'), rule('"c"').replace('read(doc)', '[read(doc), export(doc)]'), rule('"d"')].join('\n')}\n}`)?.[0]).toBeUndefined()
    // The inline copy takes a literal's constants only from a rule whose code is the copy's.
    const s = compile(`policy p {\n${[rule('"a"'), rule('"b"'), rule('"c"'), rule('"d"'), rule('"e"', ' && doc.size < 1'), rule('"f"', ' && doc.size > 2')].join('\n')}\n}`)
    const rules = compileSet(s)
    const info = actionInfo('read', s.checked.vocabulary)
    const shape = planSource([{ block: { rules: rules.slice(0, 4), arity: 0 } }], info, env(s))?.shapes[0]
    if (shape === undefined) throw new Error('expected a uniform block')
    // The literal is not a constant of the copy (the lookup decides its conjunct): a rule that
    // differs from the shape's only in it shares the shape's array; one with another bound has its own.
    expect(shape.k).toEqual([1])
    expect(literalConstants(rules[2] as CompiledRule, shape, info, env(s))).toBe(shape.k)
    expect(literalConstants(rules[5] as CompiledRule, shape, info, env(s))).toEqual([2])
    expect(literalConstants(rules[4] as CompiledRule, shape, info, env(s))).toBeUndefined()
  })

  it('take no literal from Object.prototype', () => {
    const e = createEvaluator(set, 1)
    for (let i = 0; i < 2; i++) e.evaluate(request('read', 'T0', 'x'))
    const proto = Object.prototype as Record<string, unknown>
    const req = request('read', undefined, 'x')
    proto['type'] = 'T1'
    let got: Decision
    let want: Decision
    try {
      got = e.evaluate(req)
      want = reference(set, req)
    } finally {
      delete proto['type']
    }
    expect(got).toEqual(want)
    expect(got.effect).toBe('deny')
  })

  it('agree with the interpreter on random requests', () => {
    const e = createEvaluator(set, 1)
    for (const a of ['read', 'export']) for (let i = 0; i < 2; i++) e.evaluate(request(a, 'T0', 'x'))
    const value = fc.constantFrom(...values)
    fc.assert(
      fc.property(fc.constantFrom('read', 'export', 'delete'), value, value, fc.constantFrom<unknown>(0, 3, 7, 11, '3', undefined), (a, type, kind, size) => {
        const req = request(a, type, kind, size)
        expect(e.evaluate(req)).toEqual(reference(set, req))
      }),
      { numRuns: Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 2000) },
    )
  })
})
