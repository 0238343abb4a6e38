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
 */
import { diagnostic, type Diagnostic, type Span } from '../../diagnostics/diagnostic.js'
import type { ActionPattern } from '../checked.js'
import { CEDAR } from './codes.js'
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
}

interface One {
  readonly verb: string | undefined
  readonly name?: string
  readonly arg: string | undefined
  readonly binder: string | undefined
}

/** Translates the patterns of one rule; reports and returns undefined when it cannot. */
export function translatePatterns(patterns: readonly ActionPattern[], span: Span, report: (d: Diagnostic) => void, read: ReadonlySet<string>): Applicability | undefined {
  if (patterns.length === 0) return { head: 'action', full: 'false', condition: 'false', binders: new Set() }
  const ones: One[] = []
  for (const p of patterns) {
    const one = translateOne(p, span, report)
    if (one === undefined) return undefined
    ones.push(one)
  }
  const binderNames = new Set(ones.map((o) => o.binder ?? ''))
  // Which binder a guard sees depends on the pattern that matched; that matters only if it reads one.
  if (binderNames.size > 1 && [...binderNames].some((n) => read.has(n))) {
    report(diagnostic(CEDAR.pattern, 'error', 'these patterns bind different names; a guard would read a different value depending on which one matched', span, { help: 'split the rule so that every pattern binds the same name' }))
    return undefined
  }
  const binders = binderNames.size > 1 ? new Set<string>() : new Set(ones.flatMap((o) => (o.binder === undefined ? [] : [o.binder])))
  if (ones.some((o) => o.verb === undefined && o.arg === undefined)) return { head: 'action', full: 'true', binders }
  if (ones.every((o) => o.name !== undefined && o.arg === undefined)) {
    const names = [...new Set(ones.map((o) => o.name as string))]
    const refs = names.map((n) => entityRef('Action', n))
    const head = refs.length === 1 ? `action in ${refs[0] as string}` : `action in [${refs.join(', ')}]`
    return { head, full: `(${head})`, binders }
  }
  const parts = ones.map((o) => {
    const conj = [o.verb, o.arg].filter((x): x is string => x !== undefined)
    return conj.length === 1 ? (conj[0] as string) : `(${conj.join(' && ')})`
  })
  const condition = parts.length === 1 ? (parts[0] as string) : `(${parts.join(' || ')})`
  return { head: 'action', condition, full: condition, binders }
}

function translateOne(p: ActionPattern, span: Span, report: (d: Diagnostic) => void): One | undefined {
  const bad = (s: string): boolean => {
    if (!hasLoneSurrogate(s)) return false
    report(diagnostic(CEDAR.badString, 'error', 'this pattern holds a lone UTF-16 surrogate, which Cedar cannot represent', span))
    return true
  }
  switch (p.kind) {
    case 'any':
      return { verb: undefined, arg: undefined, binder: undefined }
    case 'name':
      if (bad(p.name)) return undefined
      return { verb: `(action in ${entityRef('Action', p.name)})`, name: p.name, arg: undefined, binder: undefined }
    case 'glob':
      if (bad(p.pattern)) return undefined
      return { verb: `(action.name like ${likeFromGlob(p.pattern)})`, arg: undefined, binder: undefined }
    case 'call': {
      const verb = translateOne(p.verb, span, report)
      if (verb === undefined) return undefined
      if (p.args.length === 0) return verb
      if (p.args.length > 1) {
        report(diagnostic(CEDAR.pattern, 'error', 'patterns with more than one argument cannot be translated: Cedar requests carry only one resource', span, { help: 'match further arguments with guards over context attributes' }))
        return undefined
      }
      const a = p.args[0] as (typeof p.args)[number]
      const base = verb.name === undefined ? { verb: verb.verb } : { verb: verb.verb, name: verb.name }
      switch (a.kind) {
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
