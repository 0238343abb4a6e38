/**
 * compileToCedar rule by rule, read from the emitted policies (by `@id`): scopes, the forbid for
 * a missing argument, require and audit rules in each form, what is omitted and what stands in
 * for it, where diagnostics say they come from, and the comment line that names each rule.
 */
import { describe, expect, it } from 'vitest'
import { checkParsePolicySet } from '@cedar-policy/cedar-wasm/nodejs'
import { compileToCedar, CEDAR, type CedarOutput } from '../../compiler/cedar/index.js'
import { compilePolicySet, parseSchema } from '../../compiler/index.js'
import type { CheckedPolicy } from '../../compiler/checked.js'

const FILE = 'dir/x.policy'

function compiled(source: string, schemaJson?: unknown): { policies: readonly CheckedPolicy[]; out: CedarOutput } {
  const schema = schemaJson === undefined ? undefined : parseSchema(schemaJson)
  const r = compilePolicySet([{ name: FILE, source }], schema === undefined ? {} : { schema })
  if (r.value === undefined) throw new Error(`does not compile: ${JSON.stringify(r.files)}`)
  const out = compileToCedar(r.value, { allowPartial: true, ...(schema === undefined ? {} : { schema }) })
  expect(checkParsePolicySet({ staticPolicies: out.text })).toEqual({ type: 'success' })
  return { policies: r.value.checked.policies, out }
}

/** Emitted policies by their `@id`, each as its text without the comment line. */
function byId(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const block of text.split(';\n')) {
    const id = /@id\("([^"]+)"\)/.exec(block)?.[1]
    if (id !== undefined) out.set(id, block.slice(block.indexOf('@id(')))
  }
  return out
}

const READ = '((action in Action::"read") || ((context has symbi_fold) && (context.symbi_fold.action == "read" || context.symbi_fold.groups.contains("read"))))'
const WRITE = READ.replaceAll('read', 'write')
const PROBE = 'context has symbi_obligation_probe'

describe('compileToCedar: scopes and missing arguments', () => {
  it('an agent\'s policy: allow rules compare the id exactly, deny rules also the folded name; a deny on an argument forbids its absence', () => {
    const { out } = compiled('agent Bot {\n  policy p {\n    allow: read\n    deny: write(d) if d.x == 1\n  }\n}\n')
    const ids = byId(out.text)
    const loose = '((principal.id == "Bot") || (context has symbi_fold && context.symbi_fold.principal == "bot"))'
    expect(ids.get('p.0')).toBe(`@id("p.0")\npermit (principal, action in Action::"read", resource)\nwhen {\n  (principal.id == "Bot") &&\n  !((${loose} && (${WRITE} && (resource has id))) && (resource.x == 1))\n}`)
    expect(ids.get('p.1')).toBe(`@id("p.1")\nforbid (principal, action, resource)\nwhen {\n  (${loose} && (${WRITE} && (resource has id))) &&\n  (resource.x == 1)\n}`)
    expect(ids.get('p.1.missing_argument')).toBe(`@id("p.1.missing_argument")\nforbid (principal, action, resource)\nwhen {\n  (${loose} && (!(resource has id) && ${WRITE} && !(${WRITE} && (resource has id))))\n}`)
    expect(out.text).toContain(`// ${FILE}: p[1] deny: write(d) if d.x == 1 (argument missing)\n@id("p.1.missing_argument")`)
  })

  it('a channel\'s policy compares the channel, and its folded name where rules fold', () => {
    const { out } = compiled('channel Ops {\n  policy p {\n    allow: read\n    deny: write\n  }\n}\n')
    const ids = byId(out.text)
    expect(ids.get('p.0')).toBe('@id("p.0")\npermit (principal, action in Action::"read", resource)\nwhen {\n  (context has channel && context.channel == "Ops")\n}')
    expect(ids.get('p.1')).toContain('(((context has channel && context.channel == "Ops") || (context has symbi_fold && context.symbi_fold has channel && context.symbi_fold.channel == "ops")) && ')
  })

  it('a scoped rule whose patterns cannot be translated is replaced by a forbid of everything', () => {
    const { out } = compiled('agent Bot {\n  policy p {\n    deny: copy(a, b)\n  }\n}\n')
    expect(out.omitted.map((o) => [o.id, o.replacement, o.codes])).toEqual([['p.0', 'forbid-all', [CEDAR.pattern]]])
    expect(byId(out.text).get('p.0')).toMatch(/forbid \(principal, action, resource\)$/)
  })

  it('only deny and require rules forbid a missing argument; allow and audit rules do not', () => {
    const { out } = compiled('policy p {\n  allow: read(d)\n  require: log_access for write(d)\n  audit: note for write(d)\n  deny: send(m)\n}\n')
    expect([...byId(out.text).keys()].sort()).toEqual(['p.0', 'p.1', 'p.1.missing_argument', 'p.2', 'p.3', 'p.3.missing_argument'])
  })
})

describe('compileToCedar: require and audit rules', () => {
  it('preconditions and obligations: the probe answers "applies", the request answers "violated"', () => {
    const ids = byId(compiled('policy p {\n  allow: read\n  require: [user.mfa == true, log_access] for read\n}\n').out.text)
    expect(ids.get('p.1')).toBe(`@id("p.1")\n@obligation("log_access")\nforbid (principal, action, resource)\nwhen {\n  ${READ} &&\n  (if ${PROBE} then true else !(context.user.mfa == true))\n}`)
    // Every permit carries the require rule's check.
    expect(ids.get('p.0')).toContain(`!(${READ} && !(context.user.mfa == true))`)
  })

  it('a guard without preconditions: violated is "guard and not true"', () => {
    const ids = byId(compiled('policy p {\n  allow: read\n  require: log_access for read if user.x == 1\n}\n').out.text)
    expect(ids.get('p.1')).toContain(`(if ${PROBE} then (context.user.x == 1) else ((context.user.x == 1) && !true))`)
    expect(ids.get('p.0')).toContain(`!(${READ} && ((context.user.x == 1) && !true))`)
  })

  it('an obligation value must evaluate (`v == v`); modifiers are annotated with the names', () => {
    const ids = byId(compiled('policy p {\n  allow: read\n  require: [risk = user.level] for read with strict, quick\n}\n').out.text)
    expect(ids.get('p.1')).toBe(`@id("p.1")\n@obligation("risk")\n@modifiers("strict,quick")\nforbid (principal, action, resource)\nwhen {\n  ${READ} &&\n  (if ${PROBE} then true else !(context.user.level == context.user.level))\n}`)
  })

  it('several names are numbered; a precondition alone is a forbid unless it holds, with no annotations but its id', () => {
    const ids = byId(compiled('policy p {\n  allow: read\n  require: [a_log, b_log, c_log] for read with strict\n  require: [user.ok == true] for read with strict\n}\n').out.text)
    expect(ids.get('p.1')).toMatch(/^@id\("p\.1"\)\n@obligation\("a_log"\)\n@obligation_2\("b_log"\)\n@obligation_3\("c_log"\)\n@modifiers\("strict"\)\nforbid/)
    expect(ids.get('p.1')).toContain(`${READ} &&\n  ${PROBE}\n}`)
    expect(ids.get('p.2')).toBe(`@id("p.2")\nforbid (principal, action, resource)\nwhen {\n  ${READ}\n}\nunless { (context.user.ok == true) }`)
  })

  it('audit rules: the probe alone, or with the guard; never a deny check', () => {
    const ids = byId(compiled('policy p {\n  allow: read\n  audit: read_log for read with strict if user.y == 2\n  audit: [a, b] for read\n}\n').out.text)
    expect(ids.get('p.0')).toBe('@id("p.0")\npermit (principal, action in Action::"read", resource)')
    expect(ids.get('p.1')).toBe(`@id("p.1")\n@audit("read_log")\n@modifiers("strict")\nforbid (principal, action, resource)\nwhen {\n  ${READ} &&\n  (${PROBE} && (context.user.y == 2))\n}`)
    expect(ids.get('p.2')).toBe(`@id("p.2")\n@audit("a")\n@audit_2("b")\nforbid (principal, action, resource)\nwhen {\n  ${READ} &&\n  ${PROBE}\n}`)
  })

  it('an empty require or audit list emits nothing and checks nothing', () => {
    for (const rule of ['require: [] for read', 'audit: [] for read']) {
      const { out } = compiled(`policy p {\n  allow: read\n  ${rule}\n}\n`)
      expect([...byId(out.text).entries()], rule).toEqual([['p.0', '@id("p.0")\npermit (principal, action in Action::"read", resource)']])
      expect(out.omitted, rule).toEqual([])
    }
  })

  it('a policy without targets: its require rules apply to every action', () => {
    const ids = byId(compiled('policy p {\n  require: log_access\n}\n').out.text)
    expect(ids.get('p.0')).toBe(`@id("p.0")\n@obligation("log_access")\nforbid (principal, action, resource)\nwhen {\n  ${PROBE}\n}`)
  })

  it('what cannot be translated: require rules become a forbid of what they apply to, audit rules are left out', () => {
    const cases: [string, string, string, string][] = [
      ['require: [lower(user.x) == "a"] for read', 'require', 'forbid-applicable', CEDAR.unsupportedFunction],
      ['require: [risk = lower(user.x)] for read', 'require', 'forbid-applicable', CEDAR.unsupportedFunction],
      ['require: log_access for read if lower(user.x) == "a"', 'require', 'forbid-applicable', CEDAR.unsupportedFunction],
      ['require: approval("boss") for read', 'require', 'forbid-applicable', CEDAR.approval],
      ['require: ["\\uD800x"] for read', 'require', 'forbid-applicable', CEDAR.badString],
      ['audit: log for read if lower(user.x) == "a"', 'audit', 'none', CEDAR.unsupportedFunction],
      ['audit: ["\\uDC00"] for read', 'audit', 'none', CEDAR.badString],
      ['audit: log for copy(a, b)', 'audit', 'none', CEDAR.pattern],
      ['require: log for copy(a, b)', 'require', 'forbid-all', CEDAR.pattern],
    ]
    for (const [rule, kind, replacement, code] of cases) {
      const { out } = compiled(`policy p {\n  allow: read\n  ${rule}\n}\n`)
      expect(out.omitted.map((o) => [o.id, o.kind, o.replacement, o.codes, o.source]), rule).toEqual([['p.1', kind, replacement, [code], FILE]])
      expect(out.diagnostics.map((d) => [d.code, d.severity, d.source]), rule).toEqual([[code, 'warning', FILE]])
      const ids = byId(out.text)
      if (replacement === 'none') expect(ids.has('p.1'), rule).toBe(false)
      else expect(ids.get('p.1'), rule).toMatch(/@symbi_partial\(/)
      // A rule that is not translated adds no deny check to the permits.
      expect(ids.get('p.0'), rule).toBe('@id("p.0")\npermit (principal, action in Action::"read", resource)')
    }
  })

  it('an approval names its approver and says what to do instead; an allow that cannot be translated is left out, not replaced', () => {
    const { out } = compiled('policy p {\n  allow: read if lower(x) == "a"\n  allow: copy(a, b)\n  require: approval("boss") for read\n}\n')
    const approval = out.diagnostics.find((d) => d.code === CEDAR.approval)
    expect(approval?.message).toContain('`boss`')
    expect(approval?.help).toMatch(/\S/)
    expect(out.omitted.map((o) => [o.id, o.replacement])).toEqual([['p.0', 'none'], ['p.1', 'none'], ['p.2', 'forbid-applicable']])
    expect(out.text).not.toMatch(/^permit/m)
  })

  it('binders read by a precondition or an obligation value count, like a guard\'s', () => {
    for (const rule of ['require: [d.x == 1] for [read(d), write(e)]', 'require: [risk = d.level] for [read(d), write(e)]', 'require: log for [read(d), write(e)] if d.x == 1']) {
      expect(compiled(`policy p {\n  ${rule}\n}\n`).out.omitted.map((o) => o.codes), rule).toEqual([[CEDAR.pattern]])
    }
    for (const rule of ['require: [user.x == 1] for [read(d), write(e)]', 'require: [risk = user.level, log] for [read(d), write(e)]', 'require: [a = 1, b] for [read(d), write(e)] if user.x == 1']) {
      expect(compiled(`policy p {\n  ${rule}\n}\n`).out.omitted, rule).toEqual([])
    }
  })
})

describe('compileToCedar: input forms, sources and comments', () => {
  it('checked policies alone: groups come from the schema given, expanded in name order', () => {
    const schema = { actions: { zed: { groups: ['danger'] }, alpha: { groups: ['danger'] } }, open: true }
    const { policies } = compiled('policy p {\n  allow: read\n  deny: danger\n}\n', schema)
    const out = compileToCedar(policies, { schema: parseSchema(schema) })
    expect(byId(out.text).get('p.1')).toContain('action in [Action::"danger", Action::"alpha", Action::"zed"]')
    // Without the schema there is nothing to expand.
    expect(byId(compileToCedar(policies).text).get('p.1')).not.toContain('alpha')
  })

  it('diagnostics and omitted rules name their file when the policy has one, and only then', () => {
    const { policies } = compiled('policy p {\n  allow: read\n  deny: write if lower(x) == "a"\n}\n')
    const withFile = compileToCedar(policies, { allowPartial: true })
    expect(withFile.diagnostics.map((d) => d.source)).toEqual([FILE])
    expect(withFile.omitted.map((o) => o.source)).toEqual([FILE])
    const anonymous = policies.map(({ file: _file, ...rest }) => rest as CheckedPolicy)
    const without = compileToCedar(anonymous, { allowPartial: true })
    expect(without.diagnostics.map((d) => 'source' in d)).toEqual([false])
    expect(without.omitted.map((o) => 'source' in o)).toEqual([false])
    expect(without.text).toContain('\n// p[1] deny: write if lower(x) == "a"\n')
  })

  it('the comment naming a rule stays one line, whatever line breaks its source holds', () => {
    const { out } = compiled('policy p {\n  deny: write if x == 1 &&\r\n(y == 2) && z == "a\u2028\u2029b"\n}\n')
    expect(out.text).toContain(`\n// ${FILE}: p[0] deny: write if x == 1 && y == 2 && z == "a b"\n@id("p.0")`)
  })
})
