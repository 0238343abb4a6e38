/**
 * Action patterns → Cedar. A rule's patterns become a policy head (`action in [Action::"a", …]`
 * when they are plain names) and a condition; the condition never fails at evaluation time, so a
 * forbid's applicability is never skipped by Cedar because of an error.
 *
 * Names match the action or any group it is in (SEMANTICS.md §2), which is exactly Cedar's
 * `action in Action::"name"` once the request mapping makes every group a parent of the action
 * entity. Globs match the action name (`action.name like "tool_call::*"`, the mapping gives action
 * entities a `name` attribute). Argument 0 is the resource: a pattern with one argument requires a
 * resource (`resource has id`; mapped resources always carry their `id`).
 *
 * Two refinements keep Cedar from allowing what we deny:
 * - Schema action groups are expanded into the names: `deny: dangerous` with `delete` in group
 *   `dangerous` becomes `action in [Action::"dangerous", Action::"delete"]`, so the policies are
 *   right on their own, without an entities file that says `delete` is in `dangerous`.
 * - Folding rules (deny, and the applicability of require/audit; SEMANTICS.md §7) also match the
 *   ASCII-folded names the request mapping puts in `context.symbi_fold`; allow rules do not.
 */
import { diagnostic, type Diagnostic, type Span } from '../../diagnostics/diagnostic.js'
import type { ActionPattern } from '../checked.js'
import { CEDAR } from './codes.js'
import { asciiFold } from '../request.js'
import { cedarString, entityRef, hasLoneSurrogate, likeFromGlob } from './quote.js'

/** A translated set of patterns. */
export interface Applicability {
  /** The action part of the policy head: `action`, or `action in [Action::"a", …]`. */
  readonly head: string
  /** Extra condition for the body, or undefined when the head says everything. */
  readonly condition?: string
  /** The whole applicability as one boolean expression (head and condition). */
  readonly full: string
  /** Binder names; each names argument 0, i.e. `resource`. */
  readonly binders: ReadonlySet<string>
  /**
   * For folding rules whose patterns name an argument: when the verb of such a pattern matches
   * but the request has no resource. Ours then fails closed (EVAL004), so Cedar must forbid.
   */
  readonly missing?: string
}

/** How patterns are matched: the vocabulary to expand groups with, and whether names fold. */
export interface PatternOptions {
  /** Actions by group, from the schema vocabulary. */
  readonly membersOf?: ReadonlyMap<string, readonly string[]>
  /** Fold ASCII case (deny, require, audit). */
  readonly fold?: boolean
}

const FOLD = 'context.symbi_fold'
/** Without the mapping's folded names (Cedar used on its own) folding rules match exact names only, never fail. */
const HAS_FOLD = '(context has symbi_fold)'

interface One {
  readonly verb: string | undefined
  /** The exact names (the name and the actions of that group) when the verb is a plain name. */
  readonly names?: readonly string[]
  readonly arg: string | undefined
  readonly binder: string | undefined
}

/** Translates the patterns of one rule; reports and returns undefined when it cannot. */
export function translatePatterns(patterns: readonly ActionPattern[], span: Span, report: (d: Diagnostic) => void, read: ReadonlySet<string>, options: PatternOptions = {}): Applicability | undefined {
  if (patterns.length === 0) return { head: 'action', full: 'false', condition: 'false', binders: new Set() }
  const ones: One[] = []
  for (const p of patterns) {
    const one = translateOne(p, span, report, options)
    if (one === undefined) return undefined
    ones.push(one)
  }
  const withArg = ones.filter((o) => o.arg !== undefined && o.verb !== undefined)
  const anyWithArg = ones.some((o) => o.arg !== undefined && o.verb === undefined)
  const missingVerbs = anyWithArg ? 'true' : withArg.length === 0 ? undefined : withArg.length === 1 ? (withArg[0]?.verb as string) : `(${withArg.map((o) => o.verb).join(' || ')})`
  // Stryker disable next-line StringLiteral: the stand-in for "no binder" only has to differ from every binder name, and binders are identifiers (never "" nor "Stryker was here!")
  const binderNames = new Set(ones.map((o) => o.binder ?? ''))
  // Which binder a guard sees depends on the pattern that matched; that matters only if it reads one.
  if (binderNames.size > 1 && [...binderNames].some((n) => read.has(n))) {
    report(diagnostic(CEDAR.pattern, 'error', 'these patterns bind different names; a guard would read a different value depending on which one matched', span, { help: 'split the rule so that every pattern binds the same name' }))
    return undefined
  }
  const binders = binderNames.size > 1 ? new Set<string>() : new Set(ones.flatMap((o) => (o.binder === undefined ? [] : [o.binder])))
  if (ones.some((o) => o.verb === undefined && o.arg === undefined)) return { head: 'action', full: 'true', binders }
  // Only exact names go in the head: a folding rule must also reach case variants, which only the condition can.
  if (!options.fold && ones.every((o) => o.names !== undefined && o.arg === undefined)) {
    const names = [...new Set(ones.flatMap((o) => o.names as readonly string[]))]
    const refs = names.map((n) => entityRef('Action', n))
    const head = refs.length === 1 ? `action in ${refs[0] as string}` : `action in [${refs.join(', ')}]`
    return { head, full: `(${head})`, binders }
  }
  const parts = ones.map((o) => {
    const conj = [o.verb, o.arg].filter((x): x is string => x !== undefined)
    return conj.length === 1 ? (conj[0] as string) : `(${conj.join(' && ')})`
  })
  const condition = parts.length === 1 ? (parts[0] as string) : `(${parts.join(' || ')})`
  const out = { head: 'action', condition, full: condition, binders }
  // Verb matched, resource absent, and no pattern matched fully (a missing resource makes every `resource has id` false).
  return options.fold && missingVerbs !== undefined ? { ...out, missing: `(!(resource has id) && ${missingVerbs} && !${condition})` } : out
}

function translateOne(p: ActionPattern, span: Span, report: (d: Diagnostic) => void, options: PatternOptions): One | undefined {
  const bad = (s: string): boolean => {
    if (!hasLoneSurrogate(s)) return false
    report(diagnostic(CEDAR.badString, 'error', 'this pattern holds a lone UTF-16 surrogate, which Cedar cannot represent', span))
    return true
  }
  switch (p.kind) {
    case 'any':
      // Stryker disable next-line ObjectLiteral: an absent property reads as undefined, which is what each one holds
      return { verb: undefined, arg: undefined, binder: undefined }
    case 'name': {
      if (bad(p.name)) return undefined
      const names = [p.name, ...(options.membersOf?.get(p.name) ?? [])]
      const refs = names.map((n) => entityRef('Action', n))
      const exact = refs.length === 1 ? `(action in ${refs[0] as string})` : `(action in [${refs.join(', ')}])`
      if (!options.fold) return { verb: exact, names, arg: undefined, binder: undefined }
      const f = cedarString(asciiFold(p.name))
      return { verb: `(${exact} || (${HAS_FOLD} && (${FOLD}.action == ${f} || ${FOLD}.groups.contains(${f}))))`, names, arg: undefined, binder: undefined }
    }
    case 'glob':
      if (bad(p.pattern)) return undefined
      if (!options.fold) return { verb: `(action.name like ${likeFromGlob(p.pattern)})`, arg: undefined, binder: undefined }
      return { verb: `((action.name like ${likeFromGlob(p.pattern)}) || (${HAS_FOLD} && ${FOLD}.action like ${likeFromGlob(asciiFold(p.pattern))}))`, arg: undefined, binder: undefined }
    case 'call': {
      const verb = translateOne(p.verb, span, report, options)
      if (verb === undefined) return undefined
      if (p.args.length === 0) return verb
      if (p.args.length > 1) {
        report(diagnostic(CEDAR.pattern, 'error', 'patterns with more than one argument cannot be translated: Cedar requests carry only one resource', span, { help: 'match further arguments with guards over context attributes' }))
        return undefined
      }
      const a = p.args[0] as (typeof p.args)[number]
      // Stryker disable next-line ConditionalExpression,EqualityOperator: `names: undefined` and no `names` read alike (`o.names !== undefined`); the split exists for exactOptionalPropertyTypes
      const base = verb.names === undefined ? { verb: verb.verb } : { verb: verb.verb, names: verb.names }
      switch (a.kind) {
        // Stryker disable next-line ConditionalExpression: without this case `any` falls into `bind`, whose `a.name` is then undefined — the same object
        case 'any':
          return { ...base, arg: '(resource has id)', binder: undefined }
        case 'bind':
          return { ...base, arg: '(resource has id)', binder: a.name }
        case 'literal':
          if (bad(a.value)) return undefined
          return { ...base, arg: `(resource has id && resource.id == ${cedarString(a.value)})`, binder: undefined }
      }
    }
  }
}
