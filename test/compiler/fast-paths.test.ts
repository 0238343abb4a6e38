/**
 * The fused fast paths of the generated evaluator (issue 10) decide exactly as the full paths:
 *
 * - `normalizeCommon` (compiler/request.ts) accepts a request only when `normalizeRequest`
 *   accepts it too, and then builds the same normalised request; everything else — every
 *   malformed request in particular — falls through to the full path and its exact error,
 *   also after the action name was seen before (when the fast path is armed for it).
 * - The chunk readers (compiler/generate/expr.ts) load attributes with plain property loads;
 *   an attribute inherited from a polluted `Object.prototype` (a value or a getter), from a
 *   class's prototype or from any other prototype is still a missing attribute, as it is for
 *   the closures and the interpreter.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, interpret } from '../../compiler/index.js'
import type { PolicySet } from '../../compiler/pipeline.js'
import { actionInfo, normalizeCommon, normalizeRequest, RequestError, type ActionInfo, type NormalizedRequest } from '../../compiler/request.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { engineFor, importModule } from '../codegen/helpers.js'

const RUNS = Number(process.env.SYMBI_PROPERTY_RUNS ?? 300)
const VOCABULARY = { groupsOf: new Map<string, readonly string[]>([['read', ['view']], ['Export', ['egress']]]) }
const NAMES = ['read', 'export', 'Export', 'delete']

function knownNames(): Map<string, ActionInfo> {
  return new Map(NAMES.map((n) => [n, actionInfo(n, VOCABULARY)]))
}

/** The parts of a normalised request evaluators read, as plain data. */
function shape(n: NormalizedRequest): unknown {
  return {
    principal: n.principal,
    actionName: n.actionName,
    args: n.args,
    groups: [...n.groups],
    foldedName: n.foldedName,
    foldedGroups: [...n.foldedGroups],
    resource: n.resource,
    context: n.context,
    approvals: [...n.approvals],
    now: n.now,
    actionValue: n.actionValue,
  }
}

/** Requests of every shape: mostly well formed, with each field also wrong in the ways callers get it wrong. */
const anyValue = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(Number.NaN), fc.constant([]), fc.constant({ $duration: 5 }))
const record = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom('id', 'level', 'type', '$duration', 'approvals', 'time', 'now'), anyValue, { maxKeys: 3 }) },
  { weight: 1, arbitrary: anyValue },
)
const requestArb = fc.record(
  {
    principal: fc.oneof({ weight: 4, arbitrary: fc.record({ id: fc.constantFrom('alice', 'bob') }) }, { weight: 1, arbitrary: record }),
    action: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...NAMES) },
      fc.constantFrom('unknown', 'bad name', ''),
      { weight: 2, arbitrary: fc.record({ name: fc.oneof(fc.constantFrom(...NAMES), anyValue), args: fc.oneof(fc.constant(undefined), fc.array(anyValue, { maxLength: 2 }), anyValue), groups: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(fc.constantFrom('g', 'G', 'bad g'), { maxLength: 2 }) }) }, { requiredKeys: ['name'] }) },
      { weight: 1, arbitrary: anyValue },
    ),
    resource: fc.oneof({ weight: 3, arbitrary: fc.record({ id: fc.oneof(fc.constant('r1'), anyValue), type: fc.string({ maxLength: 2 }) }, { requiredKeys: [] }) }, { weight: 1, arbitrary: anyValue }),
    context: fc.oneof(
      { weight: 3, arbitrary: fc.record({ user: fc.record({ level: fc.integer() }) }) },
      { weight: 2, arbitrary: record },
      { weight: 1, arbitrary: fc.record({ time: fc.oneof(fc.record({ now: anyValue }), anyValue), approvals: fc.oneof(fc.array(fc.constantFrom('boss', 7)), anyValue) }, { requiredKeys: [] }) },
    ),
  },
  { requiredKeys: [] },
)

describe('normalizeCommon ≡ normalizeRequest', () => {
  it('takes only requests the full path accepts, and builds the same request', () => {
    const known = knownNames()
    let taken = 0
    fc.assert(
      fc.property(fc.oneof({ weight: 6, arbitrary: requestArb }, { weight: 1, arbitrary: anyValue }), (req) => {
        let full: NormalizedRequest | RequestError
        try {
          full = normalizeRequest(req as AuthzRequest, VOCABULARY)
        } catch (e) {
          if (!(e instanceof RequestError)) throw e
          full = e
        }
        const fast = normalizeCommon(req, known)
        if (fast === undefined) return
        taken++
        expect(full).not.toBeInstanceOf(RequestError)
        expect(shape(fast)).toEqual(shape(full as NormalizedRequest))
      }),
      { numRuns: RUNS * 4 },
    )
    // The property is about the fast path: it must have been taken often.
    expect(taken).toBeGreaterThan(RUNS / 5)
  })

  it('takes nothing for a name it was not given', () => {
    expect(normalizeCommon({ principal: { id: 'a' }, action: 'read' }, new Map())).toBeUndefined()
    const known = knownNames()
    expect(normalizeCommon({ principal: { id: 'a' }, action: 'read' }, known)?.info).toBe(known.get('read'))
    expect(normalizeCommon({ principal: { id: 'a' }, action: { name: 'read', groups: [] } }, known)).toBeUndefined()
  })
})

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

describe('an evaluator armed for an action name still refuses malformed requests naming it', () => {
  const set = compile('policy p {\n allow: read(doc) if doc.type == "memo"\n allow: send(to) if to == "ops"\n}')
  const bad: readonly [string, unknown][] = [
    ['a principal without an id', { principal: {}, action: 'read', resource: { id: 'd', type: 'memo' } }],
    ['a principal that is a duration', { principal: { $duration: 1 }, action: 'read', resource: { id: 'd', type: 'memo' } }],
    ['a resource id that is a number', { principal: { id: 'a' }, action: 'read', resource: { id: 1, type: 'memo' } }],
    ['a resource that is an array', { principal: { id: 'a' }, action: 'read', resource: [] }],
    ['a context that is a string', { principal: { id: 'a' }, action: 'read', resource: { id: 'd', type: 'memo' }, context: 'x' }],
    ['a request time that is not a number', { principal: { id: 'a' }, action: 'read', resource: { id: 'd', type: 'memo' }, context: { time: { now: 'x' } } }],
    ['approvals that are not an array', { principal: { id: 'a' }, action: 'read', resource: { id: 'd', type: 'memo' }, context: { approvals: 'boss' } }],
    ['an undefined argument', { principal: { id: 'a' }, action: { name: 'send', args: [undefined] } }],
    ['args that are not an array', { principal: { id: 'a' }, action: { name: 'send', args: 'ops' } }],
    ['a malformed group', { principal: { id: 'a' }, action: { name: 'send', args: ['ops'], groups: ['bad group'] } }],
    ['a request that is an array', []],
  ]
  it.each(bad)('%s', (_what, req) => {
    const armed = createEvaluator(set, 1)
    // Requests of both forms arm the fast path for `read` and `send`.
    expect(armed.evaluate({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', type: 'memo' } }).effect).toBe('allow')
    expect(armed.evaluate({ principal: { id: 'a' }, action: { name: 'send', args: ['ops'] } }).effect).toBe('allow')
    expect(armed.evaluate({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', type: 'memo' } }).effect).toBe('allow')
    const fresh = createEvaluator(set, 1).evaluate(req as AuthzRequest)
    const d = armed.evaluate(req as AuthzRequest)
    expect(d.effect).toBe('deny')
    expect(d.reason).toMatch(/^invalid request: /)
    expect(d).toEqual(fresh)
  })

  it('requests with their own groups, approvals or a time take the full path and decide with them', () => {
    const grouped = compile('policy p {\n allow: read\n deny: read if action.groups.contains("bulk")\n deny: read if now() < 1000\n require: approval("boss") for read\n}')
    const e = createEvaluator(grouped, 1)
    const reference = (r: AuthzRequest): Decision => interpret(grouped.checked, r, { functions: grouped.functions, ladders: grouped.ladders, limits: grouped.limits, version: 1 })
    const requests: AuthzRequest[] = [
      { principal: { id: 'a' }, action: 'read', context: { time: { now: 5000 } } },
      { principal: { id: 'a' }, action: 'read', context: { approvals: ['boss'], time: { now: 5000 } } },
      { principal: { id: 'a' }, action: { name: 'read', groups: ['bulk'] }, context: { approvals: ['boss'], time: { now: 5000 } } },
      { principal: { id: 'a' }, action: 'read', context: { approvals: ['boss'], time: { now: 10 } } },
      { principal: { id: 'a' }, action: 'read', context: { approvals: ['boss'], now: 10 } },
      { principal: { id: 'a' }, action: 'read', context: { approvals: ['boss'], time: { now: 5000 } } },
    ]
    const effects = requests.map((r) => e.evaluate(r).effect)
    expect(effects).toEqual(requests.map((r) => reference(r).effect))
    expect(effects).toEqual(['require_approval', 'allow', 'deny', 'deny', 'deny', 'allow'])
  })
})

describe('one deviation from the common request at a time: an armed evaluator decides as the reference', () => {
  const source = [
    'policy p {',
    '  allow: read(doc) if doc.type == "memo"',
    '  allow: send(to) if to == "ops"',
    '  deny: read if action.groups.contains("bulk")',
    '  deny: read if now() < 1000',
    '}',
  ].join('\n')
  const set = compile(source)
  const clock = (): number => 5000
  const doc = { id: 'd', type: 'memo' }
  const P = { id: 'a' }
  const holey: unknown[] = new Array(2)
  holey[1] = 'ops'
  const cases: readonly [string, unknown][] = [
    ['the common request', { principal: P, action: 'read', resource: doc }],
    ['an action record with args', { principal: P, action: { name: 'send', args: ['ops'] } }],
    ['a null action', { principal: P, action: null, resource: doc }],
    ['an array action', { principal: P, action: ['read'], resource: doc }],
    ['groups of its own', { principal: P, action: { name: 'read', groups: ['bulk'] }, resource: doc }],
    ['an action record with a $duration key', { principal: P, action: { name: 'read', $duration: 1 }, resource: doc }],
    ['an action that is a duration', { principal: P, action: { $duration: 1 }, resource: doc }],
    ['a numeric action name', { principal: P, action: { name: 7 }, resource: doc }],
    ['an undefined argument', { principal: P, action: { name: 'send', args: [undefined] } }],
    ['args that are a string', { principal: P, action: { name: 'send', args: 'ops' } }],
    ['a hole in the args', { principal: P, action: { name: 'send', args: holey } }],
    ['a null principal', { principal: null, action: 'read', resource: doc }],
    ['an array principal', { principal: [], action: 'read', resource: doc }],
    ['a principal that is a duration', { principal: { $duration: 1 }, action: 'read', resource: doc }],
    ['a principal record with a $duration key', { principal: { id: 'a', $duration: 1 }, action: 'read', resource: doc }],
    ['a numeric principal id', { principal: { id: 5 }, action: 'read', resource: doc }],
    ['a null resource', { principal: P, action: 'read', resource: null }],
    ['an array resource', { principal: P, action: 'read', resource: [] }],
    ['a resource that is a duration', { principal: P, action: 'read', resource: { $duration: 1 } }],
    ['a resource record with a $duration key', { principal: P, action: 'read', resource: { ...doc, $duration: 1 } }],
    ['a numeric resource id', { principal: P, action: 'read', resource: { id: 5, type: 'memo' } }],
    ['a string resource', { principal: P, action: 'read', resource: 'd' }],
    ['a null context', { principal: P, action: 'read', resource: doc, context: null }],
    ['an array context', { principal: P, action: 'read', resource: doc, context: [] }],
    ['a string context', { principal: P, action: 'read', resource: doc, context: 'x' }],
    ['a context that is a duration', { principal: P, action: 'read', resource: doc, context: { $duration: 1 } }],
    ['a context record with a $duration key', { principal: P, action: 'read', resource: doc, context: { $duration: 1, x: 2 } }],
    ['approvals', { principal: P, action: 'read', resource: doc, context: { approvals: ['boss'] } }],
    ['a request time (context.time.now)', { principal: P, action: 'read', resource: doc, context: { time: { now: 5 } } }],
    ['a request time (context.now)', { principal: P, action: 'read', resource: doc, context: { now: 5 } }],
    ['a context.now that is not a time', { principal: P, action: 'read', resource: doc, context: { now: 'x' } }],
    ['a context.time that is not a record', { principal: P, action: 'read', resource: doc, context: { time: 'x' } }],
  ]
  const reference = (r: AuthzRequest): Decision => interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1, clock })
  it.each(cases)('%s', (_what, req) => {
    for (const mode of ['generated', 'closures'] as const) {
      const armed = createEvaluator(set, 1, undefined, { mode, clock })
      expect(armed.evaluate({ principal: P, action: 'read', resource: doc }).effect).toBe('allow')
      expect(armed.evaluate({ principal: P, action: { name: 'send', args: ['ops'] } }).effect).toBe('allow')
      expect(armed.evaluate(req as AuthzRequest)).toEqual(reference(req as AuthzRequest))
    }
  })

  it('the outcomes differ: the list exercises allows, denies by rule and refusals', () => {
    const effects = new Set(cases.map(([, r]) => {
      const d = reference(r as AuthzRequest)
      return d.effect === 'deny' ? (d.reason?.startsWith('invalid request') === true ? 'refused' : 'denied') : d.effect
    }))
    expect([...effects].sort()).toEqual(['allow', 'denied', 'refused'])
  })

  it('with an id on a polluted Object.prototype, a duration is still no principal', () => {
    Object.defineProperty(Object.prototype, 'id', { value: 'admin', configurable: true, writable: true, enumerable: false })
    try {
      const armed = createEvaluator(set, 1, undefined, { clock })
      expect(armed.evaluate({ principal: P, action: 'read', resource: doc }).effect).toBe('allow')
      const req = { principal: { $duration: 1 }, action: 'read', resource: doc } as unknown as AuthzRequest
      const d = armed.evaluate(req)
      expect(d.reason).toBe('invalid request: principal: principal must be an object with an id')
      expect(d).toEqual(reference(req))
    } finally {
      delete (Object.prototype as Record<string, unknown>)['id']
    }
  })
})

describe('chunk readers read own attributes only', () => {
  const SOURCE = [
    'policy p {',
    '  allow: read(doc) if principal.level >= 5',
    '  allow: read(doc) if doc.owner == principal.id && doc.shared',
    '  allow: write(doc) if principal.profile.tier == "gold"',
    '  allow: export(doc) if user.clearance == "high"',
    '  deny: read(doc) if doc.quarantined',
    '}',
  ].join('\n')
  const set = compile(SOURCE)
  const touched: string[] = []
  const pollute = (name: string, value: PropertyDescriptor): void => {
    Object.defineProperty(Object.prototype, name, { ...value, configurable: true, enumerable: false })
    touched.push(name)
  }
  afterEach(() => {
    for (const name of touched.splice(0)) delete (Object.prototype as Record<string, unknown>)[name]
  })

  let modulePromise: ReturnType<typeof importModule> | undefined
  const deciders = async (): Promise<[string, (r: AuthzRequest) => Decision][]> => {
    modulePromise ??= importModule(engineFor([{ name: 'p.policy', source: SOURCE }]), [{ name: 'p.policy', source: SOURCE }])
    const mod = (await modulePromise).module
    const generated = createEvaluator(set, 1)
    const closures = createEvaluator(set, 1, undefined, { mode: 'closures' })
    return [
      ['generated', (r) => generated.evaluate(r)],
      ['closures', (r) => closures.evaluate(r)],
      ['interpreter', (r) => interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })],
      ['compiled module', (r) => mod.evaluate(r)],
    ]
  }
  /** Each decider, warmed on good requests first (so the readers' fast paths are hot), then on `req`. */
  const decideAll = async (req: AuthzRequest): Promise<Record<string, string>> => {
    const out: Record<string, string> = {}
    for (const [name, decide] of await deciders()) {
      for (let i = 0; i < 50; i++) {
        decide({ principal: { id: 'a', level: 7, profile: { tier: 'gold' } }, action: 'read', resource: { id: 'd', owner: 'a', shared: true, quarantined: false } })
        decide({ principal: { id: 'a', level: 7, profile: { tier: 'gold' } }, action: 'write', resource: { id: 'd' } })
        decide({ principal: { id: 'a' }, action: 'export', resource: { id: 'd' }, context: { user: { clearance: 'high' } } })
      }
      out[name] = decide(req).effect
    }
    return out
  }
  const all = (effect: string): Record<string, string> => ({ generated: effect, closures: effect, interpreter: effect, 'compiled module': effect })

  it('a polluted Object.prototype value is not an attribute', async () => {
    pollute('level', { value: 9, writable: true })
    pollute('shared', { value: true, writable: true })
    expect(await decideAll({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', owner: 'a', quarantined: false } })).toEqual(all('deny'))
  })

  it('a getter on Object.prototype is not an attribute, and is never called', async () => {
    let calls = 0
    pollute('level', {
      get() {
        calls++
        return 9
      },
    })
    expect(await decideAll({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', owner: 'b', quarantined: false } })).toEqual(all('deny'))
    expect(calls).toBe(0)
  })

  it('a polluted record is not a base, and polluting cannot hide a deny', async () => {
    pollute('profile', { value: { tier: 'gold' }, writable: true })
    expect(await decideAll({ principal: { id: 'a' }, action: 'write', resource: { id: 'd' } })).toEqual(all('deny'))
    pollute('quarantined', { value: false, writable: true })
    expect(await decideAll({ principal: { id: 'a', level: 7 }, action: 'read', resource: { id: 'd' } })).toEqual(all('deny'))
  })

  it('an attribute inherited from a class or another prototype is not read; a null-prototype record is', async () => {
    class Doc {
      get shared(): boolean {
        return true
      }
    }
    const doc = Object.assign(new Doc(), { id: 'd', owner: 'a', quarantined: false })
    expect(await decideAll({ principal: { id: 'a' }, action: 'read', resource: doc as never })).toEqual(all('deny'))
    const child = Object.assign(Object.create({ shared: true }), { id: 'd', owner: 'a', quarantined: false })
    expect(await decideAll({ principal: { id: 'a' }, action: 'read', resource: child })).toEqual(all('deny'))
    const bare = Object.assign(Object.create(null), { id: 'd', owner: 'a', shared: true, quarantined: false })
    expect(await decideAll({ principal: { id: 'a' }, action: 'read', resource: bare })).toEqual(all('allow'))
    const profile = Object.assign(Object.create(null), { tier: 'gold' })
    expect(await decideAll({ principal: { id: 'a', profile }, action: 'write', resource: { id: 'd' } })).toEqual(all('allow'))
    expect(await decideAll({ principal: { id: 'a', profile: Object.create({ tier: 'gold' }) }, action: 'write', resource: { id: 'd' } })).toEqual(all('deny'))
  })

  it('an equality block reads its key as the guards do: inherited keys select no rule', async () => {
    const types = Array.from({ length: 6 }, (_, k) => `T${k}`)
    const source = `policy idx {\n${types.map((t) => `  allow: read(doc) if doc.type == "${t}" && doc.open\n`).join('')}${types.map((t) => `  deny: read(doc) if doc.type == "${t}" && doc.locked\n`).join('')}}`
    const blockSet = compile(source)
    const generated = createEvaluator(blockSet, 1)
    const closures = createEvaluator(blockSet, 1, undefined, { mode: 'closures' })
    expect(generated.indexedRules).toBe(12)
    const reference = (r: AuthzRequest): Decision => interpret(blockSet.checked, r, { functions: blockSet.functions, ladders: blockSet.ladders, limits: blockSet.limits, version: 1 })
    const check = (resource: unknown, effect: string): void => {
      const r = { principal: { id: 'a' }, action: 'read', resource: resource as never }
      for (let i = 0; i < 20; i++) generated.evaluate({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', type: `T${i % 6}`, open: true, locked: false } })
      const want = reference(r)
      expect(want.effect).toBe(effect)
      expect(generated.evaluate(r)).toEqual(want)
      expect(closures.evaluate(r)).toEqual(want)
    }
    check({ id: 'd', type: 'T2', open: true, locked: false }, 'allow')
    check({ id: 'd', type: 'T2', open: true, locked: true }, 'deny')
    check({ id: 'd', type: 'T9', open: true, locked: false }, 'deny')
    // The deny's key is inherited: the deny must still be evaluated (and fail closed on it).
    check(Object.assign(Object.create({ type: 'T2' }), { id: 'd', open: true, locked: true }), 'deny')
    pollute('type', { value: 'T3', writable: true })
    check({ id: 'd', open: true, locked: false }, 'deny')
    check(Object.assign(Object.create(null), { id: 'd', type: 'T3', open: true, locked: false }), 'allow')
  })

  it('zero, NaN, arrays and a missing context name take the helpers and decide as before', async () => {
    expect(await decideAll({ principal: { id: 'a', level: 0 }, action: 'read', resource: { id: 'd', owner: 'b', quarantined: false } })).toEqual(all('deny'))
    expect(await decideAll({ principal: { id: 'a', level: Number.NaN }, action: 'read', resource: { id: 'd', owner: 'b', quarantined: false } })).toEqual(all('deny'))
    expect(await decideAll({ principal: { id: 'a', level: 6 }, action: 'read', resource: { id: 'd', owner: 'b', quarantined: false } })).toEqual(all('allow'))
    expect(await decideAll({ principal: { id: 'a' }, action: 'export', resource: { id: 'd' }, context: { user: [] as never } })).toEqual(all('deny'))
    expect(await decideAll({ principal: { id: 'a' }, action: 'export', resource: { id: 'd' } })).toEqual(all('deny'))
  })
})
