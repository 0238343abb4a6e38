/**
 * One test per CEDAR code: the construct is reported with that code and its span, it is not
 * translated silently, and with `allowPartial` the rule is listed as omitted with the right
 * fail-closed stand-in.
 */
import { describe, expect, it } from 'vitest'
import { compileToCedar, verifyCedar, CEDAR, type CedarOutput } from '../../compiler/cedar/index.js'
import { translateExpr } from '../../compiler/cedar/expr.js'
import { compilePolicySet, parseSchema } from '../../compiler/index.js'
import { createHostFunctionRegistry, registerHostFunction } from '../../stdlib/index.js'
import { DEFAULT_LADDERS } from '../../stdlib/ladders.js'
import type { Diagnostic } from '../../diagnostics/index.js'

function translate(source: string, options: { schema?: unknown; allowPartial?: boolean; host?: boolean } = {}): CedarOutput & { source: string } {
  const hostFunctions = createHostFunctionRegistry()
  if (options.host === true) registerHostFunction(hostFunctions, { name: 'risk', params: ['string'], returns: 'number', fn: () => 1 })
  const schema = options.schema === undefined ? undefined : parseSchema(options.schema)
  const r = compilePolicySet([{ name: 'x.policy', source }], { hostFunctions, ...(schema === undefined ? {} : { schema }) })
  if (r.value === undefined) throw new Error(`does not compile: ${JSON.stringify(r.files)}`)
  return { ...compileToCedar(r.value, { allowPartial: options.allowPartial ?? false, ...(schema === undefined ? {} : { schema }) }), source }
}

/** The codes of the result, with the source text each span covers. */
function reported(out: CedarOutput & { source: string }): { code: string; text: string }[] {
  return out.diagnostics.map((d) => ({ code: d.code, text: out.source.slice(d.span.start, d.span.end) }))
}

function guarded(guard: string, kind = 'allow'): string {
  return `policy p {\n  ${kind}: read if ${guard}\n}\n`
}

describe('CEDAR diagnostics', () => {
  it.each([
    ['any(user.groups, g => g == "x")', CEDAR.collectionPredicate, 'any(user.groups, g => g == "x")'],
    ['user.groups.all(g => g != "x")', CEDAR.collectionPredicate, 'user.groups.all(g => g != "x")'],
    ['count(user.groups, g => g == "x") > 1', CEDAR.collectionPredicate, 'count(user.groups, g => g == "x")'],
    ['user.a < user.b', CEDAR.unorderedStrings, 'user.a < user.b'],
    ['user.used / user.quota < 1', CEDAR.division, 'user.used / user.quota'],
    ['user.n % 2 == 0', CEDAR.division, 'user.n % 2'],
    ['user.score > 2.5', CEDAR.nonInteger, '2.5'],
    ['user.id == 9007199254740993', CEDAR.nonInteger, '9007199254740993'],
    ['user.name.length() > 3', CEDAR.unsupportedFunction, 'user.name.length()'],
    ['lower(user.role) == "admin"', CEDAR.unsupportedFunction, 'lower(user.role)'],
    ['now() > 5', CEDAR.unsupportedFunction, 'now()'],
    ['user.groups == resource.groups', CEDAR.setEquality, 'user.groups == resource.groups'],
    ['action.name == "read"', CEDAR.requestValue, 'action'],
    ['resource == principal', CEDAR.requestValue, 'resource'],
    ['user.name == "\\ud800"', CEDAR.badString, '"\\ud800"'],
    ['user.list["a"] == 1 && user.list[0] == 1', CEDAR.unsupportedExpression, '0'],
    ['user.pos == Point { x: 1 }', CEDAR.unsupportedExpression, 'Point { x: 1 }'],
    ['user.greeting == "hi " + user.name', CEDAR.arithmetic, '"hi " + user.name'],
    ['user.a + user.b + 1 > 3', CEDAR.arithmetic, 'user.a + user.b'],
    ['user.ttl + 5m > 1h', CEDAR.arithmetic, 'user.ttl + 5m'],
    ['user.name.starts_with(user.prefix)', CEDAR.nonLiteralArgument, 'user.prefix'],
    ['has(user, user.key)', CEDAR.nonLiteralArgument, 'user.key'],
    ['user.ttl < duration(user.limit)', CEDAR.nonLiteralArgument, 'duration(user.limit)'],
  ])('%s → %s', (guard, code, text) => {
    const out = translate(guarded(guard))
    expect(reported(out)).toContainEqual({ code, text })
    expect(out.diagnostics.every((d) => d.severity === 'error')).toBe(true)
    expect(out.omitted).toEqual([{ id: 'p.0', kind: 'allow', replacement: 'none', codes: [...new Set(out.diagnostics.map((d) => d.code))], reasons: out.diagnostics.map((d) => d.message), source: 'x.policy' }])
    expect(out.text).not.toMatch(/^permit/m)
  })

  it('CEDAR005: a vault reference (rejected by the checker already; the translator refuses it too)', () => {
    const found: Diagnostic[] = []
    const span = { start: 3, end: 20 }
    expect(translateExpr({ kind: 'Vault', path: 'kv/prod', span }, { binders: new Set(), ladders: DEFAULT_LADDERS, report: (d) => found.push(d) })).toBeUndefined()
    expect(found.map((d) => [d.code, d.span])).toEqual([[CEDAR.vault, span]])
  })

  it('CEDAR006: a host function', () => {
    const out = translate(guarded('risk(user.name) > 3'), { host: true })
    expect(reported(out)).toEqual([{ code: CEDAR.unsupportedFunction, text: 'risk(user.name)' }])
  })

  it('CEDAR007: approvals; with --allow-partial Cedar forbids where we would ask for approval', () => {
    const source = 'policy ops {\n  allow: deploy\n  require: supervisor_approval for deploy\n}\n'
    expect(translate(source).diagnostics.map((d) => [d.code, source.slice(d.span.start, d.span.end)])).toEqual([[CEDAR.approval, 'require: supervisor_approval for deploy']])
    const partial = translate(source, { allowPartial: true })
    expect(partial.diagnostics.map((d) => d.severity)).toEqual(['warning'])
    expect(partial.omitted.map((o) => [o.id, o.replacement])).toEqual([['ops.1', 'forbid-applicable']])
    expect(partial.text).toContain('@id("ops.1")\n@symbi_partial(')
    // Require rules fold case (SEMANTICS.md §7): the stand-in names the action in its condition.
    expect(partial.text).toMatch(/forbid \(principal, action, resource\)\nwhen \{\n  \(\(action in Action::"deploy"\) \|\| \(\(context has symbi_fold\) && \(context\.symbi_fold\.action == "deploy"/)
    expect(verifyCedar(partial.text)).toEqual([])
  })

  it('CEDAR008: patterns with two arguments, and patterns binding different names that the guard reads', () => {
    expect(translate('policy p {\n  allow: copy(a, b) if a.x == 1\n}\n').diagnostics.map((d) => d.code)).toEqual([CEDAR.pattern])
    expect(translate('policy p {\n  allow: [export(d), read] if d.public == true\n}\n').diagnostics.map((d) => d.code)).toEqual([CEDAR.pattern])
    // Different binders that no expression reads are harmless.
    expect(translate('policy p {\n  allow: [export(d), read]\n}\n').diagnostics).toEqual([])
    const deny = translate('policy p {\n  allow: read\n  deny: copy(a, b) if a.x == 1\n}\n', { allowPartial: true })
    expect(deny.omitted.map((o) => [o.id, o.replacement])).toEqual([['p.1', 'forbid-all']])
    expect(deny.text).toContain('forbid (principal, action, resource);')
  })

  it('an untranslatable deny guard is replaced by a forbid on its actions (never dropped)', () => {
    const out = translate('policy p {\n  allow: [read, export]\n  deny: export if any(user.groups, g => g == "x")\n}\n', { allowPartial: true })
    expect(out.omitted.map((o) => [o.id, o.replacement, o.codes])).toEqual([['p.1', 'forbid-applicable', [CEDAR.collectionPredicate]]])
    expect(out.text).toContain('@id("p.1")')
    expect(out.text).toMatch(/forbid \(principal, action, resource\)\nwhen \{\n  \(\(action in Action::"export"\) \|\| /)
  })

  it('membership of a value of unknown type is guarded by a string test (fail closed), not refused', () => {
    for (const g of ['user.team in resource.teams', 'resource.teams.contains(user.team)']) {
      const out = translate(guarded(g))
      expect(out.diagnostics, g).toEqual([])
      expect(out.text, g).toContain('(context.user.team like "*") && resource.teams.contains(context.user.team)')
      expect(verifyCedar(out.text)).toEqual([])
    }
  })

  it('scalar types from the schema make equality, membership and ordering translatable; string ordering stays CEDAR002', () => {
    const schema = { context: { user: { team: 'string', level: 'number', cap: 'number', a: 'string', b: 'string' } }, resource: { teams: ['string'] }, open: true }
    expect(translate(guarded('user.team in resource.teams && user.level < user.cap'), { schema }).diagnostics).toEqual([])
    expect(translate(guarded('user.a < user.b'), { schema }).diagnostics.map((d) => d.code)).toEqual([CEDAR.unorderedStrings])
  })

  it('CEDAR020: text Cedar cannot parse', () => {
    expect(verifyCedar('permit (principal, action, resource) when { ( };').map((d) => d.code)).toEqual([CEDAR.emitParse])
  })

  it('CEDAR021: Cedar validation against the emitted schema', () => {
    const schema = { context: { user: { age: 'number' } }, actions: { read: { groups: [] } } }
    const out = translate(guarded('user.age > 3 && user.nickname == "x"'), { schema: { ...schema, open: true } })
    expect(out.diagnostics).toEqual([])
    expect(verifyCedar(out.text, out.schema).map((d) => d.code)).toContain(CEDAR.validation)
    const ok = translate(guarded('user.age > 3'), { schema })
    expect(verifyCedar(ok.text, ok.schema)).toEqual([])
  })

  it('CEDAR022: `any` in the schema has no Cedar type', () => {
    const out = translate(guarded('user.age > 3'), { schema: { context: { user: { age: 'number', extra: 'any' } } } })
    expect(out.diagnostics.map((d) => [d.code, d.severity])).toEqual([[CEDAR.schemaType, 'warning']])
    expect(out.schema).not.toContain('extra')
  })

  it('CEDAR023: a schema Cedar cannot parse', () => {
    expect(verifyCedar('permit (principal, action, resource);', '{"": {"entityTypes": 5}}').map((d) => d.code)).toEqual([CEDAR.schemaParse])
    expect(verifyCedar('permit (principal, action, resource);', 'not json').map((d) => d.code)).toEqual([CEDAR.schemaParse])
  })
})

describe('compileToCedar input forms', () => {
  it('takes a compiled set or its checked policies, with the same text', () => {
    const r = compilePolicySet([{ name: 'x.policy', source: 'policy p {\n  allow: read if user.age > 3\n  deny: write\n}\n' }])
    if (r.value === undefined) throw new Error('does not compile')
    const fromSet = compileToCedar(r.value)
    expect(compileToCedar(r.value.checked.policies).text).toBe(fromSet.text)
    expect(compileToCedar(r.value).text).toBe(fromSet.text)
    expect(verifyCedar(compileToCedar([]).text)).toEqual([])
  })
})

describe('CEDAR011 in obligation names', () => {
  it('refuses an obligation name Cedar cannot hold; with --allow-partial the rule stands in as a forbid', () => {
    const source = 'policy p {\n  allow: read\n  require: "bad\\ud800name"\n}\n'
    expect(translate(source).diagnostics.map((d) => d.code)).toEqual([CEDAR.badString])
    const partial = translate(source, { allowPartial: true })
    expect(partial.omitted.map((o) => [o.id, o.replacement])).toEqual([['p.1', 'forbid-applicable']])
    expect(verifyCedar(partial.text)).toEqual([])
  })
})
