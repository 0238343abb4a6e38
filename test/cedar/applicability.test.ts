/**
 * Action patterns → Cedar, pattern kind by pattern kind, as the Cedar text they become (the
 * backend's product, like the golden files): what goes in the policy head and what in the
 * condition, folding, group expansion, arguments, binders, the `missing` condition of folding
 * rules, and every pattern that cannot be translated (reported, nothing returned).
 */
import { describe, expect, it } from 'vitest'
import { checkParsePolicySet } from '@cedar-policy/cedar-wasm/nodejs'
import { translatePatterns, type Applicability, type PatternOptions } from '../../compiler/cedar/applicability.js'
import { CEDAR } from '../../compiler/cedar/codes.js'
import type { ActionPattern } from '../../compiler/checked.js'
import type { Diagnostic } from '../../diagnostics/index.js'

const SPAN = { start: 3, end: 9 }
const name = (n: string): ActionPattern => ({ kind: 'name', name: n })
const glob = (pattern: string): ActionPattern => ({ kind: 'glob', pattern })
const ANY: ActionPattern = { kind: 'any' }
const bind = (verb: ActionPattern, n: string): ActionPattern => ({ kind: 'call', verb, args: [{ kind: 'bind', name: n }] })
const anyArg = (verb: ActionPattern): ActionPattern => ({ kind: 'call', verb, args: [{ kind: 'any' }] })
const literal = (verb: ActionPattern, value: string): ActionPattern => ({ kind: 'call', verb, args: [{ kind: 'literal', value }] })

interface Plain { head: string; condition?: string; full: string; binders: string[]; missing?: string }

function translate(patterns: ActionPattern[], options: PatternOptions = {}, read: string[] = []): { out: Plain | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const a: Applicability | undefined = translatePatterns(patterns, SPAN, (d) => diagnostics.push(d), new Set(read), options)
  if (a === undefined) return { out: undefined, diagnostics }
  const out: Plain = { head: a.head, full: a.full, binders: [...a.binders] }
  if (a.condition !== undefined) out.condition = a.condition
  if (a.missing !== undefined) out.missing = a.missing
  // Whatever is returned must be Cedar that parses, as a head with its condition and as `full` alone.
  const when = a.condition === undefined ? '' : ` when { ${a.condition} }`
  expect(checkParsePolicySet({ staticPolicies: `forbid (principal, ${a.head}, resource)${when};\nforbid (principal, action, resource) when { ${a.full} };` + (a.missing === undefined ? '' : `\nforbid (principal, action, resource) when { ${a.missing} };`) })).toEqual({ type: 'success' })
  expect(diagnostics).toEqual([])
  return { out, diagnostics }
}

const folded = (n: string): string => `((action in Action::"${n}") || ((context has symbi_fold) && (context.symbi_fold.action == "${n}" || context.symbi_fold.groups.contains("${n}"))))`

describe('translatePatterns', () => {
  it('no patterns apply to nothing', () => {
    expect(translate([]).out).toEqual({ head: 'action', condition: 'false', full: 'false', binders: [] })
  })

  it('plain names go in the head, expanded by the schema\'s groups; a call without arguments is its verb', () => {
    expect(translate([name('read')]).out).toEqual({ head: 'action in Action::"read"', full: '(action in Action::"read")', binders: [] })
    expect(translate([name('read'), name('write')]).out).toEqual({ head: 'action in [Action::"read", Action::"write"]', full: '(action in [Action::"read", Action::"write"])', binders: [] })
    expect(translate([{ kind: 'call', verb: name('read'), args: [] }]).out).toEqual(translate([name('read')]).out)
    const membersOf = new Map([['dangerous', ['delete', 'drop']]])
    expect(translate([name('dangerous')], { membersOf }).out?.head).toBe('action in [Action::"dangerous", Action::"delete", Action::"drop"]')
    // A name shared by two patterns appears once.
    expect(translate([name('delete'), name('dangerous')], { membersOf }).out?.head).toBe('action in [Action::"delete", Action::"dangerous", Action::"drop"]')
  })

  it('`any` applies to everything, also next to other patterns', () => {
    expect(translate([ANY]).out).toEqual({ head: 'action', full: 'true', binders: [] })
    expect(translate([name('read'), ANY]).out).toEqual({ head: 'action', full: 'true', binders: [] })
  })

  it('folding rules keep exact names out of the head and also match the folded names', () => {
    expect(translate([name('Read')], { fold: true }).out).toEqual({ head: 'action', condition: folded('read').replace('Action::"read"', 'Action::"Read"'), full: folded('read').replace('Action::"read"', 'Action::"Read"'), binders: [] })
    expect(translate([glob('Tool.*')], { fold: true }).out).toEqual({
      head: 'action',
      condition: '((action.name like "Tool.*") || ((context has symbi_fold) && context.symbi_fold.action like "tool.*"))',
      full: '((action.name like "Tool.*") || ((context has symbi_fold) && context.symbi_fold.action like "tool.*"))',
      binders: [],
    })
    expect(translate([glob('tool.*')]).out).toEqual({ head: 'action', condition: '(action.name like "tool.*")', full: '(action.name like "tool.*")', binders: [] })
  })

  it('an argument requires a resource (with its id for a literal); a binder names it', () => {
    expect(translate([bind(glob('t*'), 'd')]).out).toEqual({ head: 'action', condition: '((action.name like "t*") && (resource has id))', full: '((action.name like "t*") && (resource has id))', binders: ['d'] })
    expect(translate([anyArg(name('read'))]).out).toEqual({ head: 'action', condition: '((action in Action::"read") && (resource has id))', full: '((action in Action::"read") && (resource has id))', binders: [] })
    expect(translate([literal(name('read'), 'x')]).out?.condition).toBe('((action in Action::"read") && (resource has id && resource.id == "x"))')
    // `any(d)`: every action, but only with a resource — not "applies to everything".
    expect(translate([bind(ANY, 'd')]).out).toEqual({ head: 'action', condition: '(resource has id)', full: '(resource has id)', binders: ['d'] })
    // A mixture of names with and without arguments is a condition, not a head.
    expect(translate([anyArg(name('read')), name('write')]).out?.head).toBe('action')
  })

  it('folding rules with arguments say when the verb matched without a resource (`missing`)', () => {
    const read = translate([bind(name('read'), 'd')], { fold: true }).out!
    expect(read.condition).toBe(`(${folded('read')} && (resource has id))`)
    expect(read.missing).toBe(`(!(resource has id) && ${folded('read')} && !${read.condition})`)
    const two = translate([anyArg(name('read')), literal(name('write'), 'x')], { fold: true }).out!
    expect(two.missing).toBe(`(!(resource has id) && (${folded('read')} || ${folded('write')}) && !${two.condition})`)
    // `any(d)`: any verb matches, so a missing resource always counts.
    expect(translate([bind(ANY, 'd')], { fold: true }).out?.missing).toBe('(!(resource has id) && true && !(resource has id))')
    expect(translate([bind(ANY, 'd'), bind(name('read'), 'd')], { fold: true }).out?.missing).toMatch(/^\(!\(resource has id\) && true && /)
    // No argument anywhere, or not folding: nothing is missing.
    expect(translate([name('read')], { fold: true }).out?.missing).toBeUndefined()
    expect(translate([bind(name('read'), 'd')]).out?.missing).toBeUndefined()
  })

  it('binders: one shared name is kept; different names are refused when the guard reads one, dropped when it reads none', () => {
    expect(translate([bind(name('read'), 'd'), bind(name('write'), 'd')], {}, ['d']).out?.binders).toEqual(['d'])
    expect(translate([bind(name('read'), 'd'), bind(name('write'), 'e')]).out?.binders).toEqual([])
    expect(translate([bind(name('read'), 'd'), name('write')]).out?.binders).toEqual([])
    for (const [patterns, read] of [[[bind(name('read'), 'd'), bind(name('write'), 'e')], ['d']], [[bind(name('read'), 'd'), name('write')], ['d']], [[ANY, bind(name('read'), 'd')], ['d']], [[bind(name('read'), 'd'), bind(name('write'), 'e')], ['e']]] as const) {
      const diagnostics: Diagnostic[] = []
      expect(translatePatterns(patterns, SPAN, (d) => diagnostics.push(d), new Set(read))).toBeUndefined()
      expect(diagnostics.map((d) => [d.code, d.severity, d.span])).toEqual([[CEDAR.pattern, 'error', SPAN]])
      expect(diagnostics[0]?.help).toMatch(/\S/)
    }
  })

  it('refuses two or more arguments (CEDAR008, with help) and lone surrogates anywhere (CEDAR011)', () => {
    const refused = (patterns: ActionPattern[]): [string, string, unknown, boolean][] => {
      const diagnostics: Diagnostic[] = []
      expect(translatePatterns(patterns, SPAN, (d) => diagnostics.push(d), new Set())).toBeUndefined()
      return diagnostics.map((d) => [d.code, d.severity, d.span, d.help !== undefined && /\S/.test(d.help)])
    }
    expect(refused([{ kind: 'call', verb: name('copy'), args: [{ kind: 'any' }, { kind: 'any' }] }])).toEqual([[CEDAR.pattern, 'error', SPAN, true]])
    // The first untranslatable pattern stops the rule, also after good ones.
    expect(refused([name('read'), { kind: 'call', verb: name('copy'), args: [{ kind: 'bind', name: 'a' }, { kind: 'bind', name: 'b' }] }])).toEqual([[CEDAR.pattern, 'error', SPAN, true]])
    for (const bad of [name('bad\uD800'), glob('x\uDC00*'), literal(name('read'), '\uD800'), literal(name('r\uDFFF'), 'a'), bind(glob('\uD800*'), 'd')]) {
      expect(refused([bad])).toEqual([[CEDAR.badString, 'error', SPAN, false]])
      expect(refused([name('ok'), bad])).toEqual([[CEDAR.badString, 'error', SPAN, false]])
    }
    // A pair is not lone.
    expect(translate([name('emoji\uD83D\uDE00')]).out?.head).toBe('action in Action::"emoji\uD83D\uDE00"')
  })
})
