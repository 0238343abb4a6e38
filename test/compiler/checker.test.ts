/**
 * Checker diagnostics: every reachable CHECK code, asserted by code, severity and span (never
 * by prose, STYLE.md §6). Spans are computed from the source text, so a test names the exact
 * sub-expression a diagnostic must point at.
 */
import { describe, expect, it } from 'vitest'
import { CHECK, compilePolicySet, type CompileOptions } from '../../compiler/index.js'
import type { Diagnostic } from '../../diagnostics/diagnostic.js'

interface Found {
  readonly code: string
  readonly severity: Diagnostic['severity']
  readonly start: number
  readonly end: number
}

function check(source: string | string[], options: CompileOptions = {}): { found: Found[]; ok: boolean; files: string[] } {
  const sources = (typeof source === 'string' ? [source] : source).map((s, i) => ({ name: `f${i}.policy`, source: s }))
  const r = compilePolicySet(sources, options)
  const found = r.files.flatMap((f) => f.diagnostics.map((d) => ({ code: d.code, severity: d.severity, start: d.span.start, end: d.span.end })))
  return { found, ok: r.value !== undefined, files: r.files.filter((f) => f.diagnostics.length > 0).map((f) => f.name) }
}

/** The span of the `nth` occurrence of `text` in `source`. */
function at(source: string, text: string, nth = 0): { start: number; end: number } {
  let i = -1
  for (let k = 0; k <= nth; k++) {
    i = source.indexOf(text, i + 1)
    if (i < 0) throw new Error(`'${text}' not in source`)
  }
  return { start: i, end: i + text.length }
}

function expectOnly(source: string, code: string, severity: Diagnostic['severity'], text: string, options: CompileOptions = {}, nth = 0): void {
  const r = check(source, options)
  expect(r.found).toEqual([{ code, severity, ...at(source, text, nth) }])
  expect(r.ok).toBe(severity !== 'error')
}

const SCHEMA = {
  context: { user: { level: 'number', role: 'string', clearance: 'string', tags: ['string'], verified: 'boolean' }, session: { mfa: 'boolean' } },
  resource: { id: 'string', owner: 'string' },
  actions: { read: { groups: ['data_access'] } },
}

describe('patterns and rule shape', () => {
  it('CHECK025: `in` with a string on the right (error for a literal, warning for a typed string)', () => {
    expectOnly('policy p { allow: read if "a" in "abc" }', 'CHECK025', 'error', '"abc"')
    expectOnly('policy p { allow: read if "admin" in user.name }', 'CHECK025', 'warning', 'user.name', { schema: { context: { user: { name: 'string' } } } })
  })

  it('CHECK019: a policy inside a schedule, memory or webhook block has no scope', () => {
    expectOnly('webhook hook {\n  policy p { allow: any }\n}', 'CHECK019', 'error', 'policy p { allow: any }')
  })

  it('CHECK001: a target that is not an action pattern', () => {
    const src = 'policy p { allow: user.level > 2 }'
    expectOnly(src, CHECK.notAPattern, 'error', 'user.level > 2')
  })

  it('CHECK001: points at the offending element of a list and argument', () => {
    const src = 'policy p { deny: [read, 1 + 2]  allow: read(doc.x) }'
    const r = check(src)
    expect(r.found).toEqual([
      { code: 'CHECK001', severity: 'error', ...at(src, '1 + 2') },
      { code: 'CHECK001', severity: 'error', ...at(src, 'read(doc.x)') },
    ])
  })

  it('CHECK001: a `for` scope must be a pattern too', () => {
    const src = 'policy p { require: encrypt for user.level }'
    expectOnly(src, CHECK.notAPattern, 'error', 'user.level')
  })

  it('CHECK002: `for` on allow or deny', () => {
    const src = 'policy p { allow: any for read }'
    const r = check(src)
    expect(r.found).toEqual([{ code: CHECK.scopeOnAllowDeny, severity: 'error', ...at(src, 'read', 0) }])
  })

  it('CHECK003: two policies with one name, in one file or across files', () => {
    const src = 'policy p { allow: read }\npolicy p { deny: read }'
    expectOnly(src, CHECK.duplicatePolicy, 'error', 'policy p { deny: read }')
    const a = 'policy p { allow: read }'
    const b = '\n\npolicy p { deny: read }'
    const r = check([a, b])
    expect(r.found).toEqual([{ code: 'CHECK003', severity: 'error', ...at(b, 'policy p { deny: read }') }])
    expect(r.files).toEqual(['f1.policy'])
  })

  it('CHECK004: a modifier that is not a name', () => {
    const src = 'policy p { audit: access_log with user.x }'
    const r = check(src)
    expect(r.found).toEqual([{ code: CHECK.badModifier, severity: 'error', ...at(src, 'user.x') }])
  })

  it('CHECK005: approval(…) without one string', () => {
    const src = 'policy p { allow: any  require: approval(boss) }'
    expectOnly(src, CHECK.badApproval, 'error', 'approval(boss)')
    const src2 = 'policy p { allow: any  require: approval("a", "b") }'
    expectOnly(src2, CHECK.badApproval, 'error', 'approval("a", "b")')
  })
})

describe('binders', () => {
  it('CHECK006: one name bound at two arguments of one pattern', () => {
    // Before CHECK006 the compiled evaluator bound the first argument and the interpreter the last.
    expectOnly('policy p { allow: copy(x, x) if x == "b" }', CHECK.duplicateBinder, 'error', 'x', {}, 1)
    expectOnly('policy p { allow: any  require: encrypt for [read, copy(_, zz, zz)] }', CHECK.duplicateBinder, 'error', 'zz', {}, 1)
  })

  it('CHECK006: the same name in different patterns, `_` and `any` are fine', () => {
    expect(check('policy p { allow: [copy(x, _), move(_, x)] if x == "b"  deny: copy(any, any)  deny: move(_, _) }').found).toEqual([])
  })
})

describe('functions and expressions', () => {
  it('CHECK010: unknown function, at the callee', () => {
    expectOnly('policy p { allow: read if is_admin(user) }', CHECK.unknownFunction, 'error', 'is_admin')
  })

  it('CHECK010: calling something that is not a name', () => {
    const src = 'policy p { allow: read if user.fs[0](1) == 1 }'
    const r = check(src)
    expect(r.found).toEqual([{ code: 'CHECK010', severity: 'error', ...at(src, 'user.fs[0]') }])
  })

  it('CHECK011: unknown method, and a function that is not a method', () => {
    expectOnly('policy p { allow: read if user.roles.includes("a") }', CHECK.unknownMethod, 'error', 'user.roles.includes')
    expectOnly('policy p { allow: read if user.now() > 1 }', CHECK.unknownMethod, 'error', 'user.now')
  })

  it('CHECK012: wrong number of arguments, for functions and methods', () => {
    expectOnly('policy p { allow: read if has(user) }', CHECK.arity, 'error', 'has(user)')
    expectOnly('policy p { allow: read if user.has("a", "b") }', CHECK.arity, 'error', 'user.has("a", "b")')
    expectOnly('policy p { allow: read if now(1) > 0 }', CHECK.arity, 'error', 'now(1)')
  })

  it('CHECK013: a lambda where a value belongs, a value where a lambda belongs', () => {
    expectOnly('policy p { allow: read if contains(x => x, 1) }', CHECK.lambdaPlacement, 'error', 'x => x')
    expectOnly('policy p { allow: read if any(user.tags, true) }', CHECK.lambdaPlacement, 'error', 'true')
    expectOnly('policy p { allow: read if [x => x] == [] }', CHECK.lambdaPlacement, 'error', 'x => x')
  })

  it('CHECK014: named arguments', () => {
    expectOnly('policy p { allow: read if has(user, name = "x") }', CHECK.namedArgument, 'error', 'name = "x"')
  })

  it('CHECK015: a vault reference in an expression', () => {
    expectOnly('policy p { allow: read if user.token == vault://secrets/api }', CHECK.vaultInExpression, 'error', 'vault://secrets/api')
  })

  it('CHECK016: `_` used as a value', () => {
    expectOnly('policy p { allow: read if user.level == _ }', CHECK.wildcardValue, 'error', '_')
  })

  it('CHECK017: statements inside an `if` expression', () => {
    const src = 'policy p { allow: read if (if user.ok { let x = 1; x } else { 2 }) == 1 }'
    expectOnly(src, CHECK.statementsInGuard, 'error', '{ let x = 1; x }')
  })

  it('CHECK018: an expression deeper than maxDepth', () => {
    const src = `policy p { allow: read if ${'!('.repeat(12)}true${')'.repeat(12)} }`
    const r = check(src, { limits: { maxDepth: 6 } })
    expect(r.found.map((d) => d.code)).toEqual(['CHECK018'])
    // The span is a node inside the guard, past the limit.
    const guard = at(src, `${'!('.repeat(12)}true${')'.repeat(12)}`)
    expect(r.found[0]?.start).toBeGreaterThan(guard.start)
    expect(r.found[0]?.end).toBeLessThanOrEqual(guard.end)
    expect(r.ok).toBe(false)
    expect(check(src).ok).toBe(true)
  })

  it('CHECK023: ordering against a string on no ladder (no schema needed)', () => {
    expectOnly('policy p { allow: read if user.role >= "boss" }', CHECK.notOnLadder, 'warning', '"boss"')
    expect(check('policy p { allow: read if user.role >= "medium" }', { ladders: { priority: ['low', 'medium'] } }).found).toEqual([])
  })

  it('CHECK024: a literal that is not a boolean as a guard or precondition is an error', () => {
    expectOnly('policy p { allow: read if "yes" }', CHECK.notBoolean, 'error', '"yes"')
    expectOnly('policy p { allow: any  require: [user.ok == true, 42] }', CHECK.notBoolean, 'error', '42')
  })

  it('CHECK030: a rule that can never fire', () => {
    expectOnly('policy p { allow: read if false }', CHECK.neverFires, 'warning', 'false')
  })

  it('CHECK031: a rule that repeats an earlier one', () => {
    const src = 'policy p { allow: read if user.ok == true\n  allow: read if user.ok == true }'
    expectOnly(src, CHECK.duplicateRule, 'warning', 'allow: read if user.ok == true', {}, 1)
  })

  it('CHECK040 and CHECK041: set limits', () => {
    const b = ' policy b { allow: read }'
    const r = check(['policy a { allow: read }', b], { limits: { maxPolicies: 1 } })
    // Reported at the first policy over the limit.
    expect(r.found).toEqual([{ code: 'CHECK040', severity: 'error', ...at(b, 'policy b { allow: read }') }])
    expect(r.files).toEqual(['f1.policy'])
    expect(r.ok).toBe(false)
    const src = 'policy a { allow: read  allow: write }'
    const r2 = check(src, { limits: { maxRules: 1 } })
    expect(r2.found).toEqual([{ code: 'CHECK041', severity: 'error', ...at(src, src) }])
    expect(r2.ok).toBe(false)
  })
})

describe('with a schema', () => {
  it('accepts the seed-like policy it describes', () => {
    const src = 'policy p { allow: read(doc) if user.clearance >= "secret" && user.tags.contains(doc.owner) && session.mfa == true }'
    expect(check(src, { schema: SCHEMA }).found).toEqual([])
  })

  it('CHECK020: a name bound nowhere', () => {
    expectOnly('policy p { allow: read if usr.level > 2 }', CHECK.unboundName, 'error', 'usr', { schema: SCHEMA })
  })

  it('CHECK020: binders, lambda parameters and request names are bound', () => {
    const src = 'policy p { allow: read(d) if d.id == principal.id && any(user.tags, |t| t == d.owner) && action.name == "read" && context.x == 1 }'
    expect(check(src, { schema: SCHEMA }).found).toEqual([])
  })

  it('CHECK020: an open schema allows unknown names', () => {
    expect(check('policy p { allow: read if usr.level > 2 }', { schema: { ...SCHEMA, open: true } }).found).toEqual([])
  })

  it('CHECK021: an attribute the schema does not declare', () => {
    expectOnly('policy p { allow: read if user.levl > 2 }', CHECK.unknownAttribute, 'warning', 'user.levl', { schema: SCHEMA })
    expectOnly('policy p { allow: read if resource.ownr == "a" }', CHECK.unknownAttribute, 'warning', 'resource.ownr', { schema: SCHEMA })
  })

  it('CHECK022: comparing values of different types', () => {
    expectOnly('policy p { allow: read if user.level == "3" }', CHECK.typeMismatch, 'warning', 'user.level == "3"', { schema: SCHEMA })
    expectOnly('policy p { allow: read if user.role < 3 }', CHECK.typeMismatch, 'warning', 'user.role < 3', { schema: SCHEMA })
  })

  it('CHECK024: a guard of a known non-boolean type is a warning', () => {
    expectOnly('policy p { allow: read if user.level }', CHECK.notBoolean, 'warning', 'user.level', { schema: SCHEMA })
    expectOnly('policy p { allow: read if user.verified && user.role }', CHECK.notBoolean, 'warning', 'user.role', { schema: SCHEMA })
  })

  it('CHECK050: a bad schema names the JSON path', () => {
    for (const [schema, path] of [
      [{ context: { user: 'strnig' } }, '$.context.user'],
      [{ context: { user: ['string', 'number'] } }, '$.context.user'],
      [{ actions: { read: { groups: 'x' } } }, '$.actions.read.groups'],
      [{ ladders: { p: 'low' } }, '$.ladders.p'],
      [{ open: 'yes' }, '$.open'],
      [{ contxt: {} }, '$.contxt'],
      ['not an object', '$'],
    ] as const) {
      const r = compilePolicySet([{ name: 'a', source: 'policy p { allow: read }' }], { schema })
      expect(r.value).toBeUndefined()
      const d = r.files[0]?.diagnostics[0]
      expect(d?.code).toBe(CHECK.badSchema)
      expect(d?.message).toContain(path)
    }
  })

  it('CHECK050: schema ladders go through ladder validation', () => {
    const r = compilePolicySet([{ name: 'a', source: 'policy p { allow: read }' }], { schema: { ladders: { p: ['a', 'a'] } } })
    expect(r.value).toBeUndefined()
    expect(r.files[0]?.diagnostics[0]?.code).toBe(CHECK.badSchema)
  })
})

describe('diagnostics stay per file', () => {
  it('reports each file\'s problems against that file, sorted by position', () => {
    const a = 'policy a { allow: read if foo() \n allow: 1 }'
    const b = 'policy b { allow: read if user.x >= "nope" }'
    const r = compilePolicySet([{ name: 'a.policy', source: a }, { name: 'b.policy', source: b }])
    expect(r.value).toBeUndefined()
    expect(r.files.map((f) => [f.name, f.diagnostics.map((d) => d.code)])).toEqual([
      ['a.policy', ['CHECK010', 'CHECK001']],
      ['b.policy', ['CHECK023']],
    ])
  })
})
