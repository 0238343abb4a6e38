/**
 * Every kind of expression, through every evaluator, on requests that make it hold, fail and
 * error. The closures (compiler/compile-expr.ts) decide in `closures` mode and inside generated
 * code for the forms it does not generate (calls, lambdas, `if`, literals of arrays and records);
 * the random policies of the differential property reach these forms only now and then, and the
 * first mutation run of compile-expr.ts (60.6 %) left whole forms unchecked — an index read, a
 * negation, `if` without `else`, a record literal could have returned anything.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, interpret } from '../../index.js'
import type { PolicySet } from '../../compiler/pipeline.js'
import type { AuthzRequest, Decision } from '../../index.js'

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(`${source}: ${JSON.stringify(r.files)}`)
  return r.value
}

const principal = { id: 'al', level: 5, zero: 0, neg: -3, name: 'Al', tags: ['a', 'b'], nums: [1, 2, 3], rec: { x: 1, y: 'z' }, recs: [{ x: 1 }, { x: 'y' }], t: 'secret', flag: true }
const REQUESTS: readonly [string, AuthzRequest][] = [
  ['full', { principal, action: 'read', resource: { id: 'd', owner: 'al', kind: 'memo' }, context: { user: { level: 4 } } }],
  ['other values', { principal: { ...principal, level: 2, name: 'Bo', tags: [], nums: [0], rec: { x: 2 }, t: 'public', flag: false }, action: 'read', resource: { id: 'd', owner: 'bo', kind: 'note' }, context: { user: { level: 9 } } }],
  ['wrong types', { principal: { ...principal, level: 'high', name: 7, tags: 'a', nums: { a: 1 }, rec: [1], t: 3, flag: 'yes' }, action: 'read', resource: { id: 'd', owner: 5 }, context: { user: 'x' } }],
  ['missing', { principal: { id: 'al' }, action: 'read' }],
  // Bases that are null, values no fast path may pass through unchecked (-0, NaN, ±Infinity), and
  // attributes a record only inherits (they are not the request's: a read must not see them).
  ['null bases', { principal: { ...principal, rec: null, nums: null, tags: null, name: null }, action: 'read', resource: { id: 'd', owner: null }, context: { user: null } } as unknown as AuthzRequest],
  ['odd numbers', { principal: { ...principal, level: -0, zero: Number.NaN, neg: Number.NEGATIVE_INFINITY, nums: [Number.POSITIVE_INFINITY, -0, 3], rec: { x: Number.NaN, y: 'z' } }, action: 'read', resource: { id: 'd', owner: 'al' }, context: { user: { level: -0 } } }],
  ['inherited', { principal: Object.assign(Object.create(principal) as object, { id: 'al' }), action: 'read', resource: Object.assign(Object.create({ owner: 'al' }) as object, { id: 'd' }), context: { user: Object.create({ level: 4 }) as object } } as unknown as AuthzRequest],
]

const GUARDS: readonly string[] = [
  // index reads
  'principal.nums[1] == 2',
  'principal.nums[5] == 1',
  'principal.rec["x"] == 1',
  'principal.tags[0] == "a" && principal.nums[0] < 2',
  'principal.nums[principal.zero] == 1',
  // an index read as the base of a member read
  'principal.recs[0].x == 1',
  'principal.recs[principal.zero].x == 1',
  'principal.recs[1].x == "y"',
  'principal.nums[0].x == 1',
  // a record literal with a `__proto__` key keeps it as a key
  '{ "__proto__": 1, a: 2 }.keys() == ["__proto__", "a"]',
  '{ "__proto__": principal.level }["__proto__"] == 5',
  // an array's own properties are not attributes (only records have them)
  'principal.tags.length == 2',
  'principal.tags.length.bits == 2',
  // unary operators
  '-principal.level < 0',
  '-principal.neg == 3',
  '!principal.flag',
  'not (principal.level > 3)',
  '!(principal.name == "Al")',
  // if expressions
  'if principal.level > 3 { principal.flag } else { false }',
  'if principal.level > 3 { true }',
  'if principal.flag { principal.name == "Al" } else { principal.level == 2 }',
  'if principal.level > 6 { true } else if principal.level > 3 { principal.flag } else { false }',
  // a guard that is not a boolean on some requests (EVAL102, naming the rule)
  'principal.flag',
  // logical operators over operands that are not booleans (the error names the operand)
  'principal.flag && principal.id == "al"',
  'principal.id == "al" && principal.flag',
  'principal.flag || principal.id == "x"',
  'principal.id == "x" || principal.flag',
  // orderings of numbers against NaN and infinities
  'principal.zero < 1 || principal.neg < principal.level',
  // arithmetic
  'principal.level + 1 == 6',
  'principal.level - 1 == 4',
  'principal.level * 2 == 10',
  'principal.level / 2 == 2.5',
  'principal.level % 2 == 1',
  'principal.level / principal.zero == 1',
  'principal.name + "x" == "Alx"',
  // comparisons and membership
  'principal.t >= "internal"',
  'principal.level >= 5 && principal.level <= 5',
  'principal.level > "a"',
  '"a" in principal.tags',
  'principal.level in principal.nums',
  '"x" in principal.rec',
  'principal.level != 5',
  'principal.rec == principal.rec',
  'principal.rec != { x: 1, y: "z" }',
  // literals
  '[1, 2] == [1, 2]',
  'principal.nums == [1, 2, 3]',
  'principal.rec == { x: 1, y: "z" }',
  '{ a: principal.level }.a == 5',
  '[principal.level, 1][0] == 5',
  '5m > 2m',
  // calls and lambdas
  'principal.nums.any(n => n > 2)',
  'principal.nums.all(n => n > 0)',
  'principal.nums.count(n => n > 1) == 2',
  'principal.tags.contains("b")',
  'principal.name.lower() == "al"',
  'principal.name.starts_with("A")',
  'keys(principal.rec).contains("y")',
  'principal.nums.filter(n => n > 1).count(n => true) == 2',
  'principal.nums.map(n => n * 2).contains(6)',
  'sum(principal.nums) == 6',
  'min(principal.nums) == 1',
  'has(principal.rec, "x")',
  'principal.nums.any(n => n == principal.level - 2)',
  // names
  'user.level > 3',
  'resource.owner == principal.id',
  'action.name == "read"',
  'context.user.level == 4',
  'principal.missing == 1',
]

/** Guards that fail on every request above: an index past the end, an attribute of a number, division by zero, a number against a string, a missing attribute, an attribute of an array. */
const ALWAYS_FAIL = new Set(['principal.nums[5] == 1', 'principal.nums[0].x == 1', 'principal.level / principal.zero == 1', 'principal.level > "a"', 'principal.missing == 1', 'principal.tags.length == 2', 'principal.tags.length.bits == 2'])

const reference = (set: PolicySet, r: AuthzRequest): Decision => interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })

describe.each(GUARDS)('allow: read if %s', (guard) => {
  it('decides alike in every evaluator, as an allow and as a deny, on requests that hold, fail and error', () => {
    const outcomes = new Set<string>()
    for (const source of [`policy p {\n  allow: read if ${guard}\n}`, `policy p {\n  allow: read\n  deny: read if ${guard}\n}`]) {
      const set = compile(source)
      const generated = createEvaluator(set, 1)
      const closures = createEvaluator(set, 1, undefined, { mode: 'closures' })
      for (const [, req] of REQUESTS) {
        const want = reference(set, req)
        expect(generated.evaluate(req)).toEqual(want)
        expect(closures.evaluate(req)).toEqual(want)
        outcomes.add(want.errors.length > 0 ? 'error' : want.effect)
      }
      // Generated code that does not build falls back to closures and decides the same: the
      // comparison alone would not notice a broken template for this form.
      expect(generated.mode).toBe('generated')
      expect(generated.fallbackRuns).toBe(0)
    }
    // The comparison is not vacuous: each guard is seen to allow and to deny on some request, or,
    // for the guards that can only fail, to fail on every one.
    if (ALWAYS_FAIL.has(guard)) expect([...outcomes]).toEqual(['error'])
    else {
      expect(outcomes.has('allow')).toBe(true)
      expect(outcomes.has('deny')).toBe(true)
    }
  })
})

describe('expression kinds reach distinct outcomes', () => {
  it('some guard errors on every request shape', () => {
    for (const [, req] of REQUESTS) {
      const errs = GUARDS.filter((g) => reference(compile(`policy p {\n  allow: read if ${g}\n}`), req).errors.length > 0)
      expect(errs.length).toBeGreaterThan(0)
    }
  })
})

describe('a name one pattern binds and another does not', () => {
  it('is the argument when that pattern matched and the request name otherwise, in every evaluator', () => {
    const set = compile('policy b {\n  allow: [read(doc), list] if doc == "x"\n  deny: [write(doc), list] if doc == "y"\n}')
    const generated = createEvaluator(set, 1)
    const closures = createEvaluator(set, 1, undefined, { mode: 'closures' })
    const requests: AuthzRequest[] = [
      { principal: { id: 'a' }, action: { name: 'read', args: ['x'] }, context: { doc: 'z' } },
      { principal: { id: 'a' }, action: { name: 'read', args: ['z'] }, context: { doc: 'x' } },
      { principal: { id: 'a' }, action: 'list', context: { doc: 'x' } },
      { principal: { id: 'a' }, action: 'list', context: { doc: 'y' } },
      { principal: { id: 'a' }, action: { name: 'write', args: ['y'] } },
      { principal: { id: 'a' }, action: 'list' },
    ]
    const effects = requests.map((req) => {
      const want = reference(set, req)
      expect(generated.evaluate(req)).toEqual(want)
      expect(closures.evaluate(req)).toEqual(want)
      return `${want.effect}${want.errors.length > 0 ? ' (error)' : ''}`
    })
    expect(effects).toEqual(['allow', 'deny', 'allow', 'deny', 'deny', 'deny (error)'])
  })
})
