/**
 * With a schema, scalar attribute types make equality and membership translatable — but the
 * schema is not enforced on requests, so the translation asserts the types at evaluation time.
 * Property: for requests that follow the schema, ours and Cedar agree; for requests that do not
 * (arrays, records or numbers where strings are declared), Cedar never allows what we deny.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileToCedar } from '../../compiler/cedar/index.js'
import { compilePolicySet, interpret, parseSchema } from '../../compiler/index.js'
import { CedarPolicyGate } from '../../runtime/cedar-gate/index.js'
import { isPermitted, type AuthzRequest } from '../../stdlib/decision.js'
import type { Value } from '../../stdlib/value.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 60) * 40

const SCHEMA = parseSchema({
  context: { user: { team: 'string', level: 'number', admin: 'boolean' } },
  resource: { teams: ['string'], owner_team: 'string', min_level: 'number' },
  open: true,
})

const SOURCE = `policy teams {
  allow: read if user.team in resource.teams
  allow: write if user.team == resource.owner_team && user.level >= resource.min_level
  deny: write if resource.owner_team != user.team && user.admin != true
  deny: read if user.admin == resource.owner_team
}
`

// Permuted arrays are equal as Cedar sets and unequal as our arrays: without the assertions they would let Cedar allow.
const scalarOrNot = (good: fc.Arbitrary<Value>): fc.Arbitrary<Value> => fc.oneof(good, fc.constantFrom<Value>(['a', 'b'], ['b', 'a'], [['a', 'b']], [['b', 'a']], 3))

function requests(conforming: boolean): fc.Arbitrary<AuthzRequest> {
  const wrap = conforming ? (a: fc.Arbitrary<Value>) => a : scalarOrNot
  return fc.record({
    action: fc.constantFrom('read', 'write'),
    team: wrap(fc.constantFrom<Value>('a', 'b')),
    level: wrap(fc.integer({ min: 0, max: 3 })),
    admin: wrap(fc.boolean()),
    teams: wrap(fc.subarray(['a', 'b', 'c']) as fc.Arbitrary<Value>),
    owner: wrap(fc.constantFrom<Value>('a', 'b')),
    min: wrap(fc.integer({ min: 0, max: 3 })),
  }).map((r) => ({
    principal: { id: 'p' }, action: r.action,
    resource: { id: 'doc', teams: r.teams, owner_team: r.owner, min_level: r.min },
    context: { user: { team: r.team, level: r.level, admin: r.admin } },
  }))
}

describe('schema-typed Cedar translation', () => {
  const set = compilePolicySet([{ name: 'teams.policy', source: SOURCE }], { schema: SCHEMA }).value
  if (set === undefined) throw new Error('does not compile')
  const out = compileToCedar(set, { schema: SCHEMA })
  const gate = CedarPolicyGate.denyByDefault(out.text)
  const ours = (r: AuthzRequest): boolean => isPermitted(interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }))

  it('translates with type assertions', () => {
    expect(out.diagnostics).toEqual([])
    expect(out.text).toContain('(context.user.team like "*")')
  })

  it('agrees with our engine on requests that follow the schema', () => {
    let allowed = 0
    fc.assert(fc.property(requests(true), (r) => {
      const o = ours(r)
      if (o) allowed++
      expect(isPermitted(gate.evaluate(r)), JSON.stringify(r)).toBe(o)
    }), { numRuns: RUNS })
    expect(allowed).toBeGreaterThan(0)
  })

  it('never allows what we deny on requests that do not', () => {
    fc.assert(fc.property(requests(false), (r) => {
      if (isPermitted(gate.evaluate(r))) expect(ours(r), JSON.stringify(r)).toBe(true)
    }), { numRuns: RUNS })
  })
})
