/**
 * Guard expressions → Cedar, kind by kind, read from translateExpr's result: the Cedar text, the
 * static type and the `safe` mark (which decide whether `==`, `in` and ordering around the value
 * translate), the type assertion of schema-typed values — and each probe is held to Cedar itself:
 * every translated guard parses. Refusals name what is refused, where, and how to do without.
 */
import { describe, expect, it } from 'vitest'
import { checkParsePolicySet } from '@cedar-policy/cedar-wasm/nodejs'
import { parse } from '../../grammar/index.js'
import type { Expr } from '../../grammar/index.js'
import { translateExpr, CEDAR_FAIL_BOOL, CEDAR_FAIL_LONG, MAX_SAFE, type Translated } from '../../compiler/cedar/expr.js'
import { CEDAR } from '../../compiler/cedar/codes.js'
import { parseSchema } from '../../compiler/index.js'
import { DEFAULT_LADDERS } from '../../stdlib/ladders.js'
import type { Diagnostic } from '../../diagnostics/index.js'

const PREFIX = 'policy p {\n  allow: read(d) if '
const SCHEMA = parseSchema({
  context: { user: { level: 'number', cap: 'number', name: 'string', on: 'boolean', wait: 'duration', tags: ['string'], any: 'any' }, n: 'number' },
  principal: { role: 'string', id: 'number' },
  resource: { size: 'number' },
  open: true,
})

interface Options { schema?: boolean; binders?: string[] }

function guardOf(source: string): Expr {
  const r = parse(`${PREFIX}${source}\n}\n`)
  const item = r.value?.items[0]
  if (item?.kind !== 'Policy') throw new Error(`does not parse: ${source}`)
  const guard = item.rules[0]?.guard
  if (guard === undefined) throw new Error(`no guard: ${source}`)
  return guard
}

function run(source: string, options: Options = {}): { out: Translated | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const out = translateExpr(guardOf(source), {
    binders: new Set(options.binders ?? []),
    ladders: DEFAULT_LADDERS,
    report: (d) => diagnostics.push(d),
    ...(options.schema === true ? { schema: SCHEMA } : {}),
  })
  return { out, diagnostics }
}

/** The translation, which must succeed and be a Cedar expression. */
function ok(source: string, options: Options = {}): Translated {
  const { out, diagnostics } = run(source, options)
  expect(diagnostics).toEqual([])
  if (out === undefined) throw new Error(`not translated: ${source}`)
  const probe = out.type === 'boolean' ? out.text : `${out.text} == ${out.text}`
  expect(checkParsePolicySet({ staticPolicies: `permit (principal, action, resource) when { ${probe} };` }), `${source} → ${out.text}`).toEqual({ type: 'success' })
  if (out.assert !== undefined) expect(checkParsePolicySet({ staticPolicies: `permit (principal, action, resource) when { ${out.assert} };` })).toEqual({ type: 'success' })
  return out
}

/** The one refusal of a source: its code, the source text its span covers, its message and help. */
function refused(source: string, options: Options = {}): { code: string; at: string; message: string; help: string | undefined } {
  const { out, diagnostics } = run(source, options)
  expect(out).toBeUndefined()
  expect(diagnostics).toHaveLength(1)
  const d = diagnostics[0]!
  expect(d.severity).toBe('error')
  const text = `${PREFIX}${source}\n}\n`
  return { code: d.code, at: text.slice(d.span.start, d.span.end), message: d.message, help: d.help }
}

describe('translateExpr: values', () => {
  it('literals', () => {
    expect(ok('"a\\"b"')).toEqual({ text: '"a\\"b"', type: 'string', safe: true })
    expect(ok('42')).toEqual({ text: '42', type: 'number', safe: true })
    expect(ok('-42')).toEqual({ text: '(-42)', type: 'number', safe: true })
    expect(ok('true')).toEqual({ text: 'true', type: 'boolean', safe: true })
    expect(ok('false')).toEqual({ text: 'false', type: 'boolean', safe: true })
    expect(ok('5m')).toEqual({ text: 'duration("300000ms")', type: 'duration', safe: true })
  })

  it('names: context attributes, `context` itself, schema-typed keys', () => {
    expect(ok('x')).toEqual({ text: 'context.x', type: 'unknown', safe: false })
    expect(ok('context')).toEqual({ text: 'context', type: 'unknown', safe: false })
    expect(ok('context.x')).toEqual({ text: 'context.x', type: 'unknown', safe: false })
    expect(ok('n', { schema: true })).toEqual({ text: 'context.n', type: 'number', safe: false, assert: '(context.n + 0 == context.n)' })
    // A key the schema does not know, and keys without a schema, stay unknown.
    expect(ok('zz', { schema: true })).toEqual({ text: 'context.zz', type: 'unknown', safe: false })
    expect(ok('n')).toEqual({ text: 'context.n', type: 'unknown', safe: false })
  })

  it('members: schema types are asserted; entity ids are strings by request validation; binders are the resource', () => {
    expect(ok('user.level', { schema: true })).toEqual({ text: 'context.user.level', type: 'number', safe: false, assert: '(context.user.level + 0 == context.user.level)' })
    expect(ok('user.name', { schema: true })).toEqual({ text: 'context.user.name', type: 'string', safe: false, assert: '(context.user.name like "*")' })
    expect(ok('user.on', { schema: true })).toEqual({ text: 'context.user.on', type: 'boolean', safe: false, assert: '(context.user.on || true)' })
    expect(ok('user.wait', { schema: true })).toEqual({ text: 'context.user.wait', type: 'duration', safe: false, assert: '(context.user.wait.toMilliseconds() == context.user.wait.toMilliseconds())' })
    expect(ok('user.tags', { schema: true })).toEqual({ text: 'context.user.tags', type: 'unknown', safe: false })
    expect(ok('user.any', { schema: true })).toEqual({ text: 'context.user.any', type: 'unknown', safe: false })
    expect(ok('principal.role', { schema: true })).toEqual({ text: 'principal.role', type: 'string', safe: false, assert: '(principal.role like "*")' })
    expect(ok('resource.size', { schema: true })).toEqual({ text: 'resource.size', type: 'number', safe: false, assert: '(resource.size + 0 == resource.size)' })
    // The schema says number, the request validation says string: the id is a string, and safe.
    for (const id of ['principal.id', 'resource.id']) {
      expect(ok(id, { schema: true })).toEqual({ text: id, type: 'string', safe: true })
      expect(ok(id)).toEqual({ text: id, type: 'string', safe: true })
    }
    expect(ok('d.id', { binders: ['d'] })).toEqual({ text: 'resource.id', type: 'string', safe: true })
    expect(ok('d.size', { schema: true, binders: ['d'] })).toEqual({ text: 'resource.size', type: 'unknown', safe: false })
    // `id` below an entity is an ordinary attribute; a binder's name is not a context key.
    expect(ok('principal.role.id', { schema: true })).toEqual({ text: 'principal.role.id', type: 'unknown', safe: false })
    expect(ok('user.id', { schema: true })).toEqual({ text: 'context.user.id', type: 'unknown', safe: false })
    expect(ok('x.id')).toEqual({ text: 'context.x.id', type: 'unknown', safe: false })
    expect(ok('user.level.x', { schema: true })).toEqual({ text: 'context.user.level.x', type: 'unknown', safe: false })
    expect(ok('(1 + 2).x').text).toBe(`((if ((-${MAX_SAFE}) <= (1 + 2) && (1 + 2) <= ${MAX_SAFE}) then (1 + 2) else ${CEDAR_FAIL_LONG})).x`)
  })

  it('index, unary operators, arrays and records', () => {
    expect(ok('x["a b"]')).toEqual({ text: 'context.x["a b"]', type: 'unknown', safe: false })
    expect(ok('-x')).toEqual({ text: '(-context.x)', type: 'number', safe: true })
    expect(ok('-(1)')).toEqual({ text: '(-1)', type: 'number', safe: true })
    expect(ok('!x')).toEqual({ text: '(!context.x)', type: 'boolean', safe: true })
    expect(ok('[]')).toEqual({ text: '[]', type: 'unknown', safe: true, scalarList: true })
    expect(ok('[1, "a"]')).toEqual({ text: '[1, "a"]', type: 'unknown', safe: false, scalarList: true })
    expect(ok('[1, x]')).toEqual({ text: '[1, context.x]', type: 'unknown', safe: false, scalarList: false })
    expect(ok('{a: 1, "b c": "x"}')).toEqual({ text: '{"a": 1, "b c": "x"}', type: 'unknown', safe: true })
    expect(ok('{a: 1, b: x}')).toEqual({ text: '{"a": 1, "b": context.x}', type: 'unknown', safe: false })
    expect(ok('{}')).toEqual({ text: '{}', type: 'unknown', safe: true })
  })

  it('if expressions: the type both branches share, safe only when both are; no else fails', () => {
    expect(ok('if x { 1 } else { 2 }')).toEqual({ text: '(if context.x then 1 else 2)', type: 'number', safe: true })
    expect(ok('if x { 1 } else { "a" }')).toEqual({ text: '(if context.x then 1 else "a")', type: 'unknown', safe: true })
    expect(ok('if x { 1 } else { y }')).toEqual({ text: '(if context.x then 1 else context.y)', type: 'unknown', safe: false })
    expect(ok('if x { y } else { 1 }').safe).toBe(false)
    expect(ok('if x { true }')).toEqual({ text: `(if context.x then true else ${CEDAR_FAIL_BOOL})`, type: 'unknown', safe: true })
    expect(ok('if x { 1 } else if y { 2 } else { 3 }')).toEqual({ text: '(if context.x then 1 else (if context.y then 2 else 3))', type: 'number', safe: true })
  })
})

describe('translateExpr: operators', () => {
  it('&&, ||, == and != between safe values; schema assertions make typed equality exact', () => {
    expect(ok('x && y')).toEqual({ text: '(context.x && context.y)', type: 'boolean', safe: true })
    expect(ok('x || y')).toEqual({ text: '(context.x || context.y)', type: 'boolean', safe: true })
    expect(ok('x == 1')).toEqual({ text: '(context.x == 1)', type: 'boolean', safe: true })
    expect(ok('"a" != x')).toEqual({ text: '("a" != context.x)', type: 'boolean', safe: true })
    expect(ok('user.level == user.cap', { schema: true })).toEqual({ text: '((context.user.level + 0 == context.user.level) && (context.user.level == context.user.cap))', type: 'boolean', safe: true })
    // The left side's assertion, else the right side's.
    expect(ok('x == user.name', { schema: true }).text).toBe('((context.user.name like "*") && (context.x == context.user.name))')
    expect(ok('user.name != x', { schema: true }).text).toBe('((context.user.name like "*") && (context.user.name != context.x))')
    expect(refused('x == y')).toEqual({ code: CEDAR.setEquality, at: 'x == y', message: expect.stringContaining('`==`'), help: expect.stringMatching(/\S/) })
    expect(refused('x != y').message).toContain('`!=`')
  })

  it('`in`: exact for a safe element or a list of scalars, else guarded by a string test or the schema assertion', () => {
    expect(ok('"a" in x')).toEqual({ text: 'context.x.contains("a")', type: 'boolean', safe: true })
    expect(ok('x in ["a", "b"]')).toEqual({ text: '(["a", "b"]).contains(context.x)', type: 'boolean', safe: true })
    expect(ok('x in y')).toEqual({ text: '((context.x like "*") && context.y.contains(context.x))', type: 'boolean', safe: true })
    expect(ok('user.level in y', { schema: true }).text).toBe('((context.user.level + 0 == context.user.level) && context.y.contains(context.user.level))')
    expect(ok('x in [y]').text).toBe('((context.x like "*") && ([context.y]).contains(context.x))')
  })

  it('ordering: numbers and durations; ladder rungs become membership, either side', () => {
    expect(ok('x < 3')).toEqual({ text: '(context.x < 3)', type: 'boolean', safe: true })
    expect(ok('3 >= x')).toEqual({ text: '(3 >= context.x)', type: 'boolean', safe: true })
    expect(ok('x > 5m').text).toBe('(context.x > duration("300000ms"))')
    expect(ok('user.level <= user.cap', { schema: true }).text).toBe('(context.user.level <= context.user.cap)')
    const rung = (yes: string[]): string =>
      `(if ["public", "internal", "confidential", "secret", "top_secret"].contains(context.x) then [${yes.map((r) => `"${r}"`).join(', ')}].contains(context.x) else ${CEDAR_FAIL_BOOL})`
    // The classification ladder: public < internal < confidential < secret < top_secret.
    expect(DEFAULT_LADDERS.byName.get('classification')).toEqual(['public', 'internal', 'confidential', 'secret', 'top_secret'])
    expect(ok('x < "confidential"').text).toBe(rung(['public', 'internal']))
    expect(ok('x <= "confidential"').text).toBe(rung(['public', 'internal', 'confidential']))
    expect(ok('x > "confidential"').text).toBe(rung(['secret', 'top_secret']))
    expect(ok('x >= "confidential"').text).toBe(rung(['confidential', 'secret', 'top_secret']))
    // The rung on the left flips the operator.
    expect(ok('"confidential" > x').text).toBe(rung(['public', 'internal']))
    expect(ok('"confidential" >= x').text).toBe(rung(['public', 'internal', 'confidential']))
    expect(ok('"confidential" < x').text).toBe(rung(['secret', 'top_secret']))
    expect(ok('"confidential" <= x').text).toBe(rung(['confidential', 'secret', 'top_secret']))
    // A string on no ladder: the comparison fails, as ours does (after evaluating x).
    expect(ok('x < "nowhere"')).toEqual({ text: `(context.x == context.x && ${CEDAR_FAIL_BOOL})`, type: 'boolean', safe: true })
    expect(refused('x < y')).toEqual({ code: CEDAR.unorderedStrings, at: 'x < y', message: expect.stringContaining('`<`'), help: expect.stringMatching(/\S/) })
    expect(refused('user.name < 3', { schema: true })).toMatchObject({ code: CEDAR.unorderedStrings, at: 'user.name < 3', message: expect.stringMatching(/\S/) })
    expect(refused('3 > user.name', { schema: true })).toMatchObject({ code: CEDAR.unorderedStrings, at: '3 > user.name' })
  })

  it('arithmetic: one operation, checked against 2^53; nested, string and duration arithmetic refused', () => {
    const v = '(context.x + 1)'
    expect(ok('x + 1')).toEqual({ text: `(if ((-${MAX_SAFE}) <= ${v} && ${v} <= ${MAX_SAFE}) then ${v} else ${CEDAR_FAIL_LONG})`, type: 'number', safe: true })
    expect(ok('x * y').text).toContain('(context.x * context.y)')
    // safe: an arithmetic result compares with anything.
    expect(ok('x - 1 == y').text).toMatch(/^\(\(if .* == context\.y\)$/)
    for (const [source, at] of [['(x + 1) * 2', 'x + 1'], ['2 * (x - 1)', 'x - 1'], ['(x * 2) + 1', 'x * 2']]) {
      expect(refused(source!)).toEqual({ code: CEDAR.arithmetic, at: at!, message: expect.stringMatching(/\S/), help: expect.stringMatching(/\S/) })
    }
    // Other operators below arithmetic are fine.
    expect(ok('(x == 1) + 2').text).toContain('((context.x == 1) + 2)')
    expect(refused('"a" + x')).toMatchObject({ code: CEDAR.arithmetic, at: '"a" + x', message: expect.stringMatching(/\S/) })
    expect(refused('x + 5m')).toMatchObject({ code: CEDAR.arithmetic, at: 'x + 5m', message: expect.stringMatching(/\S/) })
    expect(refused('x / 2')).toMatchObject({ code: CEDAR.division, message: expect.stringContaining('`/`') })
    expect(refused('x % 2')).toMatchObject({ code: CEDAR.division, message: expect.stringContaining('`%`') })
  })
})

describe('translateExpr: calls', () => {
  it('has: a literal name; on the request\'s resource it fails without a resource, on a binder it does not', () => {
    expect(ok('has(x, "a")')).toEqual({ text: '(context.x has a)', type: 'boolean', safe: true })
    expect(ok('x.has("a b")')).toEqual({ text: '(context.x has "a b")', type: 'boolean', safe: true })
    expect(ok('has(resource, "a")')).toEqual({ text: `(if resource has id then (resource has a) else ${CEDAR_FAIL_BOOL})`, type: 'boolean', safe: true })
    expect(ok('has(d, "a")', { binders: ['d'] })).toEqual({ text: '(resource has a)', type: 'boolean', safe: true })
    expect(ok('has(principal, "a")').text).toBe('(principal has a)')
    expect(refused('has(x, y)')).toMatchObject({ code: CEDAR.nonLiteralArgument, at: 'y', message: expect.stringMatching(/\S/) })
    expect(refused('has(x)')).toMatchObject({ code: CEDAR.unsupportedExpression, at: 'has(x)', message: expect.stringMatching(/\S/) })
    expect(refused('has(x, "a", "b")')).toMatchObject({ code: CEDAR.unsupportedExpression, at: 'has(x, "a", "b")' })
  })

  it('contains, starts_with, ends_with, duration', () => {
    expect(ok('contains(x, "a")')).toEqual({ text: 'context.x.contains("a")', type: 'boolean', safe: true })
    expect(ok('x.contains(y)').text).toBe('((context.y like "*") && context.x.contains(context.y))')
    expect(ok('starts_with(x, "a*")')).toEqual({ text: '(context.x like "a\\**")', type: 'boolean', safe: true })
    expect(ok('x.ends_with("z")')).toEqual({ text: '(context.x like "*z")', type: 'boolean', safe: true })
    expect(ok('duration("2s")')).toEqual({ text: 'duration("2000ms")', type: 'duration', safe: true })
    expect(refused('contains(x)')).toMatchObject({ code: CEDAR.unsupportedExpression, at: 'contains(x)', message: expect.stringMatching(/\S/) })
    expect(refused('starts_with(x)')).toMatchObject({ code: CEDAR.unsupportedExpression, message: expect.stringContaining('starts_with') })
    expect(refused('x.ends_with(y)')).toMatchObject({ code: CEDAR.nonLiteralArgument, at: 'y', message: expect.stringContaining('ends_with') })
    expect(refused('duration(x)')).toMatchObject({ code: CEDAR.nonLiteralArgument, at: 'duration(x)', message: expect.stringMatching(/\S/) })
    expect(refused('duration("1s", "2s")')).toMatchObject({ code: CEDAR.nonLiteralArgument, at: 'duration("1s", "2s")' })
    expect(refused('duration()')).toMatchObject({ code: CEDAR.unsupportedExpression, at: 'duration()', message: expect.stringContaining('duration') })
    const bad = refused('duration("soon")')
    expect(bad).toMatchObject({ code: CEDAR.nonLiteralArgument, at: '"soon"' })
    expect(bad.message).toContain('soon')
  })

  it('functions without a Cedar counterpart name themselves', () => {
    for (const name of ['any', 'all', 'map', 'filter', 'count']) {
      expect(refused(`${name}(xs, v => v)`)).toMatchObject({ code: CEDAR.collectionPredicate, at: `${name}(xs, v => v)`, message: expect.stringContaining(`\`${name}\``) })
    }
    for (const name of ['length', 'lower', 'now', 'keys']) expect(refused(`${name}(x)`)).toMatchObject({ code: CEDAR.unsupportedFunction, message: expect.stringContaining(`\`${name}\``) })
    expect(refused('x.lower()')).toMatchObject({ code: CEDAR.unsupportedFunction, at: 'x.lower()', message: expect.stringContaining('`lower`') })
    expect(refused('risk(x)')).toMatchObject({ code: CEDAR.unsupportedFunction, at: 'risk(x)', message: expect.stringContaining('`risk`') })
  })
})

describe('translateExpr: refusals', () => {
  it('whole entities and `action`', () => {
    expect(refused('principal')).toMatchObject({ code: CEDAR.requestValue, at: 'principal', message: expect.stringContaining('`principal`'), help: expect.stringMatching(/\S/) })
    expect(refused('resource == x')).toMatchObject({ code: CEDAR.requestValue, at: 'resource', message: expect.stringContaining('`resource`') })
    expect(refused('d', { binders: ['d'] })).toMatchObject({ code: CEDAR.requestValue, at: 'd', message: expect.stringContaining('`resource`') })
    expect(refused('action == "x"')).toMatchObject({ code: CEDAR.requestValue, at: 'action', message: expect.stringMatching(/\S/), help: expect.stringMatching(/\S/) })
  })

  it('indexes, typed records, statements, vault references, numbers Cedar cannot hold, lone surrogates', () => {
    expect(refused('x[0]')).toMatchObject({ code: CEDAR.unsupportedExpression, at: '0', message: expect.stringMatching(/\S/), help: expect.stringMatching(/\S/) })
    expect(refused('x[y]')).toMatchObject({ code: CEDAR.unsupportedExpression, at: 'y' })
    expect(refused('T {a: 1}')).toMatchObject({ code: CEDAR.unsupportedExpression, message: expect.stringMatching(/\S/) })
    expect(refused('if x { let y = 1; y } else { 2 }')).toMatchObject({ code: CEDAR.unsupportedExpression, message: expect.stringMatching(/\S/) })
    expect(refused('if x { 1 } else { let y = 1; y }').code).toBe(CEDAR.unsupportedExpression)
    expect(refused('vault://kv/x')).toMatchObject({ code: CEDAR.vault, at: 'vault://kv/x', message: expect.stringMatching(/\S/), help: expect.stringMatching(/\S/) })
    expect(refused('x > 2.5')).toMatchObject({ code: CEDAR.nonInteger, at: '2.5', message: expect.stringContaining('2.5') })
    expect(refused('x > 9007199254740992')).toMatchObject({ code: CEDAR.nonInteger, message: expect.stringContaining('9007199254740992') })
    expect(refused('x == "\\uD800"')).toMatchObject({ code: CEDAR.badString, at: '"\\uD800"', message: expect.stringMatching(/\S/) })
    expect(refused('x["\\uDC00"]')).toMatchObject({ code: CEDAR.badString })
    expect(refused('{"\\uD800": 1}')).toMatchObject({ code: CEDAR.badString })
  })

  it('IR the checker refuses is refused here too: lambdas, wildcards, assignments, valueless blocks, durations out of range, named arguments, calls of calls', () => {
    const refuse = (e: Expr): string[] => {
      const found: Diagnostic[] = []
      expect(translateExpr(e, { binders: new Set(), ladders: DEFAULT_LADDERS, report: (d) => found.push(d) })).toBeUndefined()
      expect(found.every((d) => d.severity === 'error' && /\S/.test(d.message))).toBe(true)
      return found.map((d) => d.code)
    }
    const call = guardOf('f(v => v)')
    if (call.kind !== 'Call') throw new Error('not a call')
    expect(refuse(call.args[0]!.value)).toEqual([CEDAR.collectionPredicate])
    expect(refuse(guardOf('_'))).toEqual([CEDAR.unsupportedExpression])
    const span = { start: 0, end: 5 }
    expect(refuse({ kind: 'Assign', name: 'x', value: { kind: 'Number', value: 1, raw: '1', span }, span })).toEqual([CEDAR.unsupportedExpression])
    expect(refused('_').message).toContain('wildcard')
    expect(refused('if x { }')).toMatchObject({ code: CEDAR.unsupportedExpression, message: expect.stringMatching(/\S/) })
    for (const source of ['99999999999999999999d', '9999999999999d']) expect(refused(source)).toMatchObject({ code: CEDAR.unsupportedExpression, at: source, message: expect.stringMatching(/\S/) })
    for (const source of ['duration("99999999999999999999d")', 'duration("9999999999999d")']) expect(refused(source)).toMatchObject({ code: CEDAR.unsupportedExpression, message: expect.stringMatching(/\S/) })
    expect(refused('has(x, key: "a")')).toMatchObject({ code: CEDAR.unsupportedExpression, at: 'key: "a"', message: expect.stringMatching(/\S/) })
    expect(refused('f(1)(2)')).toMatchObject({ code: CEDAR.unsupportedExpression, at: 'f(1)', message: expect.stringMatching(/\S/) })
  })

  it('an error that is not a refusal is not swallowed', () => {
    const boom = new Error('boom')
    expect(() => translateExpr(guardOf('x == 1'), { binders: new Set(), ladders: DEFAULT_LADDERS, report: () => { throw boom } })).not.toThrow()
    // A refusal reports; a report that throws is the caller's error and reaches the caller.
    expect(() => translateExpr(guardOf('x / 1'), { binders: new Set(), ladders: DEFAULT_LADDERS, report: () => { throw boom } })).toThrow(boom)
  })
})
