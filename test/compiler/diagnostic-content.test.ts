/**
 * What a diagnostic must carry so that it names what is wrong: the offending name or value, the
 * numbers it is about, and in `help` the alternatives the environment offers (the functions, the
 * methods, the ladders, the attributes the schema declares). The wording is free to change
 * (STYLE.md §6: tests do not assert prose), so these tests only look for that data in the
 * message and help, and for non-empty text where a diagnostic has no data to carry.
 * checker.test.ts asserts each code's severity and span.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, type CompileOptions } from '../../compiler/index.js'
import type { Diagnostic } from '../../diagnostics/diagnostic.js'
import { createHostFunctionRegistry, registerHostFunction } from '../../index.js'

const SCHEMA = {
  context: { user: { level: 'number', role: 'string', tags: ['string'], ok: 'boolean' }, session: { mfa: 'boolean' } },
  resource: { id: 'string' },
}

/** The one diagnostic `source` gives, with its file name. */
function only(source: string | string[], options: CompileOptions = {}): Diagnostic & { file: string } {
  const sources = (typeof source === 'string' ? [source] : source).map((s, i) => ({ name: `f${i}.policy`, source: s }))
  const ds = compilePolicySet(sources, options).files.flatMap((f) => f.diagnostics.map((d) => ({ ...d, file: f.name })))
  expect(ds.map((d) => d.code), JSON.stringify(source)).toHaveLength(1)
  return ds[0] as Diagnostic & { file: string }
}

function guard(g: string, options: CompileOptions = {}): Diagnostic {
  return only(`policy p { allow: read if ${g} }`, options)
}

/** The whole numbers a text mentions, in order. */
function numbers(text: string): number[] {
  return (text.match(/\d+/g) ?? []).map(Number)
}

/** Where `name` is in a help's list (after its label, between commas). */
function listed(help: string, name: string): number {
  const list = help.slice(help.indexOf(':') + 1)
  const m = new RegExp(`(^|[\\s,;(])${name}(?=[,;)\\s]|$)`).exec(list)
  return m ? m.index : -1
}

function mentions(text: string | undefined, ...parts: string[]): void {
  expect(text ?? '').not.toBe('')
  for (const p of parts) expect(text ?? '', p).toContain(p)
}

describe('a diagnostic names what is wrong', () => {
  it('the name that is unknown, unbound or repeated', () => {
    mentions(guard('nosuch(1)').message, 'nosuch')
    mentions(guard('user.tags.nosuch()', { schema: SCHEMA }).message, 'nosuch')
    mentions(guard('usr.level > 1', { schema: SCHEMA }).message, 'usr')
    mentions(guard('user.nosuch == 1', { schema: SCHEMA }).message, 'nosuch')
    mentions(guard('has(user, key = "x")').message, 'key')
    mentions(only('policy p { allow: copy(dst, dst) if dst == "b" }').message, 'dst')
    mentions(only('policy dup { allow: read }\npolicy dup { deny: read }').message, 'dup')
    mentions(only('policy pol { allow: read if user.ok == true\n  allow: read if user.ok == true }').message, 'pol', '0')
  })

  it('the value or the expression that is wrong', () => {
    mentions(guard('user.role >= "boss"').message, 'boss')
    mentions(only('policy p { allow: 1 + 2 }').message, '1 + 2')
    // A long expression is shortened: the message quotes its start only.
    const long = `x${'y'.repeat(120)} + 1`
    const d = only(`policy p { allow: ${long} }`)
    mentions(d.message, `x${'y'.repeat(59)}`)
    expect(d.message).not.toContain(long)
    expect(d.message.length).toBeLessThan(long.length)
    expect(only('policy p { allow: short + 1 }').message).toContain('short + 1')
    expect(only('policy p { allow: short + 1 }').message).not.toContain('…')
    // 60 characters are quoted whole; 61 are cut to 60 and an ellipsis.
    const sixty = `x${'y'.repeat(55)} + 1`
    expect(sixty).toHaveLength(60)
    expect(only(`policy p { allow: ${sixty} }`).message).toContain(`${sixty}\``)
    expect(only(`policy p { allow: ${sixty}2 }`).message).toContain(`${sixty}…`)
  })

  it('the types it compares or expected', () => {
    mentions(guard('user.level == "a"', { schema: SCHEMA }).message, 'number', 'string')
    mentions(guard('user.level', { schema: SCHEMA }).message, 'number')
    mentions(guard('{ a: true }').message, 'record')
    mentions(guard('user.role && true', { schema: SCHEMA }).message, '&&', 'string')
    mentions(guard('true || user.level', { schema: SCHEMA }).message, '||', 'number')
  })

  it('where a policy is that governs nobody', () => {
    mentions(only('webhook hook_a {\n  policy pol { allow: any }\n}').message, 'pol', 'webhook', 'hook_a')
    mentions(only('schedule nightly {\n  policy pol { allow: any }\n}').message, 'schedule', 'nightly')
  })

  it('which rule kind a `for` scope is wrongly on', () => {
    const d = only('policy p { deny: read for write }')
    mentions(d.message, 'deny')
    mentions(d.help, 'deny')
    mentions(only('policy p { allow: read for write }').help, 'allow')
  })

  it('the limits and counts', () => {
    expect(numbers(only(['policy a { allow: read }', 'policy b { allow: read }', 'policy c { allow: read }'], { limits: { maxPolicies: 2 } }).message)).toEqual([3, 2])
    expect(numbers(only('policy a { allow: read  allow: write  allow: list }', { limits: { maxRules: 2 } }).message)).toEqual([3, 2])
    expect(numbers(only(`policy p { allow: read if ${'!'.repeat(9)}x }`, { limits: { maxDepth: 7 } }).message)).toEqual([7])
  })

  it('how many arguments a function takes, not counting a method’s receiver, and how many it got', () => {
    expect(numbers(guard('has(user)').message)).toEqual([2, 1])
    expect(numbers(guard('user.has("a", "b")').message)).toEqual([1, 2])
    expect(numbers(guard('count() == 1').message)).toEqual([1, 2, 0])
    expect(numbers(guard('user.tags.count(x => true, x => true) == 1').message)).toEqual([0, 1, 2])
    const atLeast = guard('min() == 1').message
    expect(numbers(atLeast)).toEqual([1, 0])
    expect(atLeast).not.toMatch(/Infinity/)
    for (const g of ['has(user)', 'user.has("a", "b")', 'min() == 1']) mentions(guard(g).message, g.includes('min') ? 'min' : 'has')
  })

  it('the JSON path of a bad schema and the host functions nobody implements', () => {
    const bad = compilePolicySet([{ name: 'a.policy', source: 'policy p { allow: read }' }], { schema: { context: {}, actions: [] } })
    expect(bad.files.map((f) => f.name)).toEqual(['<options>'])
    mentions(bad.files[0]?.diagnostics[0]?.message, '$.actions')
    expect(bad.files[0]?.diagnostics[0]).toMatchObject({ code: 'CHECK050', severity: 'error', span: { start: 0, end: 0 } })
    const schema = { context: {}, functions: { quota_ok: { params: ['string'], returns: 'boolean' }, rate_ok: { params: [], returns: 'boolean' } } }
    const none = compilePolicySet([{ name: 'a.policy', source: 'policy p { allow: read }' }], { schema, requireHostImplementations: true })
    expect(none.files.map((f) => f.name)).toEqual(['<schema>'])
    const d = none.files[0]?.diagnostics[0]
    expect(d?.code).toBe('CHECK051')
    mentions(d?.message, 'quota_ok', 'rate_ok')
    mentions(d?.help, 'registerHostFunction')
    expect(d).toMatchObject({ severity: 'error', span: { start: 0, end: 0 } })
    // One function or several: the message agrees in number.
    expect(d?.message).toMatch(/\bfunctions\b/)
    const one = compilePolicySet([{ name: 'a.policy', source: 'policy p { allow: read }' }], { schema: { context: {}, functions: { quota_ok: { params: ['string'], returns: 'boolean' } } }, requireHostImplementations: true })
    expect(one.files[0]?.diagnostics[0]?.message).toMatch(/\bfunction\b/)
    expect(one.files[0]?.diagnostics[0]?.message).not.toMatch(/\bfunctions\b/)
  })
})

describe('help offers the alternatives', () => {
  it('every function when a function is unknown, host functions included, in order', () => {
    const hostFunctions = createHostFunctionRegistry()
    registerHostFunction(hostFunctions, { name: 'quota_ok', params: ['string'], returns: 'boolean', method: false, fn: () => true })
    const help = guard('nosuch(1)', { hostFunctions }).help ?? ''
    const names = ['any', 'contains', 'duration', 'has', 'len', 'now', 'quota_ok', 'starts_with']
    mentions(help, ...names)
    const at = names.map((n) => listed(help, n))
    expect(at.every((i) => i >= 0)).toBe(true)
    expect(at).toEqual([...at].sort((a, b) => a - b))
  })

  it('only the methods when a method is unknown, in order', () => {
    const help = guard('user.tags.nosuch()').help ?? ''
    const names = ['any', 'contains', 'count', 'has', 'len', 'lower', 'map', 'upper']
    mentions(help, ...names)
    const at = names.map((n) => listed(help, n))
    expect(at.every((i) => i >= 0)).toBe(true)
    expect(at).toEqual([...at].sort((a, b) => a - b))
    for (const notMethod of ['now', 'duration']) expect(listed(help, notMethod)).toBe(-1)
  })

  it('the ladders and their rungs when a string is on none', () => {
    const help = guard('user.role >= "boss"', { ladders: { priority: ['lowest', 'middling', 'highest'] } }).help ?? ''
    mentions(help, 'priority', 'lowest', 'middling', 'highest')
    expect(help.indexOf('lowest')).toBeLessThan(help.indexOf('middling'))
  })

  it('the context attributes when a name is unbound, the record’s attributes when one is unknown', () => {
    mentions(guard('usr.level > 1', { schema: SCHEMA }).help, 'user', 'session')
    mentions(guard('user.nosuch == 1', { schema: SCHEMA }).help, 'level', 'role', 'tags', 'ok')
    // With nothing to offer, help still says something after its label.
    for (const help of [guard('usr == 1', { schema: { context: {} } }).help, guard('resource.x == 1', { schema: { context: {}, resource: {} } }).help]) {
      expect(help).toMatch(/:\s*\S/)
    }
  })

  it('a fix wherever one is known', () => {
    const withHelp = [
      only('policy dup { allow: read }\npolicy dup { deny: read }'),
      only('policy p { allow: read if true\n  allow: read if true }'),
      only('webhook h {\n  policy p { allow: any }\n}'),
      only(`policy p { allow: read if ${'!'.repeat(9)}x }`, { limits: { maxDepth: 7 } }),
      only('policy p { allow: 1 + 2 }'),
      only('policy p { allow: copy(x, x) if x == "b" }'),
      only('policy p { allow: any  require: approval(1) }'),
      guard('user.token == vault://secrets/api'),
      guard('"a" in "abc"'),
      guard('user.level == "a"', { schema: SCHEMA }),
      guard('user.level > "a"', { schema: SCHEMA, ladders: { x: ['a', 'b'] } }),
      guard('user.level', { schema: SCHEMA }),
    ]
    for (const d of withHelp) expect(d.help ?? "", d.code).not.toBe("")
    mentions(guard('"a" in "abc"').help, 'contains')
    mentions(only('policy p { allow: any  require: approval(1) }').help, 'approval(')
    mentions(only('policy p { allow: any  require: approval(1) }').message, 'approval')
  })

  it('points back at the first definition of a policy defined twice in one file', () => {
    const src = 'policy dup { allow: read }\npolicy dup { deny: read }'
    const d = only(src)
    expect(d.related).toHaveLength(1)
    mentions(d.related?.[0]?.message)
    expect(src.slice(d.related?.[0]?.span.start, d.related?.[0]?.span.end)).toBe('policy dup { allow: read }')
    // Across files a span alone cannot say which file: no related location.
    expect(only(['policy dup { allow: read }', 'policy dup { deny: read }']).related).toBeUndefined()
  })
})

describe('every diagnostic has a message', () => {
  it('for each code the checker gives', () => {
    const cases: [string, CompileOptions?][] = [
      ['policy p { audit: access_log with user.x }'],
      ['policy p { allow: read if user.fs[0](1) == 1 }'],
      ['policy p { allow: read if contains(x => x, 1) }'],
      ['policy p { allow: read if any(user.tags, true) }'],
      ['policy p { allow: read if [x => x] == [] }'],
      ['policy p { allow: read if user.level == _ }'],
      ['policy p { allow: read if (if user.ok { let x = 1; x } else { 2 }) == 1 }'],
      ['policy p { allow: read if false }'],
      ['policy p { allow: read if "admin" in user.name }', { schema: { context: { user: { name: 'string' } } } }],
      ['channel c {\n  data_classification { secret: "shred" }\n}'],
    ]
    for (const [src, options] of cases) {
      const d = only(src, options)
      expect(d.message.trim(), `${d.code} ${src}`).not.toBe('')
    }
  })
})
