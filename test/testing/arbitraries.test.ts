/** The request arbitraries of symbi-policy/testing: valid requests, constraints, hints, errors. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeRequest } from '../../compiler/request.js'
import { createEngine } from '../../index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { isPermitted } from '../../stdlib/decision.js'
import { ConstraintError, parseConstraints, policyHints, requestArbitrary, valueArbitrary } from '../../testing/index.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 200)
const NO_VOCABULARY = { groupsOf: new Map<string, readonly string[]>() }

const schema = {
  context: { user: { clearance: 'string', tags: ['string'], age: 'number' }, session: { mfa: 'boolean', idle: 'duration' } },
  resource: { owner: 'string' },
  actions: { read: { groups: ['data_access'] } },
}

describe('requestArbitrary', () => {
  it('generates requests the engine accepts, shaped by the schema', () => {
    fc.assert(
      fc.property(requestArbitrary(schema), (req) => {
        expect(() => normalizeRequest(req, NO_VOCABULARY)).not.toThrow()
        const ctx = req.context as { user: { clearance: unknown; tags: unknown; age: unknown }; session: { mfa: unknown; idle: unknown } }
        expect(typeof ctx.user.clearance).toBe('string')
        expect(Array.isArray(ctx.user.tags)).toBe(true)
        expect(typeof ctx.user.age).toBe('number')
        expect(typeof ctx.session.mfa).toBe('boolean')
        expect(ctx.session.idle).toMatchObject({ $duration: expect.any(Number) })
        if (req.resource !== undefined) expect(typeof req.resource['owner']).toBe('string')
      }),
      { numRuns: RUNS },
    )
  })

  it('constraints override generated fields: literals, $oneOf, $type, $absent, array indexes', () => {
    const arb = requestArbitrary(schema, {
      action: 'export',
      'resource.contains_pii': true,
      'context.user.clearance': { $oneOf: ['public', 'internal'] },
      'context.user.age': { $absent: true },
      'action.args.1': { $type: { level: 'number' } },
      'principal.role': 'admin',
    })
    fc.assert(
      fc.property(arb, (req) => {
        const action = req.action as { name: string; args: unknown[] }
        expect(action.name).toBe('export')
        expect(action.args[0]).toBeNull()
        expect(typeof (action.args[1] as { level: unknown }).level).toBe('number')
        expect(req.resource?.['contains_pii']).toBe(true)
        const user = (req.context as { user: Record<string, unknown> }).user
        expect(['public', 'internal']).toContain(user['clearance'])
        expect(Object.hasOwn(user, 'age')).toBe(false)
        expect(req.principal['role']).toBe('admin')
      }),
      { numRuns: RUNS },
    )
  })

  it('a non-string action constraint replaces the whole action', () => {
    const [req] = fc.sample(requestArbitrary(undefined, { action: { $oneOf: [{ name: 'run', groups: ['batch'] }] } }), 1) as AuthzRequest[]
    expect(req?.action).toEqual({ name: 'run', groups: ['batch'] })
  })

  it('rejects malformed constraints, naming the path', () => {
    expect(() => parseConstraints({ 'user.clearance': 'x' })).toThrow(/constraint 'user.clearance': a path starts with principal/)
    expect(() => parseConstraints({ 'context..x': 1 })).toThrow(ConstraintError)
    expect(() => parseConstraints({ 'context.x': { $oneof: [1] } })).toThrow(/exactly one of/)
    expect(() => parseConstraints({ 'context.x': { $oneOf: [] } })).toThrow(/non-empty/)
    expect(() => parseConstraints({ 'context.x': { $type: 'strnig' } })).toThrow(/bad \$type: unknown type 'strnig'/)
    expect(() => parseConstraints({ 'context.x': { $duration: 5 } })).not.toThrow()
  })

  it('valueArbitrary follows nested schema types', () => {
    const arb = valueArbitrary({ kind: 'array', element: { kind: 'record', fields: new Map([['n', { kind: 'number' }]]) } })
    for (const v of fc.sample(arb, 50)) {
      expect(Array.isArray(v)).toBe(true)
      for (const x of v as { n: unknown }[]) expect(typeof x.n).toBe('number')
    }
  })
})

describe('policyHints', () => {
  const engine = createEngine()
  engine.load([{ name: 'p.policy', source: 'policy p {\n  allow: read(doc) if doc.level <= "secret" && user.age >= 18 && any(doc.tags, |t| t.x == "k")\n  deny: "tool::*" if principal.banned\n  require: approval("boss") for read\n}' }])
  const set = engine.policySet!
  const hints = policyHints(set.checked, set.ladders)

  it('collects actions, literals, ladder rungs, approvers and the paths guards read', () => {
    expect(hints.actions).toEqual(['read', 'tool::x'])
    expect(hints.strings).toEqual(expect.arrayContaining(['secret', 'k', 'public', 'top_secret']))
    expect(hints.numbers).toEqual([17, 18, 19])
    expect(hints.approvers).toEqual(['boss'])
    const fields = (t: unknown): string[] => [...((t as { fields?: Map<string, unknown> }).fields?.keys() ?? [])]
    expect(fields(hints.shape.resource)).toEqual(['level', 'tags'])
    expect(fields(hints.shape.context)).toEqual(['user'])
    expect(fields(hints.shape.principal)).toEqual(['banned'])
  })

  it('infers scalar types from comparisons with literals', () => {
    const user = (hints.shape.context as unknown as { fields: Map<string, { fields: Map<string, unknown> }> }).fields.get('user')
    expect(user?.fields.get('age')).toEqual({ kind: 'number' })
    const resource = hints.shape.resource as unknown as { fields: Map<string, unknown> }
    expect(resource.fields.get('level')).toEqual({ kind: 'string' })
    expect(resource.fields.get('tags')).toEqual({ kind: 'any' })
  })

  it('lets generated requests without a schema reach allow, deny and approval', () => {
    const simple = createEngine()
    simple.load([{ name: 's.policy', source: 'policy s {\n  allow: read(doc) if doc.level <= "secret" && user.age >= 18\n  deny: "tool::*" if principal.banned == true\n  require: approval("boss") for read\n  allow: "tool::*"\n}' }])
    const h = policyHints(simple.policySet!.checked, simple.policySet!.ladders)
    const effects = new Set(fc.sample(requestArbitrary(undefined, {}, { hints: h }), 2000).map((r) => simple.evaluate(r).effect))
    expect([...effects].sort()).toEqual(['allow', 'deny', 'require_approval'])
  })

  it('supports user-written properties (the vitest use of the API)', () => {
    fc.assert(
      fc.property(requestArbitrary(undefined, { action: 'read', 'context.user.age': { $oneOf: [0, 10, 17] } }, { hints }), (req) => {
        expect(isPermitted(engine.evaluate(req))).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })
})
