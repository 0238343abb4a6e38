/**
 * Expectations on a decision, shared by example cases and properties:
 *
 * ```json
 * { "effect": "deny" }                                   one effect
 * { "effect": ["allow", "allow_with_conditions"] }       one of several
 * { "effect": { "not": ["allow", "allow_with_conditions"] } }
 * { "reason": "no allow rule matched" }                   exact reason (deny)
 * { "reasonContains": "requirement not met" }
 * { "conditions": [{ "kind": "obligation", "name": "audit_trail", "value": "detailed" }] }   exact list
 * { "conditionsInclude": [{ "name": "audit_trail" }] }    each matches some condition (fields given must equal)
 * { "approvers": ["supervisor"] }                         exact approver list
 * { "determinedBy": ["secure_data_access[1]"] }           exact list of determining rules, as policy[index]
 * { "errors": false }                                     no evaluation errors (true: at least one)
 * ```
 * All given fields must hold.
 */
import type { Decision, Effect } from '../stdlib/decision.js'
import { valueEquals } from '../stdlib/equality.js'
import type { Value } from '../stdlib/value.js'

/** An expectation on a decision (see the module comment). */
export interface Expectation {
  /** Effect, effects (one of), or `{ not: effects }`. */
  readonly effect?: Effect | readonly Effect[] | { readonly not: Effect | readonly Effect[] }
  /** Exact reason of a deny. */
  readonly reason?: string
  /** Substring of the reason of a deny. */
  readonly reasonContains?: string
  /** Exact conditions. */
  readonly conditions?: readonly Record<string, unknown>[]
  /** Conditions that must each match one condition of the decision. */
  readonly conditionsInclude?: readonly Record<string, unknown>[]
  /** Exact approvers of a require_approval. */
  readonly approvers?: readonly string[]
  /** Exact determining rules as `policy[index]`. */
  readonly determinedBy?: readonly string[]
  /** Whether the decision carries evaluation errors. */
  readonly errors?: boolean
}

/** The effects a decision may have. */
export const EFFECTS: readonly Effect[] = ['allow', 'deny', 'allow_with_conditions', 'require_approval']
const KEYS = new Set(['effect', 'reason', 'reasonContains', 'conditions', 'conditionsInclude', 'approvers', 'determinedBy', 'errors'])

/** Validates an expectation read from JSON; returns messages naming what is wrong (empty when fine). */
export function validateExpectation(v: unknown, where: string): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [`${where}: an expectation is an object such as { "effect": "deny" }`]
  const out: string[] = []
  const e = v as Record<string, unknown>
  for (const k of Object.keys(e)) if (!KEYS.has(k)) out.push(`${where}: unknown field '${k}' (expected ${[...KEYS].join(', ')})`)
  if (Object.keys(e).length === 0) out.push(`${where}: an empty expectation checks nothing`)
  const effects = (x: unknown): boolean => (typeof x === 'string' && EFFECTS.includes(x as Effect)) || (Array.isArray(x) && x.length > 0 && x.every((y) => EFFECTS.includes(y as Effect)))
  if (e['effect'] !== undefined) {
    const f = e['effect']
    const ok = effects(f) || (f !== null && typeof f === 'object' && !Array.isArray(f) && Object.keys(f).length === 1 && effects((f as Record<string, unknown>)['not']))
    if (!ok) out.push(`${where}.effect: must be one of ${EFFECTS.join(', ')}, an array of them, or { "not": … }`)
  }
  for (const k of ['reason', 'reasonContains'] as const) if (e[k] !== undefined && typeof e[k] !== 'string') out.push(`${where}.${k}: must be a string`)
  for (const k of ['conditions', 'conditionsInclude'] as const) {
    const c = e[k]
    if (c !== undefined && (!Array.isArray(c) || c.some((x) => x === null || typeof x !== 'object' || Array.isArray(x)))) out.push(`${where}.${k}: must be an array of condition objects`)
  }
  for (const k of ['approvers', 'determinedBy'] as const) {
    const c = e[k]
    if (c !== undefined && (!Array.isArray(c) || c.some((x) => typeof x !== 'string'))) out.push(`${where}.${k}: must be an array of strings`)
  }
  if (e['errors'] !== undefined && typeof e['errors'] !== 'boolean') out.push(`${where}.errors: must be true or false`)
  return out
}

function list<T>(x: T | readonly T[]): readonly T[] {
  return Array.isArray(x) ? (x as readonly T[]) : [x as T]
}

function conditionMatches(actual: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([k, v]) => Object.hasOwn(actual, k) && valueEquals(actual[k] as Value, v as Value))
}

/** Checks a decision; returns what does not hold (empty when the expectation is met). */
export function checkExpectation(d: Decision, e: Expectation): string[] {
  const out: string[] = []
  if (e.effect !== undefined) {
    const f = e.effect
    if (typeof f === 'object' && !Array.isArray(f) && 'not' in f) {
      const banned = list(f.not)
      if (banned.includes(d.effect)) out.push(`effect is ${d.effect}, expected none of ${banned.join(', ')}`)
    } else {
      const wanted = list(f as Effect | readonly Effect[])
      if (!wanted.includes(d.effect)) out.push(`effect is ${d.effect}, expected ${wanted.join(' or ')}`)
    }
  }
  const reason = d.effect === 'deny' ? d.reason : undefined
  if (e.reason !== undefined && reason !== e.reason) out.push(`reason is ${JSON.stringify(reason ?? null)}, expected ${JSON.stringify(e.reason)}`)
  if (e.reasonContains !== undefined && !(reason ?? '').includes(e.reasonContains)) out.push(`reason ${JSON.stringify(reason ?? null)} does not contain ${JSON.stringify(e.reasonContains)}`)
  const conditions = (d.effect === 'allow_with_conditions' ? d.conditions : []) as unknown as Record<string, unknown>[]
  if (e.conditions !== undefined && !valueEquals(conditions as unknown as Value, e.conditions as unknown as Value)) {
    out.push(`conditions are ${JSON.stringify(conditions)}, expected ${JSON.stringify(e.conditions)}`)
  }
  for (const w of e.conditionsInclude ?? []) if (!conditions.some((c) => conditionMatches(c, w))) out.push(`no condition matches ${JSON.stringify(w)} (conditions: ${JSON.stringify(conditions)})`)
  const approvers = d.effect === 'require_approval' ? d.approvers : []
  if (e.approvers !== undefined && !valueEquals(approvers as Value, e.approvers as Value)) out.push(`approvers are ${JSON.stringify(approvers)}, expected ${JSON.stringify(e.approvers)}`)
  if (e.determinedBy !== undefined) {
    const got = d.determining.map((r) => `${r.policy}[${r.rule}]`)
    if (!valueEquals(got, e.determinedBy as Value)) out.push(`determined by ${JSON.stringify(got)}, expected ${JSON.stringify(e.determinedBy)}`)
  }
  if (e.errors !== undefined && (d.errors.length > 0) !== e.errors) out.push(e.errors ? 'expected evaluation errors, got none' : `expected no evaluation errors, got ${d.errors.map((x) => `${x.code} ${x.message}`).join('; ')}`)
  return out
}
