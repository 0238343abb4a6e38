/**
 * Action patterns (SEMANTICS.md §2): conversion from target expressions, and the reference
 * matcher that both evaluators use, so that "which rules apply" is defined in one place.
 */
import type { Expr } from '../grammar/ir.js'
import { globToMatcher, isGlobPattern } from '../stdlib/glob.js'
import { DEFAULT_LIMITS } from '../stdlib/limits.js'
import { isRecord, type Value } from '../stdlib/value.js'
import type { ActionPattern, ArgPattern, PolicyScope } from './checked.js'
import { asciiFold, type NormalizedRequest } from './request.js'

/** Names that match every action. */
export const MATCH_ALL_NAMES: ReadonlySet<string> = new Set(['any', 'all_operations', '*'])

/** Converts a target expression to patterns, or returns the sub-expression that is not one. */
export function toPatterns(e: Expr): { patterns: ActionPattern[] } | { bad: Expr } {
  if (e.kind === 'Array') {
    const out: ActionPattern[] = []
    for (const el of e.elements) {
      const r = toPatterns(el)
      if ('bad' in r) return r
      out.push(...r.patterns)
    }
    return { patterns: out }
  }
  const single = toPattern(e)
  return single === undefined ? { bad: e } : { patterns: [single] }
}

function namePattern(name: string): ActionPattern {
  if (MATCH_ALL_NAMES.has(name)) return { kind: 'any' }
  return isGlobPattern(name) ? { kind: 'glob', pattern: name } : { kind: 'name', name }
}

function toPattern(e: Expr): ActionPattern | undefined {
  switch (e.kind) {
    case 'Ident':
      return namePattern(e.name)
    case 'String':
      return namePattern(e.value)
    case 'Wildcard':
      return { kind: 'any' }
    case 'Call': {
      const verb = e.callee.kind === 'Ident' || e.callee.kind === 'String' || e.callee.kind === 'Wildcard' ? toPattern(e.callee) : undefined
      if (verb === undefined) return undefined
      const args: ArgPattern[] = []
      for (const a of e.args) {
        if (a.name !== undefined) return undefined
        const v = a.value
        if (v.kind === 'Wildcard' || (v.kind === 'Ident' && v.name === 'any')) args.push({ kind: 'any' })
        else if (v.kind === 'Ident') args.push({ kind: 'bind', name: v.name })
        else if (v.kind === 'String') args.push({ kind: 'literal', value: v.value })
        else return undefined
      }
      return { kind: 'call', verb, args }
    }
    default:
      return undefined
  }
}

/** Argument `i` of the action; argument 0 defaults to the resource (SEMANTICS.md §2). */
export function argAt(req: NormalizedRequest, i: number): Value | undefined {
  if (req.args.length > 0) return req.args[i]
  return i === 0 ? req.resource : undefined
}

const globCache = new Map<string, (s: string) => boolean>()

/** A cached glob matcher (patterns come from checked policies, so the cache is bounded by them). */
export function globMatcher(pattern: string): (s: string) => boolean {
  let m = globCache.get(pattern)
  if (m === undefined) {
    m = globToMatcher(pattern, DEFAULT_LIMITS)
    if (globCache.size > 10_000) globCache.clear()
    globCache.set(pattern, m)
  }
  return m
}

/**
 * Matches the verb part of a pattern: name, group, glob or anything. `fold` is set for `deny`
 * patterns and for the applicability of `require`/`audit` (SEMANTICS.md §7): those compare
 * ASCII-case-insensitively, so `SHELL` cannot walk past `deny: "tool_call::shell"`; `allow`
 * patterns compare exactly, so case never widens a grant.
 */
export function matchesVerb(p: ActionPattern, req: NormalizedRequest, fold = false): boolean {
  switch (p.kind) {
    case 'any':
      return true
    case 'name': {
      if (!fold) return req.actionName === p.name || req.groups.has(p.name)
      const name = asciiFold(p.name)
      return req.foldedName === name || req.foldedGroups.has(name)
    }
    case 'glob':
      return fold ? globMatcher(asciiFold(p.pattern))(req.foldedName) : globMatcher(p.pattern)(req.actionName)
    case 'call':
      return matchesVerb(p.verb, req, fold)
  }
}

/**
 * Whether a policy governs the request (SEMANTICS.md §6): an agent's policy only its own
 * requests, a channel's policy only requests made on it. With `fold` (deny and require/audit
 * rules) the name compares ASCII-case-insensitively, so a deny written for agent `janitor` also
 * binds a principal spelled `Janitor`; an allow never reaches further than the exact name.
 */
export function inScope(scope: PolicyScope | undefined, req: NormalizedRequest, fold: boolean): boolean {
  if (scope === undefined) return true
  const actual = scopeSubject(scope, req)
  if (actual === undefined) return false
  return fold ? asciiFold(actual) === asciiFold(scope.name) : actual === scope.name
}

/** The request's value that a scope compares: `principal.id` or `context.channel` (undefined when absent or not a string). */
export function scopeSubject(scope: PolicyScope, req: NormalizedRequest): string | undefined {
  const v: unknown = scope.kind === 'agent' ? req.principal['id'] : Object.hasOwn(req.context, 'channel') ? req.context['channel'] : undefined
  return typeof v === 'string' ? v : undefined
}

/**
 * Matches one pattern against a request. Returns the bindings it makes (empty when it binds
 * nothing), or undefined when it does not match. An argument the pattern names but the action
 * lacks makes the pattern not match.
 */
export function matchPattern(p: ActionPattern, req: NormalizedRequest, fold = false): Map<string, Value> | undefined {
  if (!matchesVerb(p, req, fold)) return undefined
  const bindings = new Map<string, Value>()
  if (p.kind !== 'call') return bindings
  for (let i = 0; i < p.args.length; i++) {
    const ap = p.args[i] as ArgPattern
    const v = argAt(req, i)
    if (v === undefined) return undefined
    if (ap.kind === 'bind') bindings.set(ap.name, v)
    else if (ap.kind === 'literal' && !(v === ap.value || (isRecord(v) && v['id'] === ap.value))) return undefined
  }
  return bindings
}

/** The first pattern of a list that matches, with its bindings. */
export function matchAny(patterns: readonly ActionPattern[], req: NormalizedRequest, fold = false): Map<string, Value> | undefined {
  for (const p of patterns) {
    const b = matchPattern(p, req, fold)
    if (b !== undefined) return b
  }
  return undefined
}

/** A pattern whose verb matches but which names an argument the action lacks: its index. */
export interface MissingArgument {
  readonly missing: number
}

/**
 * As `matchAny`, for rules that fail closed (deny, require): when no pattern matches but one
 * matched its verb and lacked an argument, says which argument (of the first such pattern).
 */
export function matchAnyOrMissing(patterns: readonly ActionPattern[], req: NormalizedRequest, fold: boolean): Map<string, Value> | MissingArgument | undefined {
  let missing: MissingArgument | undefined
  for (const p of patterns) {
    const b = matchPattern(p, req, fold)
    if (b !== undefined) return b
    if (missing === undefined) {
      const i = missingArgumentOf(p, req, fold)
      if (i !== undefined) missing = { missing: i }
    }
  }
  return missing
}

/** The first argument a call pattern names that the action lacks, when its verb matches and no literal argument contradicts. */
export function missingArgumentOf(p: ActionPattern, req: NormalizedRequest, fold: boolean): number | undefined {
  if (p.kind !== 'call' || !matchesVerb(p, req, fold)) return undefined
  let first: number | undefined
  for (let i = 0; i < p.args.length; i++) {
    const ap = p.args[i] as ArgPattern
    const v = argAt(req, i)
    if (v === undefined) first ??= i
    else if (ap.kind === 'literal' && !(v === ap.value || (isRecord(v) && v['id'] === ap.value))) return undefined
  }
  return first
}
