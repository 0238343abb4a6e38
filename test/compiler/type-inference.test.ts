/**
 * What the checker infers about expressions, seen through the warnings it gives: each case
 * asserts codes, severities and the source text each diagnostic points at (never the prose,
 * STYLE.md §6). checker.test.ts has one case per code; these are the inference paths behind them
 * — unary and arithmetic results, function results, `if` branches, `&&` operands, lambdas at
 * argument positions of methods, the request names a schema types.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet } from '../../compiler/index.js'

const SCHEMA = {
  context: { user: { level: 'number', role: 'string', tags: ['string'], verified: 'boolean', idle: 'duration', profile: { dept: 'string' } } },
  principal: { id: 'string', level: 'number' },
  resource: { id: 'string', size: 'number' },
}

/** No schema at all. */
const NONE = Symbol('no schema')

/** `[code, severity, the text the span covers]` of every diagnostic of `guard` in an allow rule. */
function warnings(guard: string, schema: unknown = SCHEMA): [string, string, string][] {
  const source = `policy p { allow: read(doc) if ${guard} }`
  const r = compilePolicySet([{ name: 'p.policy', source }], schema === NONE ? {} : { schema })
  return r.files.flatMap((f) => f.diagnostics.map((d): [string, string, string] => [d.code, d.severity, source.slice(d.span.start, d.span.end)]))
}

describe('type inference behind the checker’s warnings', () => {
  it('knows what unary operators give', () => {
    expect(warnings('-user.level == "a"')).toEqual([['CHECK022', 'warning', '-user.level == "a"']])
    expect(warnings('-user.level == 1')).toEqual([])
    expect(warnings('!user.verified == 1')).toEqual([['CHECK022', 'warning', '!user.verified == 1']])
    expect(warnings('!user.verified == false')).toEqual([])
  })

  it('knows what arithmetic gives', () => {
    expect(warnings('user.level + 1 == "a"')).toEqual([['CHECK022', 'warning', 'user.level + 1 == "a"']])
    expect(warnings('user.role + "x" == 1')).toEqual([['CHECK022', 'warning', 'user.role + "x" == 1']])
    expect(warnings('user.role + "x" == "ax"')).toEqual([])
    expect(warnings('user.idle + 5m == 1')).toEqual([['CHECK022', 'warning', 'user.idle + 5m == 1']])
    expect(warnings('user.idle + 5m > 10m')).toEqual([])
    // A string minus anything, or a boolean plus anything, has no type the checker knows: no warning.
    expect(warnings('user.role - 1 == 1')).toEqual([])
    expect(warnings('user.verified + 1 == "a"')).toEqual([])
  })

  it('knows what functions return', () => {
    expect(warnings('user.profile.keys() == 1')).toEqual([['CHECK022', 'warning', 'user.profile.keys() == 1']])
    expect(warnings('user.tags.filter(t => t == "a") == "x"')).toEqual([['CHECK022', 'warning', 'user.tags.filter(t => t == "a") == "x"']])
    expect(warnings('user.tags.contains("a") == 1')).toEqual([['CHECK022', 'warning', 'user.tags.contains("a") == 1']])
  })

  it('tells a literal condition (always an error) from an attribute that is not a boolean (a warning)', () => {
    for (const literal of ['5', '"yes"', '5m', '[true]', '{ a: true }']) expect(warnings(literal), literal).toEqual([['CHECK024', 'error', literal]])
    // Without a schema too: a literal needs none.
    for (const literal of ['5', '{ a: true }']) expect(warnings(literal, NONE), literal).toEqual([['CHECK024', 'error', literal]])
    expect(warnings('user.level')).toEqual([['CHECK024', 'warning', 'user.level']])
    expect(warnings('user.verified')).toEqual([])
  })

  it('checks both operands of `&&` and `||`', () => {
    expect(warnings('user.level && user.verified')).toEqual([['CHECK024', 'warning', 'user.level']])
    expect(warnings('user.verified || user.role')).toEqual([['CHECK024', 'warning', 'user.role']])
    // (A parenthesised operand's span starts inside the parenthesis.)
    expect(warnings('(user.verified || user.verified) == 1')).toEqual([['CHECK022', 'warning', 'user.verified || user.verified) == 1']])
  })

  it('checks every branch of an `if` expression, and its value is the `then` branch’s', () => {
    expect(warnings('if user.verified { true } else { user.nope == 1 }')).toEqual([['CHECK021', 'warning', 'user.nope']])
    expect(warnings('if user.verified { true } else if user.level > 2 { user.gone } else { false }')).toEqual([['CHECK021', 'warning', 'user.gone']])
    expect(warnings('(if user.verified { 1 } else { 2 }) == "a"')).toEqual([['CHECK022', 'warning', 'if user.verified { 1 } else { 2 }) == "a"']])
  })

  it('types principal and resource from the schema, and warns of attributes it does not declare', () => {
    expect(warnings('principal.level == "a"')).toEqual([['CHECK022', 'warning', 'principal.level == "a"']])
    expect(warnings('resource.size == "a"')).toEqual([['CHECK022', 'warning', 'resource.size == "a"']])
    expect(warnings('principal.nope == 1')).toEqual([['CHECK021', 'warning', 'principal.nope']])
    // An open schema declares what it knows and accepts the rest.
    expect(warnings('principal.nope == 1', { ...SCHEMA, open: true })).toEqual([])
  })

  it('reads a method’s arguments at their positions after the receiver', () => {
    // `any(array, function)`: as a method, its one argument is the function.
    expect(warnings('user.tags.any(t => t == "a")')).toEqual([])
    expect(warnings('user.tags.any(5)')).toEqual([['CHECK013', 'error', '5']])
    // `starts_with(string, string)`: no lambda at either position.
    expect(warnings('user.role.starts_with(x => x)')).toEqual([['CHECK013', 'error', 'x => x']])
    expect(warnings('starts_with(user.role, x => x)')).toEqual([['CHECK013', 'error', 'x => x']])
    // A parameter that takes anything takes a lambda too; an unknown function's arguments are not placed.
    expect(warnings('user.tags.contains(x => x)')).toEqual([])
    expect(warnings('nosuch(x => x)')).toEqual([['CHECK010', 'error', 'nosuch']])
  })

  it('knows each function’s result type', () => {
    expect(warnings('len(user.tags) == "a"')).toEqual([['CHECK022', 'warning', 'len(user.tags) == "a"']])
    expect(warnings('user.role.lower() == 1')).toEqual([['CHECK022', 'warning', 'user.role.lower() == 1']])
    expect(warnings('duration("5m") == 1')).toEqual([['CHECK022', 'warning', 'duration("5m") == 1']])
    expect(warnings('user.profile.keys() == ["a"]')).toEqual([])
    expect(warnings('true == 1')).toEqual([['CHECK022', 'warning', 'true == 1']])
    expect(warnings('[1] == ["a"]')).toEqual([])
    expect(warnings('[1] == "a"')).toEqual([['CHECK022', 'warning', '[1] == "a"']])
  })

  it('comparisons and membership are booleans, negation too', () => {
    for (const g of ['(user.level == 1) == true', '(user.level != 1) == true', '("a" in user.tags) == true', '(user.level >= 1) == true', '!user.level == false']) {
      expect(warnings(g), g).toEqual([])
    }
  })

  it('an operand typed `any` (a binder) is not flagged in `&&`', () => {
    expect(warnings('doc && true')).toEqual([])
    expect(warnings('doc.x && user.level')).toEqual([['CHECK024', 'warning', 'user.level']])
  })

  it('checks inside an index, and reads no attribute of a non-record', () => {
    expect(warnings('user.tags[nosuch()] == "a"')).toEqual([['CHECK010', 'error', 'nosuch']])
    expect(warnings('user.role.x == 1')).toEqual([])
  })

  it('an `if` block without a value is CHECK017', () => {
    expect(warnings('(if user.verified { } else { true })')).toEqual([['CHECK017', 'error', '{ }']])
  })
})

describe('what a type mismatch suggests', () => {
  const help = (guard: string): string | undefined => {
    const source = `policy p { allow: read(doc) if ${guard} }`
    return compilePolicySet([{ name: 'p.policy', source }], { schema: SCHEMA }).files[0]?.diagnostics[0]?.help
  }

  it('the same for `==` and `!=`, and another thing for an ordering', () => {
    const eq = help('user.level == "a"')
    expect(eq).toBeDefined()
    expect(help('user.level != "a"')).toBe(eq)
    const order = help('user.level > user.role')
    expect(order).toBeDefined()
    expect(order).not.toBe(eq)
    expect(help('user.level <= user.role')).toBe(order)
  })
})
