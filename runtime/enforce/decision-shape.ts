import type { Condition, Decision, DecisionError, DeterminingRule } from '../../stdlib/decision.js'

/**
 * Checks that an engine's answer is one of the four decision shapes of SEMANTICS.md §4.
 * Returns the decision (with `determining`/`errors`/`version` defaulted when absent, because
 * they explain a decision but do not change it) or a message saying what is wrong. Anything
 * that is not clearly one of the shapes is malformed, and the caller denies.
 */
export function checkDecision(value: unknown): Decision | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `decision is not an object (got ${describe(value)})`
  const d = value as Record<string, unknown>
  const info = checkInfo(d)
  if (typeof info === 'string') return info
  switch (d['effect']) {
    case 'allow':
      return { effect: 'allow', ...info }
    case 'deny': {
      const reason = d['reason']
      if (typeof reason !== 'string') return `deny decision has no string 'reason' (got ${describe(reason)})`
      return { effect: 'deny', reason, ...info }
    }
    case 'allow_with_conditions': {
      const conditions = d['conditions']
      if (!Array.isArray(conditions)) return `allow_with_conditions decision has no 'conditions' array (got ${describe(conditions)})`
      for (const [i, c] of conditions.entries()) {
        const bad = checkCondition(c)
        if (bad !== undefined) return `conditions[${i}]: ${bad}`
      }
      return { effect: 'allow_with_conditions', conditions: conditions as Condition[], ...info }
    }
    case 'require_approval': {
      const approver = d['approver']
      const approvers = d['approvers'] ?? (typeof approver === 'string' ? [approver] : undefined)
      if (typeof approver !== 'string' || approver === '') return `require_approval decision has no 'approver' string (got ${describe(approver)})`
      if (!Array.isArray(approvers) || !approvers.every((a) => typeof a === 'string')) return `require_approval decision has a bad 'approvers' list`
      return { effect: 'require_approval', approver, approvers: approvers as string[], ...info }
    }
    default:
      return `unknown decision effect ${describe(d['effect'])}`
  }
}

interface Info {
  determining: readonly DeterminingRule[]
  errors: readonly DecisionError[]
  version: number
  trace?: NonNullable<Decision['trace']>
}

function checkInfo(d: Record<string, unknown>): Info | string {
  const determining = d['determining'] ?? []
  const errors = d['errors'] ?? []
  const version = d['version'] ?? 0
  if (!Array.isArray(determining)) return `'determining' is not an array (got ${describe(determining)})`
  if (!Array.isArray(errors)) return `'errors' is not an array (got ${describe(errors)})`
  if (typeof version !== 'number' || !Number.isFinite(version)) return `'version' is not a number (got ${describe(version)})`
  const info: Info = { determining: determining as DeterminingRule[], errors: errors as DecisionError[], version }
  if (Array.isArray(d['trace'])) info.trace = d['trace'] as NonNullable<Decision['trace']>
  return info
}

function checkCondition(c: unknown): string | undefined {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return `not an object (got ${describe(c)})`
  const r = c as Record<string, unknown>
  if (r['kind'] !== 'obligation' && r['kind'] !== 'audit') return `'kind' must be 'obligation' or 'audit' (got ${describe(r['kind'])})`
  if (typeof r['name'] !== 'string') return `'name' must be a string (got ${describe(r['name'])})`
  if (r['modifiers'] !== undefined && !(Array.isArray(r['modifiers']) && r['modifiers'].every((m) => typeof m === 'string'))) return `'modifiers' must be an array of strings`
  return undefined
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`
}
